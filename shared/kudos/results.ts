/**
 * How large a worker's result may be for what was requested. A job is paid by
 * its request, so a result larger than the request allows is refused (and not
 * paid): a "generation" of 15 MiB for a 16-token request is not work done,
 * and storing it would let any worker fill the horde's disk.
 *
 * Text is bounded by the request's `max_length` tokens times a byte bound per
 * token (the horde has no tokenizer for every model, so the bound is on UTF-8
 * bytes); alchemy forms by a byte bound per form on the result's JSON; images
 * by the requested size (and the bytes an image of that size can take).
 */

/**
 * Bytes one token can decode to: the longest tokens of the GPT-2, Llama,
 * Mistral and Qwen vocabularies are well under this (GPT-2's longest are runs
 * of 64–128 dashes or spaces), so an honest generation never reaches it.
 */
export const MAX_BYTES_PER_TOKEN = 256;

/** UTF-8 length of a string, without TextEncoder (shared/ uses no platform APIs). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** The most UTF-8 bytes a text generation of a request with `maxLength` tokens may have. */
export function maxTextResultBytes(maxLength: number): number {
  return Math.max(1, Math.floor(maxLength)) * MAX_BYTES_PER_TOKEN;
}

/** Why a text generation is too large for its request, or undefined when it fits. */
export function textResultProblem(generation: string, maxLength: number): string | undefined {
  const limit = maxTextResultBytes(maxLength);
  const bytes = utf8Bytes(generation);
  if (bytes <= limit) return undefined;
  return `The generation is ${bytes} bytes, more than a ${maxLength}-token request allows (${limit} bytes, ${MAX_BYTES_PER_TOKEN} per token).`;
}

/**
 * What a request asked for that bounds its result, recorded with the request in the app's
 * history: a text request's `max_length` (tokens of one generation: the history keeps the first),
 * or the alchemy forms.
 */
export type AskedFor = { maxLength: number } | { forms: string[] };

/**
 * The most UTF-8 bytes the app keeps of a request's result: for text `max_length` ×
 * MAX_BYTES_PER_TOKEN (256 bytes a token, as the horde bounds a submit); for alchemy the sum of
 * each form's bound on its result, plus a line's label and newline per form (the history's
 * summary is one line per form). `isImageForm` tells post-processors and strip_background, whose
 * result is an image, not text.
 */
export function maxStoredResultBytes(asked: AskedFor, isImageForm: (form: string) => boolean): number {
  if ('maxLength' in asked) return maxTextResultBytes(asked.maxLength);
  return asked.forms.reduce(
    (sum, f) => sum + maxFormResultBytes(f, isImageForm(f)) + utf8Bytes(f) + FORM_LINE_BYTES,
    0,
  );
}
/** A summary line's label beyond the form's name: ": ", "nsfw: safe for work", a newline. */
const FORM_LINE_BYTES = 32;

/** Forms whose result is an image sent to the upload URL: the result only names it ("R2" or the URL). */
const IMAGE_RESULT_BYTES = 1024;

/** The largest result JSON (bytes) each text-valued form may return. */
const FORM_RESULT_BYTES: Readonly<Record<string, number>> = {
  caption: 4 * 1024,
  nsfw: 256,
  interrogation: 64 * 1024,
};
const OTHER_FORM_RESULT_BYTES = 16 * 1024;

/** The byte bound on a form's result JSON; `imageForm` for post-processors and strip_background. */
export function maxFormResultBytes(form: string, imageForm: boolean): number {
  if (imageForm) return IMAGE_RESULT_BYTES;
  return FORM_RESULT_BYTES[form] ?? OTHER_FORM_RESULT_BYTES;
}

/** Why an alchemy result is too large for its form, or undefined when it fits. */
export function formResultProblem(
  form: string,
  result: Record<string, unknown>,
  imageForm: boolean,
): string | undefined {
  const limit = maxFormResultBytes(form, imageForm);
  const bytes = utf8Bytes(JSON.stringify(result));
  if (bytes <= limit) return undefined;
  return `The ${form} result is ${bytes} bytes; a ${form} form allows at most ${limit}.`;
}

export interface ImageSize {
  width: number;
  height: number;
}

/** Room for a container's header and metadata above the pixels themselves. */
const IMAGE_HEADER_BYTES = 64 * 1024;

/** The most bytes an image of `size` may take: 4 bytes a pixel (RGBA, uncompressed) plus a header. */
export function maxImageResultBytes(size: ImageSize): number {
  return size.width * size.height * 4 + IMAGE_HEADER_BYTES;
}

/** Upscalers enlarge up to 4× (RealESRGAN_x4plus and the like): an upscaled result may be that many times each side. */
export const MAX_UPSCALE = 4;

/**
 * The size one image of a request may have, and its byte bound: the asked size, or 4× each side
 * when the request asked for an upscaler. A request of `n` images keeps at most `n` of them.
 */
export function imageResultBound(asked: ImageSize & { upscaled: boolean }): ImageSize & { bytes: number } {
  const scale = asked.upscaled ? MAX_UPSCALE : 1;
  const size = { width: asked.width * scale, height: asked.height * scale };
  return { ...size, bytes: maxImageResultBytes(size) };
}

/**
 * Why an image result does not fit the request, or undefined when it does: it
 * may not be wider or taller than requested, nor take more bytes than an
 * image of the requested size can (`maxImageResultBytes`). `image` is what
 * the result's header says (`imageSizeOf`) and its byte length.
 */
export function imageResultProblem(
  image: ImageSize & { bytes: number },
  requested: ImageSize,
): string | undefined {
  if (image.width > requested.width || image.height > requested.height) {
    return `The image is ${image.width}×${image.height}, larger than the ${requested.width}×${requested.height} requested.`;
  }
  const limit = maxImageResultBytes(requested);
  if (image.bytes > limit) {
    return `The image is ${image.bytes} bytes, more than a ${requested.width}×${requested.height} image can take (${limit}).`;
  }
  return undefined;
}

const u16le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, at: number): number => u16le(b, at) | ((b[at + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, at: number): number =>
  (((b[at] ?? 0) << 24) >>> 0) + ((b[at + 1] ?? 0) << 16) + ((b[at + 2] ?? 0) << 8) + (b[at + 3] ?? 0);
const tag = (b: Uint8Array, at: number): string =>
  String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0);

/**
 * Width and height from a WebP (VP8, VP8L, VP8X) or PNG header, or undefined
 * when the bytes are neither: enough to bound a result without decoding it.
 */
export function imageSizeOf(bytes: Uint8Array): ImageSize | undefined {
  if (bytes.length >= 24 && tag(bytes, 0) === '\x89PNG' && tag(bytes, 12) === 'IHDR') {
    return { width: u32be(bytes, 16), height: u32be(bytes, 20) };
  }
  if (bytes.length < 30 || tag(bytes, 0) !== 'RIFF' || tag(bytes, 8) !== 'WEBP') return undefined;
  switch (tag(bytes, 12)) {
    case 'VP8X':
      return { width: u24le(bytes, 24) + 1, height: u24le(bytes, 27) + 1 };
    case 'VP8 ':
      if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return undefined;
      return { width: u16le(bytes, 26) & 0x3fff, height: u16le(bytes, 28) & 0x3fff };
    case 'VP8L': {
      if (bytes[20] !== 0x2f) return undefined;
      const bits =
        (bytes[21] ?? 0) | ((bytes[22] ?? 0) << 8) | ((bytes[23] ?? 0) << 16) | ((bytes[24] ?? 0) << 24);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    default:
      return undefined;
  }
}
