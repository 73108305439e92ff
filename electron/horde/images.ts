import { HordeError } from '../../shared/api/horde-error';

/**
 * Images the horde accepts (interrogation sources, uploaded results): PNG,
 * JPEG or WebP, recognised by their header, with their size read from it so
 * post-processors can be priced per 512×512 tile without decoding pixels.
 */
export interface ImageInfo {
  contentType: 'image/png' | 'image/jpeg' | 'image/webp';
  width: number;
  height: number;
}

export function sniffImage(b: Uint8Array): ImageInfo | undefined {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ascii = (at: number, len: number): string => String.fromCharCode(...b.subarray(at, at + len));
  if (b.length >= 24 && b[0] === 0x89 && ascii(1, 3) === 'PNG') {
    return { contentType: 'image/png', width: dv.getUint32(16), height: dv.getUint32(20) };
  }
  if (b.length >= 30 && ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') {
    const chunk = ascii(12, 4);
    if (chunk === 'VP8X') {
      const w = 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16));
      const h = 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16));
      return { contentType: 'image/webp', width: w, height: h };
    }
    if (chunk === 'VP8L') {
      const bits = dv.getUint32(21, true);
      return { contentType: 'image/webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8 ') {
      return {
        contentType: 'image/webp',
        width: dv.getUint16(26, true) & 0x3fff,
        height: dv.getUint16(28, true) & 0x3fff,
      };
    }
    return undefined;
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    // Walk the JPEG segments to the first start-of-frame, which carries the size.
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return undefined;
      const marker = b[i + 1]!;
      const len = dv.getUint16(i + 2);
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof)
        return { contentType: 'image/jpeg', height: dv.getUint16(i + 5), width: dv.getUint16(i + 7) };
      i += 2 + len;
    }
  }
  return undefined;
}

/** Decodes `data:image/...;base64,...` or bare base64; undefined when it is not base64 at all. */
export function decodeBase64Image(s: string): Uint8Array | undefined {
  const body = s.startsWith('data:') ? s.slice(s.indexOf(',') + 1) : s;
  const compact = body.replace(/\s+/g, '');
  if (compact.length === 0 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) return undefined;
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

export function isHttpUrl(raw: string): boolean {
  return /^https?:\/\//i.test(raw);
}

/** Checks an image body: known format, within the size cap. */
export function validateImage(bytes: Uint8Array, maxBytes: number): ImageInfo {
  if (bytes.length > maxBytes)
    throw new HordeError('SourceImageSizeExceeded', `The image is larger than ${maxBytes} bytes.`);
  const info = sniffImage(bytes);
  if (!info || info.width <= 0 || info.height <= 0) {
    throw new HordeError(
      'ImageValidationFailed',
      'Image validation failed. Please ensure the source image payload is either a URL containing an image or a valid base64 encoded image (PNG, JPEG or WebP).',
    );
  }
  return info;
}
