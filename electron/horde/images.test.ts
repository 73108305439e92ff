import { describe, expect, it } from 'vitest';
import { decodeBase64Image, sniffImage, validateImage } from './images';
import { HordeError } from '../../shared/api/horde-error';

function png(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const dv = new DataView(b.buffer);
  dv.setUint32(16, width);
  dv.setUint32(20, height);
  return b;
}

function jpeg(width: number, height: number): Uint8Array {
  // SOI, an APP0 segment to skip, then SOF0 with the size.
  const app0 = [0xff, 0xe0, 0x00, 0x04, 0x00, 0x00];
  const sof = [
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    0x03,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ];
  return new Uint8Array([0xff, 0xd8, ...app0, ...sof]);
}

function webpLossless(width: number, height: number): Uint8Array {
  const b = new Uint8Array(30);
  b.set(
    [...'RIFF'].map((c) => c.charCodeAt(0)),
    0,
  );
  b.set(
    [...'WEBPVP8L'].map((c) => c.charCodeAt(0)),
    8,
  );
  b[20] = 0x2f;
  new DataView(b.buffer).setUint32(21, (width - 1) | ((height - 1) << 14), true);
  return b;
}

describe('image headers', () => {
  it('reads the size of PNG, JPEG and WebP images', () => {
    expect(sniffImage(png(640, 480))).toEqual({ contentType: 'image/png', width: 640, height: 480 });
    expect(sniffImage(jpeg(1024, 768))).toEqual({ contentType: 'image/jpeg', width: 1024, height: 768 });
    expect(sniffImage(webpLossless(300, 200))).toEqual({
      contentType: 'image/webp',
      width: 300,
      height: 200,
    });
    expect(sniffImage(new TextEncoder().encode('GIF89a and more bytes here'))).toBeUndefined();
  });

  it('refuses non-images and images over the size cap', () => {
    expect(() => validateImage(new Uint8Array(40), 1000)).toThrow(
      expect.objectContaining({ rc: 'ImageValidationFailed' }),
    );
    expect(() => validateImage(png(1, 1), 10)).toThrow(HordeError);
    expect(validateImage(png(1, 1), 1000).width).toBe(1);
  });

  it('decodes bare and data-URL base64, and rejects text that is not base64', () => {
    const b64 = Buffer.from(png(2, 3)).toString('base64');
    expect(sniffImage(decodeBase64Image(b64)!)?.height).toBe(3);
    expect(sniffImage(decodeBase64Image(`data:image/png;base64,${b64}`)!)?.width).toBe(2);
    expect(decodeBase64Image('not base64!')).toBeUndefined();
  });
});
