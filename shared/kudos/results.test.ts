import { describe, expect, it } from 'vitest';
import {
  MAX_BYTES_PER_TOKEN,
  formResultProblem,
  imageResultProblem,
  imageSizeOf,
  maxImageResultBytes,
  textResultProblem,
  utf8Bytes,
} from './results';

describe('result bounds', () => {
  it('counts UTF-8 bytes as an encoder does', () => {
    const cases: [string, number][] = [
      ['', 0],
      ['abc', 3],
      ['é', 2],
      ['€', 3],
      ['𝄞', 4],
      ['a€𝄞é\u0000', 11],
      // A lone surrogate is encoded as U+FFFD, three bytes.
      ['\ud800', 3],
    ];
    for (const [text, bytes] of cases) expect(utf8Bytes(text)).toBe(bytes);
  });

  it('bounds a text generation by max_length tokens of at most MAX_BYTES_PER_TOKEN bytes', () => {
    expect(textResultProblem('x'.repeat(16 * MAX_BYTES_PER_TOKEN), 16)).toBeUndefined();
    expect(textResultProblem('x'.repeat(16 * MAX_BYTES_PER_TOKEN + 1), 16)).toMatch(/16-token request/);
    // The attack: 15 MiB for a 16-token request.
    expect(textResultProblem('x'.repeat(15 * 1024 * 1024), 16)).toBeDefined();
  });

  it('bounds alchemy results per form', () => {
    expect(formResultProblem('caption', { caption: 'a cat on a mat' }, false)).toBeUndefined();
    expect(formResultProblem('caption', { caption: 'x'.repeat(5000) }, false)).toMatch(/caption/);
    expect(formResultProblem('nsfw', { nsfw: true }, false)).toBeUndefined();
    expect(formResultProblem('nsfw', { nsfw: 'x'.repeat(300) }, false)).toBeDefined();
    expect(formResultProblem('RealESRGAN_x4plus', { RealESRGAN_x4plus: 'R2' }, true)).toBeUndefined();
    expect(formResultProblem('strip_background', { strip_background: 'x'.repeat(2000) }, true)).toBeDefined();
  });

  it('reads width and height from WebP (VP8, VP8L, VP8X) and PNG headers', () => {
    const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));
    const riff = (chunk: string, body: number[]) =>
      Uint8Array.from([
        ...ascii('RIFF'),
        0,
        0,
        0,
        0,
        ...ascii('WEBP'),
        ...ascii(chunk),
        0,
        0,
        0,
        0,
        ...body,
        ...new Array(16).fill(0),
      ]);
    // VP8: frame tag (3), start code 9d 01 2a, width/height 14-bit LE.
    expect(imageSizeOf(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x00, 0x02, 0x00, 0x03]))).toEqual({
      width: 512,
      height: 768,
    });
    // VP8L: signature 0x2f, then (w-1) | (h-1) << 14.
    const bits = (640 - 1) | ((480 - 1) << 14);
    expect(
      imageSizeOf(
        riff('VP8L', [0x2f, bits & 255, (bits >> 8) & 255, (bits >> 16) & 255, (bits >>> 24) & 255]),
      ),
    ).toEqual({ width: 640, height: 480 });
    // VP8X: flags (4), then canvas (w-1), (h-1) as 24-bit LE.
    expect(imageSizeOf(riff('VP8X', [0, 0, 0, 0, 0xff, 0x03, 0x00, 0xff, 0x01, 0x00]))).toEqual({
      width: 1024,
      height: 512,
    });
    const png = [137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, ...ascii('IHDR'), 0, 0, 2, 0, 0, 0, 1, 0];
    expect(imageSizeOf(Uint8Array.from(png))).toEqual({ width: 512, height: 256 });
    expect(imageSizeOf(Uint8Array.from([1, 2, 3]))).toBeUndefined();
  });

  it('refuses an image larger than the requested size or heavier than such an image can be', () => {
    const asked = { width: 512, height: 512 };
    expect(imageResultProblem({ width: 512, height: 512, bytes: 300_000 }, asked)).toBeUndefined();
    expect(imageResultProblem({ width: 1024, height: 512, bytes: 300_000 }, asked)).toMatch(/larger than/);
    expect(
      imageResultProblem({ width: 512, height: 512, bytes: maxImageResultBytes(asked) + 1 }, asked),
    ).toMatch(/bytes/);
  });
});
