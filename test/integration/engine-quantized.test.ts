import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTinyQuantized } from '../fixtures/generate';
import { bareGreedy, greedyParams, type BareModelConfig } from '../harness/bare-ort';
import { loadTextEngine } from '../../electron/worker/engines/node';
import { modelDtypes } from '../../electron/worker/engines/dtype';

const params = greedyParams('The horde asks every worker for a story', 20, 200);

let root: string;
let dir: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'quantized-'));
  dir = await generateTinyQuantized(root);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function opTypes(file: Uint8Array): {
  ops: Set<string>;
  dataTypes: Set<number>;
  nbits: Record<string, number>;
} {
  const model = onnxProto.onnx.ModelProto.decode(file);
  const nodes = model.graph?.node ?? [];
  const nbitsNode = nodes.find((n) => n.opType === 'MatMulNBits');
  const nbits = Object.fromEntries((nbitsNode?.attribute ?? []).map((a) => [a.name ?? '', Number(a.i ?? 0)]));
  return {
    ops: new Set(nodes.map((n) => `${n.domain ? `${n.domain}.` : ''}${n.opType ?? ''}`)),
    dataTypes: new Set((model.graph?.initializer ?? []).map((t) => t.dataType ?? 0)),
    nbits,
  };
}

/** Greedy ids from a bare onnxruntime-node session on one file of the folder, no transformers.js. */
async function bareIds(file: string): Promise<number[]> {
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const [tokenizerJson, tokenizerConfig, config] = await Promise.all(
    ['tokenizer.json', 'tokenizer_config.json', 'config.json'].map((f) =>
      readFile(path.join(dir, f), 'utf8'),
    ),
  );
  const tokenizer = new Tokenizer(
    JSON.parse(tokenizerJson!) as object,
    JSON.parse(tokenizerConfig!) as object,
  );
  const session = await ort.InferenceSession.create(path.join(dir, 'onnx', file), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
  });
  try {
    const prompt = tokenizer.encode(params.prompt).ids;
    return (
      await bareGreedy(ort, session, JSON.parse(config!) as BareModelConfig, prompt, params.maxNewTokens)
    ).tokenIds;
  } finally {
    await session.release();
  }
}

describe('quantized text variants (tiny GPT-2 with its q8 and q4 files)', () => {
  it('writes the graphs the hub exports ship: dynamic int8 for q8, 4-bit MatMulNBits for q4', async () => {
    expect(await modelDtypes(dir)).toEqual(['fp32', 'q8', 'q4']);
    const q8 = opTypes(await readFile(path.join(dir, 'onnx', 'model_quantized.onnx')));
    expect([...q8.ops]).toEqual(
      expect.arrayContaining(['DynamicQuantizeLinear', 'MatMulInteger', 'DequantizeLinear', 'Cast']),
    );
    // Every weight MatMul was rewritten; the attention's activation × activation MatMuls stay.
    expect(q8.ops.has('MatMul')).toBe(true);
    expect(q8.dataTypes).toEqual(new Set([1, 2, 3, 7]));
    const q4 = opTypes(await readFile(path.join(dir, 'onnx', 'model_q4.onnx')));
    expect(q4.ops.has('com.microsoft.MatMulNBits')).toBe(true);
    expect(q4.nbits).toMatchObject({ bits: 4, block_size: 32 });
    expect(q4.ops.has('MatMulInteger')).toBe(false);
  });

  it.each([
    ['q8', 'model_quantized.onnx'],
    ['q4', 'model_q4.onnx'],
  ] as const)('the engine forced to %s generates the bare ONNX Runtime run of %s', async (dtype, file) => {
    const engine = await loadTextEngine({
      modelsDir: root,
      modelName: 'tiny-gpt2-quant',
      device: 'cpu',
      threads: 1,
      dtype,
    });
    try {
      const result = await engine.generate(params);
      expect(result.tokenIds).toHaveLength(params.maxNewTokens);
      expect(result.tokenIds).toEqual(await bareIds(file));
      // Quantization moves the greedy path here, so a load of the fp32 file instead would show.
      expect(result.tokenIds).not.toEqual(await bareIds('model.onnx'));
    } finally {
      await engine.dispose();
    }
  });

  it('auto on a CPU loads the q8 file, whose tokens differ from the fp32 file', async () => {
    const engine = await loadTextEngine({
      modelsDir: root,
      modelName: 'tiny-gpt2-quant',
      device: 'cpu',
      threads: 1,
    });
    try {
      const ids = (await engine.generate(params)).tokenIds;
      expect(ids).toEqual(await bareIds('model_quantized.onnx'));
      expect(ids).not.toEqual(await bareIds('model.onnx'));
    } finally {
      await engine.dispose();
    }
  });
});
