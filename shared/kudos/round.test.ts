import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pyRound } from './round';
import { assertProperty } from '../../test/harness/seeds';

describe('pyRound matches Python round()', () => {
  it('rounds the exact binary value, so 1.005 (really 1.00499…) goes down', () => {
    expect(pyRound(1.005, 2)).toBe(1);
    expect(pyRound(2.675, 2)).toBe(2.67);
  });

  it('sends exact ties to the even neighbour', () => {
    expect(pyRound(0.125, 2)).toBe(0.12);
    expect(pyRound(0.375, 2)).toBe(0.38);
    expect(pyRound(2.5)).toBe(2);
    expect(pyRound(3.5)).toBe(4);
    expect(pyRound(-2.5)).toBe(-2);
  });

  it('never returns negative zero', () => {
    expect(Object.is(pyRound(-0.001, 2), 0)).toBe(true);
  });

  it('is within half a unit of the input and has at most two decimals', () => {
    assertProperty(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (x) => {
        const r = pyRound(x, 2);
        expect(Math.abs(r - x)).toBeLessThanOrEqual(0.005 + 1e-9);
        // r * 100 carries float error at large magnitudes, so check the printed form instead.
        expect(String(r)).toMatch(/^-?\d+(\.\d{1,2})?$/);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses non-finite input', () => {
    expect(() => pyRound(Number.NaN)).toThrow(RangeError);
  });
});
