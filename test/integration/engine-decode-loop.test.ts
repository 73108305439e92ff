/**
 * The text engine's own decode loop (decode-loop.ts) against transformers.js' generate, the path it
 * replaces, on the tiny GPT-2 fixtures: for every parameter combination the horde sends and a set
 * of seeds (and one fresh seed, printed), both must give the same token ids, text, finish reason
 * and progress calls.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@huggingface/transformers';
import { FIXTURE_MODELS_DIR, generateFixtures, generateTinyQuantized } from '../fixtures/generate';
import { greedyParams } from '../harness/bare-ort';
import {
  runTextGeneration,
  type GenerationPath,
  type LoadedTextModel,
} from '../../electron/worker/engines/generation';
import { planDecodeLoop } from '../../electron/worker/engines/decode-loop';
import type { GenerateOptions, TextGenParams, TextGenResult } from '../../electron/worker/engines/types';

const FRESH_SEED = Math.floor(Math.random() * 2 ** 31);
const SEEDS = [0, 1, 7, 42, 1234, 2 ** 31 - 1, FRESH_SEED];
const base: TextGenParams = greedyParams('Hello world, this is a prompt for the horde', 40, 200);

/** The combinations the horde sends: greedy or sampling, with and without each warper. */
const COMBOS: Record<string, Partial<TextGenParams>> = {
  greedy: {},
  'greedy, repetition penalty': { repPen: 1.3 },
  'greedy, penalty below 1': { repPen: 0.8 },
  'sampling, temperature only': { temperature: 0.9 },
  'sampling at temperature 1': { temperature: 1 },
  'sampling, hot': { temperature: 2.5, maxNewTokens: 120 },
  'sampling, top-k': { temperature: 0.8, topK: 5 },
  'sampling, top-p': { temperature: 1.2, topP: 0.9 },
  'sampling, top-k, top-p and penalty': { temperature: 0.7, topK: 40, topP: 0.95, repPen: 1.1 },
  'sampling, top-k 1': { temperature: 0.7, topK: 1, repPen: 1.2 },
  'short context': { temperature: 0.9, maxContextLength: 3 },
  'empty prompt': { prompt: '', temperature: 0.9, topP: 0.8 },
};

interface Run {
  result: Omit<TextGenResult, 'millis'>;
  progress: Array<[number, number]>;
}

async function run(
  loaded: LoadedTextModel,
  params: TextGenParams,
  via: GenerationPath,
  options: GenerateOptions = {},
): Promise<Run> {
  const progress: Array<[number, number]> = [];
  const { millis: _millis, ...result } = await runTextGeneration(
    tf,
    loaded,
    params,
    {
      ...options,
      onToken: (generated, total) => {
        progress.push([generated, total]);
        options.onToken?.(generated, total);
      },
    },
    via,
  );
  return { result, progress };
}

/** Both paths on the same parameters; fails with the combination named when they differ. */
async function expectSame(loaded: LoadedTextModel, params: TextGenParams, label: string): Promise<Run> {
  const old = await run(loaded, params, 'generate');
  const loop = await run(loaded, params, 'auto');
  expect(loop, `${label}, seed ${params.seed}`).toEqual(old);
  return loop;
}

async function load(dir: string, name: string, dtype: 'fp32' | 'q8'): Promise<LoadedTextModel> {
  tf.env.allowRemoteModels = false;
  tf.env.localModelPath = `${dir}/`;
  return {
    model: await tf.AutoModelForCausalLM.from_pretrained(name, { device: 'cpu', dtype }),
    tokenizer: await tf.AutoTokenizer.from_pretrained(name),
  };
}

describe.each(['fp32', 'q8'] as const)('the decode loop against generate (tiny GPT-2, %s)', (dtype) => {
  let loaded: LoadedTextModel;
  let root: string | undefined;

  beforeAll(async () => {
    if (dtype === 'fp32') {
      await generateFixtures(FIXTURE_MODELS_DIR, { only: ['tiny-gpt2'] });
      loaded = await load(FIXTURE_MODELS_DIR, 'tiny-gpt2', 'fp32');
    } else {
      root = await mkdtemp(path.join(os.tmpdir(), 'decode-loop-'));
      const dir = await generateTinyQuantized(root);
      loaded = await load(root, path.basename(dir), 'q8');
    }
    console.log(`decode loop equivalence: fresh seed ${FRESH_SEED}`);
  });

  afterAll(async () => {
    await loaded?.model.dispose();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('runs its own loop for this model, not generate', async () => {
    const plan = planDecodeLoop(
      tf,
      loaded.model,
      { max_new_tokens: 4, do_sample: true, temperature: 0.7, top_k: 0, repetition_penalty: 1.1 },
      new tf.LogitsProcessorList(),
      5,
    );
    expect(plan).toHaveProperty('loop');
    const generate = vi.spyOn(tf.PreTrainedModel.prototype, 'generate');
    try {
      await run(loaded, { ...base, temperature: 0.9 }, 'auto');
      expect(generate).not.toHaveBeenCalled();
      await run(loaded, { ...base, temperature: 0.9 }, 'generate');
      expect(generate).toHaveBeenCalledTimes(1);
    } finally {
      generate.mockRestore();
    }
  });

  it.each(Object.entries(COMBOS))(
    '%s: same ids, text and finish reason for every seed',
    async (label, combo) => {
      for (const seed of SEEDS) await expectSame(loaded, { ...base, ...combo, seed }, label);
    },
  );

  it('stops at a stop sequence where generate does, greedy and sampling', async () => {
    let stops = 0;
    for (const seed of SEEDS) {
      for (const combo of [{}, { temperature: 0.9, topP: 0.95 }]) {
        const params = { ...base, ...combo, seed };
        const { text } = (await run(loaded, params, 'generate')).result;
        // A piece from the middle of the unstopped text, and one that never occurs.
        const at = Math.floor(text.length / 2);
        const stopSequences = [text.slice(at, at + 3), 'never-in-the-output'];
        const stopped = await expectSame(loaded, { ...params, stopSequences }, `stop ${seed}`);
        if (stopped.result.finishReason === 'stop') stops++;
        expect(stopped.result.text.includes(stopSequences[0]!)).toBe(false);
      }
    }
    expect(stops).toBeGreaterThan(0);
  });

  it('ends at the eos where generate does', async () => {
    const config = loaded.model.config as unknown as { eos_token_id?: number };
    const generation = (
      loaded.model as unknown as { configs: { generation_config?: { eos_token_id?: number } } }
    ).configs.generation_config;
    const eos = { config: config.eos_token_id, generation: generation?.eos_token_id };
    // The fixture's eos almost never comes; a token the model does pick stands in for it.
    const { tokenIds } = (await run(loaded, base, 'generate')).result;
    const stand = tokenIds[6] as number;
    config.eos_token_id = stand;
    if (generation) generation.eos_token_id = stand;
    try {
      let ended = 0;
      for (const seed of SEEDS) {
        for (const combo of [{}, { temperature: 0.9 }, { temperature: 0.6, topK: 10, repPen: 1.05 }]) {
          const r = await expectSame(loaded, { ...base, ...combo, seed }, `eos ${seed}`);
          if (r.result.finishReason === 'eos') ended++;
        }
      }
      expect(ended).toBeGreaterThan(0);
    } finally {
      config.eos_token_id = eos.config;
      if (generation) generation.eos_token_id = eos.generation;
    }
  });

  it('keeps new tokens within the positions the model embeds', async () => {
    // The fixture embeds 256 positions: a 250-token prompt leaves room for 6 new tokens.
    const prompt = Array.from({ length: 400 }, (_, i) => `w${i % 37}`).join(' ');
    const r = await expectSame(
      loaded,
      { ...base, prompt, maxContextLength: 250, maxNewTokens: 100 },
      'positions',
    );
    expect(r.result.tokenIds).toHaveLength(6);
  });

  it('stops where generate stops when aborted part-way', async () => {
    for (const via of ['generate', 'auto'] as const) {
      const controller = new AbortController();
      const r = await run(loaded, { ...base, temperature: 0.9, seed: 3 }, via, {
        signal: controller.signal,
        onToken: (generated) => {
          if (generated === 5) controller.abort();
        },
      });
      expect(r.result.finishReason).toBe('aborted');
      expect(r.result.tokenIds).toHaveLength(5);
    }
  });

  it('gives the same tokens when paced, reading the pace once a token', async () => {
    const paced = async (via: GenerationPath) => {
      let reads = 0;
      const r = await run(loaded, { ...base, maxNewTokens: 6, temperature: 0.9, seed: 11 }, via, {
        speed: () => {
          reads++;
          return 0.5;
        },
      });
      return { ...r, reads };
    };
    const old = await paced('generate');
    expect(await paced('auto')).toEqual(old);
    expect(old.reads).toBe(6);
  });

  it('falls back to generate when a forward hook is on the model, with the same tokens', async () => {
    const params = { ...base, temperature: 0.8, topK: 20, seed: 5 };
    const expected = await run(loaded, params, 'auto');
    const target = loaded.model as unknown as { forward: (inputs: unknown) => Promise<unknown> };
    const forward = target.forward.bind(loaded.model);
    let steps = 0;
    target.forward = (inputs) => {
      steps++;
      return forward(inputs);
    };
    try {
      expect(
        planDecodeLoop(
          tf,
          loaded.model,
          { max_new_tokens: 4, do_sample: false, temperature: 1, top_k: 0, repetition_penalty: 1 },
          new tf.LogitsProcessorList(),
          5,
        ),
      ).toEqual({ fallback: 'forward is wrapped' });
      expect(await run(loaded, params, 'auto')).toEqual(expected);
      expect(steps).toBe(expected.result.tokenIds.length);
    } finally {
      delete (target as { forward?: unknown }).forward;
    }
  });
});
