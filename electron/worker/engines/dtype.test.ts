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

describe('chooseDtype for a text engine on a device', () => {
  const hub = ['model.onnx', 'model_quantized.onnx', 'model_q4.onnx', 'model_fp16.onnx', 'model_q4f16.onnx'];

  it('takes q8 on a CPU, then q4, then full precision', async () => {
    expect(await chooseDtype(await withFiles(...hub), 'cpu')).toBe('q8');
    await rm(path.join(dir, 'onnx', 'model_quantized.onnx'));
    expect(await chooseDtype(dir, 'wasm')).toBe('q4');
  });

  it('takes q4f16 on WebGPU, then fp16, and a quantized 8-bit graph only last', async () => {
    expect(await chooseDtype(await withFiles(...hub), 'webgpu')).toBe('q4f16');
    await rm(path.join(dir, 'onnx', 'model_q4f16.onnx'));
    expect(await chooseDtype(dir, 'webgpu')).toBe('fp16');
  });

  it('loads full precision when the folder has nothing else', async () => {
    expect(await chooseDtype(await withFiles('model.onnx'), 'cpu')).toBe('fp32');
    expect(await chooseDtype(dir, 'webgpu')).toBe('fp32');
  });

  it('forces the variant the setting names, and says what the folder has when it lacks it', async () => {
    const folder = await withFiles('model.onnx', 'model_quantized.onnx');
    expect(await chooseDtype(folder, 'cpu', 'fp32')).toBe('fp32');
    await expect(chooseDtype(folder, 'cpu', 'q4')).rejects.toThrow(
      'The model has no q4 variant (model_q4.onnx); it ships fp32, q8.',
    );
  });
});
