/**
 * Image bytes ⇄ RGBA for the alchemy forms. Decoding goes through transformers.js'
 * RawImage, which in Node uses sharp (PNG, JPEG, WebP, GIF, AVIF, TIFF); encoding
 * writes a plain PNG here so results need nothing beyond node:zlib.
 */
import { deflateSync } from 'node:zlib';
import { RawImage } from '@huggingface/transformers';
import type { AlchemyImage } from './types';

export async function decodeImage(bytes: Uint8Array): Promise<AlchemyImage> {
  const copy = new Uint8Array(bytes); // a Blob part needs an ArrayBuffer-backed view
  const image = (await RawImage.fromBlob(new Blob([copy]))).rgba();
  return {
    width: image.width,
    height: image.height,
    data: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength),
  };
}

export function encodePng(image: AlchemyImage): Uint8Array {
  const { width, height, data } = image;
  if (data.length !== width * height * 4)
    throw new Error('image data must be RGBA, width × height × 4 bytes');
  const stride = width * 4;
  // Each scanline is prefixed with filter type 0 (none).
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method, no interlace
  return concat([
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
