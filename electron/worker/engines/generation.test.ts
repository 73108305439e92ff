import { Tensor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { filterTopKTopP, firstStop, lastLogitsOnly, releaseSpentCache } from './generation';

describe('firstStop', () => {
  it('finds the earliest of several stop sequences', () => {
    expect(firstStop('Hello\nUser: hi', ['User:', '\n'])).toBe(5);
    expect(firstStop('no stop here', ['###'])).toBe(-1);
    expect(firstStop('empty stops are ignored', [''])).toBe(-1);
  });
});

describe('filterTopKTopP', () => {
  it('keeps the smallest set of likeliest tokens reaching top_p', () => {
    // Probabilities ≈ 0.64, 0.24, 0.09, 0.03.
    const scores = Float32Array.from([1, 3, 0, 2]);
    filterTopKTopP(scores, 0, 0.8);
    expect([...scores]).toEqual([-Infinity, 3, -Infinity, 2]);
  });

  it('applies top-k first, then top-p over what is left', () => {
    const scores = Float32Array.from([1, 3, 0, 2, 2.5]);
    filterTopKTopP(scores, 3, 1);
    expect([...scores]).toEqual([-Infinity, 3, -Infinity, 2, 2.5]);
    const both = Float32Array.from([0, 0, 0, 0, 5, 5]);
    filterTopKTopP(both, 2, 0.4);
    // The two tied leaders both stay: ties at the cut-off are kept.
    expect([...both]).toEqual([-Infinity, -Infinity, -Infinity, -Infinity, 5, 5]);
  });

  it('always keeps the likeliest token', () => {
    const scores = Float32Array.from([0, 10, 0]);
    filterTopKTopP(scores, 0, 0.01);
    expect([...scores]).toEqual([-Infinity, 10, -Infinity]);
  });
});

describe('lastLogitsOnly', () => {
  const prompt = (positions: number, vocab: number) =>
    new Tensor(
      'float32',
      Float32Array.from({ length: positions * vocab }, (_, i) => i),
      [1, positions, vocab],
    );

  it('hands generate the last position of the prompt pass only, and puts the model back after', async () => {
    const present = new Tensor('float32', new Float32Array(4), [1, 1, 2, 2]);
    const model = {
      forward: async (inputs: unknown) => ({
        logits: prompt(3, 4),
        present: inputs === 'x' ? present : null,
      }),
    };
    const original = model.forward;
    const untrim = lastLogitsOnly({ Tensor }, model);
    const out = (await model.forward('x')) as { logits: Tensor; present: Tensor };
    expect(out.logits.dims).toEqual([1, 1, 4]);
    expect([...(out.logits.data as Float32Array)]).toEqual([8, 9, 10, 11]);
    // The other outputs (the KV cache the next step feeds) pass through untouched.
    expect(out.present).toBe(present);
    untrim();
    expect(model.forward).toBe(original);
    expect(((await model.forward('x')) as { logits: Tensor }).logits.dims).toEqual([1, 3, 4]);
  });

  it('leaves one-position steps and batches of several as they are', async () => {
    const step = prompt(1, 4);
    const batch = new Tensor('float32', new Float32Array(2 * 3 * 4), [2, 3, 4]);
    for (const logits of [step, batch]) {
      const model = { forward: async () => ({ logits }) };
      lastLogitsOnly({ Tensor }, model);
      expect(((await model.forward()) as { logits: Tensor }).logits).toBe(logits);
    }
  });
});

describe('releaseSpentCache', () => {
  const kv = (positions: number) =>
    new Tensor('float32', new Float32Array(positions * 4), [1, 1, positions, 4]);
  /** A decoder step as transformers.js' generate sees it: the cache it was fed in, the one it hands back. */
  const decoder = () => {
    let positions = 3;
    return {
      forward: async (inputs: unknown) => {
        positions++;
        const fed = (inputs as { past_key_values?: Record<string, Tensor> }).past_key_values ?? {};
        return {
          logits: new Tensor('float32', new Float32Array(8), [1, 1, 8]),
          'present.0.key': kv(positions),
          'present.0.value': kv(positions),
          // An encoder's cache comes back once and is fed again at every later step.
          'present.0.encoder.key': fed['past_key_values.0.encoder.key'] ?? kv(5),
        };
      },
    };
  };
  type Step = Record<string, Tensor>;
  const bytes = (tensor: Tensor): number => (tensor.data as Float32Array).byteLength;
  const feed = (out: Step): { past_key_values: Step } => ({
    past_key_values: {
      'past_key_values.0.key': out['present.0.key']!,
      'past_key_values.0.value': out['present.0.value']!,
      'past_key_values.0.encoder.key': out['present.0.encoder.key']!,
    },
  });

  it("frees a step's self-attention cache and the step before's logits once the next step has read them", async () => {
    const model = decoder();
    const original = model.forward;
    const release = releaseSpentCache(model);
    const first = (await model.forward({})) as Step;
    const second = (await model.forward(feed(first))) as Step;
    expect(bytes(first['present.0.key']!)).toBe(0);
    expect(bytes(first['present.0.value']!)).toBe(0);
    expect(bytes(first.logits!)).toBe(0);
    // What the next step feeds, the encoder's cache, and the newest logits keep their data.
    expect(bytes(second['present.0.key']!)).toBe(5 * 4 * 4);
    expect(bytes(second['present.0.encoder.key']!)).toBe(5 * 4 * 4);
    expect(bytes(second.logits!)).toBe(8 * 4);
    release();
    expect(model.forward).toBe(original);
  });

  it('never frees a cache the caller passed in', async () => {
    const model = decoder();
    releaseSpentCache(model);
    const passedIn = feed({
      'present.0.key': kv(3),
      'present.0.value': kv(3),
      'present.0.encoder.key': kv(5),
    });
    await model.forward(passedIn);
    for (const tensor of Object.values(passedIn.past_key_values)) expect(bytes(tensor)).toBeGreaterThan(0);
  });
});
