import { Tensor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { filterTopKTopP, firstStop, lastLogitsOnly } from './generation';

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
