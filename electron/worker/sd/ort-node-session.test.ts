import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatTensor, toFloat32 } from '../../../shared/diffusion/tensors';
import { OrtNodeSession } from './ort-node-session';

/** A half-precision export (fp16 I/O and weights, as the catalog's SD 1.5 ships) runs on onnxruntime-node. */
const { onnx } = onnxProto;
const FLOAT16 = 10;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ort-fp16-'));
  const info = (name: string) => ({
    name,
    type: { tensorType: { elemType: FLOAT16, shape: { dim: [1, 4, 8, 8].map((d) => ({ dimValue: d })) } } },
  });
  const ones = new Uint16Array(4 * 4 * 3 * 3).fill(0x3c00); // 1.0 in half precision
  const model = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'fp16-conv',
      node: [
        {
          opType: 'Conv',
          input: ['sample', 'w'],
          output: ['out_sample'],
          attribute: [{ name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] }],
        },
      ],
      initializer: [
        { name: 'w', dataType: FLOAT16, dims: [4, 4, 3, 3], rawData: new Uint8Array(ones.buffer) },
      ],
      input: [info('sample')],
      output: [info('out_sample')],
    },
  };
  await writeFile(path.join(dir, 'model.onnx'), onnx.ModelProto.encode(model).finish());
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('OrtNodeSession with float16 inputs and outputs', () => {
  it('reads the dtype from the session and runs a half-precision convolution', async () => {
    const session = await OrtNodeSession.load(path.join(dir, 'model.onnx'), { threads: 1 });
    expect(session.inputs[0]).toMatchObject({ name: 'sample', type: 'float16' });
    const values = new Float32Array(4 * 8 * 8).fill(0.5);
    const out = await session.run({ sample: floatTensor('float16', [1, 4, 8, 8], values) });
    const y = toFloat32(out.out_sample!);
    // 3×3 ones over 4 channels of 0.5: 18 inside, 12 on an edge, 8 in a corner.
    expect([y[0], y[1], y[9]]).toEqual([8, 12, 18]);
    await session.dispose();
  });
});
