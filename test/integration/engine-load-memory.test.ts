import fs from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AutoModelForCausalLM, env } from '@huggingface/transformers';
import { FIXTURE_MODELS_DIR, generateFixtures } from '../fixtures/generate';
import { loadTextEngine } from '../../electron/worker/engines/node';
import { greedyParams } from '../harness/bare-ort';

/**
 * transformers.js 4.3 opens a read stream on every local file it looks at and queues what it
 * reads, needed or not; for a model's graph file in Node nothing needs it (ONNX Runtime gets the
 * path), so a 4 GB model went through memory twice just after its load. These tests watch every
 * read stream opened on a graph file and count the bytes it reads.
 */
describe('loading a text model', () => {
  const streamed: Array<{ file: string; bytes: number; done: Promise<void> }> = [];
  const real = fs.createReadStream;

  beforeAll(async () => {
    await generateFixtures(FIXTURE_MODELS_DIR, { only: ['tiny-gpt2'] });
  });

  /** Counts what each stream opened on a `.onnx` file reads, through whatever createReadStream is underneath. */
  function watchGraphStreams(): void {
    fs.createReadStream = ((file: fs.PathLike, options?: unknown) => {
      const stream = (real as (f: fs.PathLike, o?: unknown) => fs.ReadStream)(file, options);
      if (String(file).endsWith('.onnx')) {
        const entry = { file: String(file), bytes: 0, done: Promise.resolve() };
        entry.done = new Promise((resolve) => stream.once('close', () => resolve()));
        stream.on('data', (chunk) => (entry.bytes += chunk.length));
        streamed.push(entry);
      }
      return stream;
    }) as typeof fs.createReadStream;
  }

  /** Waits (at most 10 s) for every watched stream to end, and sums what they read. */
  async function bytesStreamed(): Promise<number> {
    const limit = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
    await Promise.race([Promise.all(streamed.map((s) => s.done)), limit]);
    return streamed.reduce((sum, s) => sum + s.bytes, 0);
  }

  afterEach(() => {
    fs.createReadStream = real;
    streamed.length = 0;
  });

  it('straight through transformers.js streams its graph file into memory (what the engine avoids)', async () => {
    watchGraphStreams();
    env.allowRemoteModels = false;
    env.localModelPath = `${FIXTURE_MODELS_DIR}/`;
    const model = await AutoModelForCausalLM.from_pretrained('tiny-gpt2', { device: 'cpu', dtype: 'fp32' });
    const size = (await stat(path.join(FIXTURE_MODELS_DIR, 'tiny-gpt2', 'onnx', 'model.onnx'))).size;
    expect(await bytesStreamed()).toBeGreaterThanOrEqual(size);
    await model.dispose();
  });

  it('through the engine reads none of its graph file in JavaScript, and the model still generates', async () => {
    watchGraphStreams();
    const engine = await loadTextEngine({
      modelsDir: FIXTURE_MODELS_DIR,
      modelName: 'tiny-gpt2',
      device: 'cpu',
    });
    try {
      expect(streamed.map((s) => path.basename(s.file))).toEqual([]);
      expect(await bytesStreamed()).toBe(0);
      const r = await engine.generate(greedyParams('Hello world', 8, 64));
      expect(r.tokenIds).toHaveLength(8);
      // The patch is gone after the load: a graph file opened now streams as it always did.
      const later = fs.createReadStream(path.join(FIXTURE_MODELS_DIR, 'tiny-gpt2', 'onnx', 'model.onnx'));
      later.resume();
      expect(await bytesStreamed()).toBeGreaterThan(0);
    } finally {
      await engine.dispose();
    }
  });
});
