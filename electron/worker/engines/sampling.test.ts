import {
  RepetitionPenaltyLogitsProcessor,
  TemperatureLogitsWarper,
  Tensor,
  softmax,
  topk,
} from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { argmax, divideByTemperature, penalizeRepeats, sampleMultinomial, topKSoftmax } from './sampling';

/** Logits with what makes orderings differ: ties, signed zeros, -Infinity from a filter, far outliers. */
function awkwardScores(n: number, seed: number): Float32Array {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Float32Array.from({ length: n }, () => {
    const r = next();
    if (r < 0.1) return -Infinity;
    if (r < 0.2) return 1.5;
    if (r < 0.25) return r < 0.225 ? 0 : -0;
    if (r < 0.27) return -150;
    return (next() - 0.5) * 20;
  });
}

describe('topKSoftmax', () => {
  it("lists ids and probabilities as transformers.js' topk and softmax give them, to the last bit", async () => {
    for (const [n, k, seed] of [
      [50, 0, 1],
      [50, 5, 2],
      [1000, 0, 3],
      [1000, 40, 4],
      [1000, 1, 5],
      [300, 290, 6],
    ] as const) {
      const scores = awkwardScores(n, seed);
      const [values, indices] = await topk(new Tensor('float32', scores, [1, n]), k > 0 ? k : n);
      const expected = softmax(values.data as Float32Array) as Float32Array;
      const { ids, probabilities } = topKSoftmax(scores, k);
      expect(ids).toEqual(Array.from(indices.data as BigInt64Array, Number).slice(0, ids.length));
      expect([...probabilities]).toEqual([...expected.slice(0, ids.length)]);
      // What is left out weighs nothing.
      expect(expected.slice(ids.length).every((p) => p === 0)).toBe(true);
    }
  });
});

describe('sampleMultinomial', () => {
  it('walks the list with one draw: the likeliest first, the last at the top of the range', () => {
    const scores = Float32Array.from([0, 2, 1, 2]);
    expect(sampleMultinomial(scores, 0, () => 0)).toBe(1);
    // Tied with id 1, id 3 comes second.
    expect(sampleMultinomial(scores, 0, () => 0.5)).toBe(3);
    expect(sampleMultinomial(scores, 0, () => 0.999999)).toBe(0);
    expect(sampleMultinomial(scores, 2, () => 0.999999)).toBe(3);
  });

  it('draws once per call', () => {
    let draws = 0;
    sampleMultinomial(awkwardScores(100, 9), 10, () => (draws++, 0.3));
    expect(draws).toBe(1);
  });
});

describe('penalizeRepeats, divideByTemperature, argmax', () => {
  it("change the scores as transformers.js' processors do", () => {
    const scores = awkwardScores(64, 11);
    const ids = [3, 5, 5, 9, 20, 3, 63];
    const theirs = new Tensor('float32', scores.slice(), [1, 64]);
    new RepetitionPenaltyLogitsProcessor(1.3)._call([ids.map(BigInt)], theirs);
    new TemperatureLogitsWarper(0.7)._call([ids.map(BigInt)], theirs);
    const ours = scores.slice();
    penalizeRepeats(ours, ids, 1.3);
    divideByTemperature(ours, 0.7);
    expect([...ours]).toEqual([...(theirs.data as Float32Array)]);
  });

  it('takes the first of equal maxima', () => {
    expect(argmax(Float32Array.from([1, 3, -Infinity, 3]))).toBe(1);
  });
});
