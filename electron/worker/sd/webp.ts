/**
 * WebP in and out for image jobs, through sharp (libvips): maintained, already installed with
 * transformers.js (which decodes images with it in Node), with prebuilt binaries for the
 * platforms Electron ships on, so no WASM encoder or native build is needed.
 */
import sharp from 'sharp';
import type { RgbaImage } from '../../../shared/diffusion/pipeline';

/** reGen's quality for results. */
export const RESULT_WEBP_QUALITY = 95;

export async function encodeWebp(image: RgbaImage, quality = RESULT_WEBP_QUALITY): Promise<Uint8Array> {
  const { width, height, data } = image;
  if (data.length !== width * height * 4)
    throw new Error('image data must be RGBA, width × height × 4 bytes');
  const out = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width, height, channels: 4 },
  })
    .webp({ quality })
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Any image sharp reads (WebP, PNG, JPEG…), resized to exactly width × height, as RGBA. */
export async function decodeResized(bytes: Uint8Array, width: number, height: number): Promise<RgbaImage> {
  const { data, info } = await sharp(bytes)
    .resize(width, height, { fit: 'fill' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`source image decoded to ${info.channels} channels`);
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}
