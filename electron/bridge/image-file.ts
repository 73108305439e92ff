import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { imageParametersText, type GalleryImage, type ImageFile } from '../../shared/bridge/images';

/**
 * A gallery image as a file to download, with the prompt and settings in
 * its metadata: a PNG `tEXt` chunk named "parameters" (the form A1111,
 * ComfyUI and most viewers read), or the WebP's EXIF ImageDescription.
 * sharp does the decoding and encoding (it ships with transformers.js).
 */
export async function downloadFile(
  g: GalleryImage,
  bytes: Uint8Array,
  format: 'webp' | 'png',
): Promise<ImageFile> {
  const text = imageParametersText(g);
  const base = `horde-${g.seed}-${g.id.slice(0, 8)}`;
  if (format === 'png') {
    const png = await sharp(bytes).png().toBuffer();
    const withText = pngWithText(png, 'parameters', text);
    return { dataUrl: `data:image/png;base64,${withText.toString('base64')}`, filename: `${base}.png` };
  }
  const webp = await sharp(bytes)
    .withExif({ IFD0: { ImageDescription: asciiOnly(text), Software: 'Horde Desktop' } })
    .webp({ lossless: true })
    .toBuffer();
  return { dataUrl: `data:image/webp;base64,${webp.toString('base64')}`, filename: `${base}.webp` };
}

/** EXIF ASCII fields are 7-bit; anything else becomes "?" rather than a broken file. */
function asciiOnly(s: string): string {
  return s.replace(/[^\x20-\x7e\n]/g, '?');
}

/** Inserts a `tEXt` chunk (keyword, NUL, Latin-1 text) right after IHDR; `iTXt` (UTF-8) when the text is not Latin-1. */
export function pngWithText(png: Buffer, keyword: string, text: string): Buffer {
  const IHDR_END = 8 + 4 + 4 + 13 + 4;
  const latin1 = [...text].every((c) => c.charCodeAt(0) <= 0xff);
  const key = Buffer.from(keyword, 'latin1');
  const data = latin1
    ? Buffer.concat([key, Buffer.from([0]), Buffer.from(text, 'latin1')])
    : Buffer.concat([key, Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]);
  const type = Buffer.from(latin1 ? 'tEXt' : 'iTXt', 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, data])) >>> 0);
  return Buffer.concat([png.subarray(0, IHDR_END), len, type, data, crc, png.subarray(IHDR_END)]);
}

/** Reads the `tEXt` chunks of a PNG (for tests and for reusing a downloaded file). */
export function pngTexts(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 8;
  while (i + 8 <= png.length) {
    const len = png.readUInt32BE(i);
    const type = png.toString('latin1', i + 4, i + 8);
    const body = png.subarray(i + 8, i + 8 + len);
    const nul = body.indexOf(0);
    if (type === 'tEXt') out[body.toString('latin1', 0, nul)] = body.toString('latin1', nul + 1);
    if (type === 'iTXt') {
      // keyword NUL flag method language NUL translated NUL text (uncompressed only, as written above)
      let at = nul + 3;
      at = body.indexOf(0, at) + 1;
      at = body.indexOf(0, at) + 1;
      out[body.toString('latin1', 0, nul)] = body.toString('utf8', at);
    }
    i += 12 + len;
  }
  return out;
}
