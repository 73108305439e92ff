import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  pipeline,
  random,
  Tensor,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import { FIXTURE_MODELS_DIR, generateFixtures } from '../fixtures/generate';
import { greedyParams } from '../harness/bare-ort';
import { loadAlchemyEngine, loadTextEngine } from '../../electron/worker/engines/node';
import { decodeImage, encodePng } from '../../electron/worker/engines/images';
import type {
  AlchemyEngine,
  AlchemyImage,
  TextEngine,
  TextGenParams,
} from '../../electron/worker/engines/types';

const greedy: TextGenParams = { ...greedyParams('Hello world, this is a prompt', 24, 200), seed: 7 };
const sampling: TextGenParams = { ...greedy, temperature: 0.9, topK: 40, topP: 0.95, repPen: 1.1, seed: 42 };

function solid(r: number, g: number, b: number, size = 48): AlchemyImage {
  const data = new Uint8Array(size * size * 4);
  for (let i = 0; i < data.length; i += 4) data.set([r, g, b, 255], i);
  return { width: size, height: size, data };
}

/** The same model run straight through transformers.js, without the engine. */
async function directGenerate(
  model: PreTrainedModel,
  ids: number[],
  extra: Record<string, unknown>,
): Promise<number[]> {
  const inputs = new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
  const out = (await model.generate({
    inputs,
    attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
    ...extra,
  })) as Tensor;
  return ((out.tolist() as bigint[][])[0] ?? []).slice(ids.length).map(Number);
}

describe('Node text engine on the generated tiny GPT-2 (cpu)', () => {
  let engine: TextEngine;
  let direct: { model: PreTrainedModel; tokenizer: PreTrainedTokenizer };
  const progress: number[] = [];

  beforeAll(async () => {
    await generateFixtures(FIXTURE_MODELS_DIR, { only: ['tiny-gpt2', 'tiny-caption', 'tiny-nsfw'] });
    engine = await loadTextEngine({
      modelsDir: FIXTURE_MODELS_DIR,
      modelName: 'tiny-gpt2',
      device: 'cpu',
      threads: 1,
      onProgress: (p) => progress.push(p.fraction),
    });
    env.allowRemoteModels = false;
    env.localModelPath = `${FIXTURE_MODELS_DIR}/`;
    direct = {
      model: await AutoModelForCausalLM.from_pretrained('tiny-gpt2', { device: 'cpu', dtype: 'fp32' }),
      tokenizer: await AutoTokenizer.from_pretrained('tiny-gpt2'),
    };
  });

  afterAll(async () => {
    await engine?.dispose();
    await direct?.model.dispose();
  });

  it('reports loading up to completion', () => {
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(engine.backend).toBe('cpu');
    expect(engine.modelName).toBe('tiny-gpt2');
  });

  it('greedy generation is deterministic and equals a direct transformers.js run', async () => {
    const first = await engine.generate(greedy);
    const second = await engine.generate(greedy);
    expect(first.tokenIds).toHaveLength(24);
    expect(first.finishReason).toBe('length');
    expect(second.tokenIds).toEqual(first.tokenIds);
    expect(second.text).toBe(first.text);

    const ids = direct.tokenizer.encode(greedy.prompt);
    expect(await directGenerate(direct.model, ids, { max_new_tokens: 24, do_sample: false })).toEqual(
      first.tokenIds,
    );
    const textPipeline = await pipeline('text-generation', 'tiny-gpt2', { device: 'cpu', dtype: 'fp32' });
    const [piped] = (await textPipeline(greedy.prompt, {
      max_new_tokens: 24,
      do_sample: false,
      return_full_text: false,
    })) as { generated_text: string }[];
    expect(first.text).toBe(piped?.generated_text);
    await textPipeline.dispose();
  });

  it("frees each step's key/value cache once the next step has read it, the last one at the end, and keeps the tokens", async () => {
    const ort = await import('onnxruntime-node');
    const proto = (
      ort.InferenceSession as unknown as { prototype: { run: (...args: unknown[]) => Promise<unknown> } }
    ).prototype;
    const original = proto.run;
    const steps: ArrayBuffer[][] = [];
    // When each step starts: the cache it is fed still holds its data, the one before it none.
    const fedIntact: boolean[] = [];
    const spentFreed: boolean[] = [];
    proto.run = async function (this: unknown, ...args: unknown[]) {
      const fed = steps.at(-1);
      const spent = steps.at(-2);
      if (fed) fedIntact.push(fed.every((b) => b.byteLength > 0));
      if (spent) spentFreed.push(spent.every((b) => b.byteLength === 0));
      const out = (await original.apply(this, args)) as Record<string, { data: Float32Array }>;
      steps.push(
        Object.keys(out)
          .filter((name) => name.startsWith('present'))
          .map((name) => out[name]!.data.buffer as ArrayBuffer),
      );
      return out;
    };
    const freed = await engine.generate(greedy).finally(() => {
      proto.run = original;
    });
    expect(steps).toHaveLength(24);
    expect(fedIntact).toEqual(Array(23).fill(true));
    expect(spentFreed).toEqual(Array(22).fill(true));
    // Once generation has returned, no step's cache holds memory any more.
    for (const buffers of steps) for (const b of buffers) expect(b.byteLength).toBe(0);
    const unfreed = await directGenerate(direct.model, direct.tokenizer.encode(greedy.prompt), {
      max_new_tokens: 24,
      do_sample: false,
    });
    expect(freed.tokenIds).toEqual(unfreed);
  });

  it('sampling is reproducible from the seed, differs with another, and matches a direct seeded run', async () => {
    const a = await engine.generate(sampling);
    const b = await engine.generate(sampling);
    const other = await engine.generate({ ...sampling, seed: 43 });
    expect(b.tokenIds).toEqual(a.tokenIds);
    expect(other.tokenIds).not.toEqual(a.tokenIds);
    expect(a.seed).toBe(42);

    // Without top-p the engine adds nothing of its own: a seeded direct run gives the same ids.
    const plain = { ...sampling, topP: 1 };
    const viaEngine = await engine.generate(plain);
    random.seed(plain.seed);
    const ids = direct.tokenizer.encode(plain.prompt);
    const viaDirect = await directGenerate(direct.model, ids, {
      max_new_tokens: 24,
      do_sample: true,
      temperature: 0.9,
      top_k: 40,
      repetition_penalty: 1.1,
    });
    expect(viaEngine.tokenIds).toEqual(viaDirect);
  });

  it('cuts the text before a stop sequence and stops generating there', async () => {
    const full = await engine.generate(greedy);
    const stop = full.text.slice(10, 13);
    const cut = await engine.generate({ ...greedy, stopSequences: ['never-appears', stop] });
    expect(cut.finishReason).toBe('stop');
    expect(cut.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
    expect(cut.tokenIds.length).toBeLessThan(full.tokenIds.length);
  });

  it('keeps only the newest maxContextLength prompt tokens', async () => {
    const long = `${'one two three four five six seven '.repeat(6)}end`;
    const ids = direct.tokenizer.encode(long);
    const result = await engine.generate({ ...greedy, prompt: long, maxContextLength: 5, maxNewTokens: 8 });
    expect(
      await directGenerate(direct.model, ids.slice(-5), { max_new_tokens: 8, do_sample: false }),
    ).toEqual(result.tokenIds);
  });

  it('loads the same model from a Hugging Face cache layout', async () => {
    const cache = await mkdtemp(path.join(os.tmpdir(), 'hf-cache-'));
    try {
      const repo = path.join(cache, 'models--fixtures--tiny-gpt2');
      await cp(path.join(FIXTURE_MODELS_DIR, 'tiny-gpt2'), path.join(repo, 'snapshots', 'c0ffee'), {
        recursive: true,
      });
      await mkdir(path.join(repo, 'refs'));
      await writeFile(path.join(repo, 'refs', 'main'), 'c0ffee');
      const cached = await loadTextEngine({
        modelsDir: path.join(cache, 'no-local-models'),
        modelName: 'fixtures/tiny-gpt2',
        scan: { hfCacheDir: cache },
      });
      expect(cached.modelName).toBe('fixtures/tiny-gpt2');
      expect((await cached.generate(greedy)).tokenIds).toEqual((await engine.generate(greedy)).tokenIds);
      await cached.dispose();
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('reports each token and stops between tokens when aborted', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const result = await engine.generate(
      { ...greedy, maxNewTokens: 200 },
      {
        signal: controller.signal,
        onToken: (generated, total) => {
          seen.push(generated);
          expect(total).toBe(200);
          if (generated === 5) controller.abort();
        },
      },
    );
    expect(result.finishReason).toBe('aborted');
    expect(result.tokenIds).toHaveLength(5);
    expect(seen).toEqual([1, 2, 3, 4, 5]);

    const already = await engine.generate(greedy, { signal: AbortSignal.abort() });
    expect(already).toMatchObject({ finishReason: 'aborted', tokenIds: [], text: '' });
  });
});

const alchemyModels = ['tiny-caption', 'tiny-nsfw', 'tiny-clip', 'tiny-matte', 'tiny-upscale-x2'];

/** Left half red, right half blue. */
function redBlue(size: number): AlchemyImage {
  const image = solid(30, 30, 220, size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size / 2; x++) image.data.set([220, 30, 30, 255], (y * size + x) * 4);
  return image;
}

const pixel = (image: AlchemyImage, x: number, y: number): number[] => [
  ...image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4),
];

describe('Node alchemy engine on the generated tiny vision models', () => {
  let alchemy: AlchemyEngine;

  beforeAll(async () => {
    await generateFixtures(FIXTURE_MODELS_DIR, { only: alchemyModels });
    alchemy = await loadAlchemyEngine({
      modelsDir: FIXTURE_MODELS_DIR,
      models: alchemyModels,
      device: 'cpu',
    });
  });

  afterAll(async () => {
    await alchemy?.dispose();
  });

  it('serves the forms of the models it loaded', () => {
    expect([...alchemy.forms].sort()).toEqual([
      'caption',
      'interrogation',
      'nsfw',
      'strip_background',
      'upscale',
    ]);
  });

  it('captions an image, the same way each time, and differently for another image', async () => {
    const red = await alchemy.run('caption', solid(220, 30, 30));
    const again = await alchemy.run('caption', solid(220, 30, 30));
    const blue = await alchemy.run('caption', solid(30, 30, 220));
    expect(red.kind).toBe('text');
    if (red.kind !== 'text' || blue.kind !== 'text') return;
    expect(red.values.caption?.length).toBeGreaterThan(0);
    expect(again).toEqual(red);
    expect(blue.values.caption).not.toBe(red.values.caption);
  });

  it('answers the nsfw form as the horde reads it', async () => {
    expect(await alchemy.run('nsfw', solid(230, 60, 40))).toEqual({ kind: 'text', values: { nsfw: 'true' } });
    expect(await alchemy.run('nsfw', solid(40, 60, 230))).toEqual({
      kind: 'text',
      values: { nsfw: 'false' },
    });
  });

  it('refuses a form it has no model for, and an aborted job', async () => {
    const captionOnly = await loadAlchemyEngine({ modelsDir: FIXTURE_MODELS_DIR, models: ['tiny-caption'] });
    await expect(captionOnly.run('upscale', solid(1, 2, 3))).rejects.toThrow(/upscale/);
    await captionOnly.dispose();
    await expect(alchemy.run('nsfw', solid(1, 2, 3), AbortSignal.abort())).rejects.toThrow();
  });

  it('decodes the PNG it encodes, and runs forms on decoded images', async () => {
    const image = solid(230, 60, 40, 5);
    image.data.set([1, 2, 3, 4], 0);
    const decoded = await decodeImage(encodePng(image));
    expect(decoded).toEqual({ width: 5, height: 5, data: image.data });
    expect(await alchemy.run('nsfw', decoded)).toEqual({ kind: 'text', values: { nsfw: 'true' } });
  });

  it('interrogates an image into ranked tags with confidences', async () => {
    const red = await alchemy.run('interrogation', solid(220, 30, 30));
    const blue = await alchemy.run('interrogation', solid(30, 30, 220));
    if (red.kind !== 'text' || blue.kind !== 'text') throw new Error('interrogation gives text');
    const tags = (red.data?.interrogation as { tags: { text: string; confidence: number }[] }).tags;
    expect(tags).toHaveLength(5);
    expect(red.values.interrogation).toBe(tags.map((t) => t.text).join(', '));
    const confidences = tags.map((t) => t.confidence);
    expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
    expect(await alchemy.run('interrogation', solid(220, 30, 30))).toEqual(red);
    expect(blue.values.interrogation).not.toBe(red.values.interrogation);
  });

  it('strips the background: the matte keeps red and clears blue', async () => {
    const result = await alchemy.run('strip_background', redBlue(32));
    if (result.kind !== 'image') throw new Error('strip_background gives an image');
    expect([result.image.width, result.image.height]).toEqual([32, 32]);
    expect(pixel(result.image, 4, 10)[3]).toBeGreaterThan(240);
    expect(pixel(result.image, 28, 10)[3]).toBeLessThan(15);
    expect(pixel(result.image, 4, 10).slice(0, 3)).toEqual([220, 30, 30]);
  });

  it('upscales ×2 keeping the colours in place', async () => {
    const result = await alchemy.run('upscale', redBlue(16));
    if (result.kind !== 'image') throw new Error('upscale gives an image');
    expect([result.image.width, result.image.height]).toEqual([32, 32]);
    expect(pixel(result.image, 2, 30)).toEqual([220, 30, 30, 255]);
    expect(pixel(result.image, 30, 2)).toEqual([30, 30, 220, 255]);
  });
});
