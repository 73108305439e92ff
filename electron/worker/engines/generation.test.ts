import { describe, expect, it } from 'vitest';
import { filterTopKTopP, firstStop } from './generation';

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
