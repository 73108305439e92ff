import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseDtype } from './dtype';

let dir: string;

async function withFiles(...names: string[]): Promise<string> {
  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  for (const name of names) await writeFile(path.join(dir, 'onnx', name), '');
  return dir;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dtype-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('chooseDtype', () => {
  it('prefers full precision when it is there', async () => {
    expect(await chooseDtype(await withFiles('model.onnx', 'model_quantized.onnx', 'model_fp16.onnx'))).toBe(
      'fp32',
    );
  });

  it('takes the precision every graph ships in', async () => {
    const folder = await withFiles(
      'encoder_model_quantized.onnx',
      'encoder_model_fp16.onnx',
      'decoder_model_merged_fp16.onnx',
      'decoder_model_merged_q4.onnx',
    );
    expect(await chooseDtype(folder)).toBe('fp16');
  });

  it('reads a quantized-only export', async () => {
    expect(await chooseDtype(await withFiles('model_q4.onnx', 'model_q4.onnx_data'))).toBe('q4');
  });
});
