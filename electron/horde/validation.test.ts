import { describe, expect, it } from 'vitest';
import { HordeError } from '../../shared/api/horde-error';
import { oneDecimal } from './store/workers';
import { findNulByte, validateTextParams } from './validation';

const base = { n: 1, max_length: 80, max_context_length: 2048 };
const rcOf = (f: () => void): string => {
  try {
    f();
  } catch (err) {
    return err instanceof HordeError ? err.rc : String(err);
  }
  return 'accepted';
};

describe('validateTextParams', () => {
  it('checks in the AI Horde order: token budget first, then sampler order, then stop sequences', () => {
    expect(
      rcOf(() =>
        validateTextParams({ ...base, max_length: 4096, max_context_length: 80, sampler_order: [1] }),
      ),
    ).toBe('TokenOverflow');
    expect(rcOf(() => validateTextParams({ ...base, sampler_order: [0, 1, 2, 3, 4, 5] }))).toBe(
      'MissingFullSamplerOrder',
    );
    expect(rcOf(() => validateTextParams({ ...base, stop_sequence: ['x'.repeat(2001)] }))).toBe(
      'ExcessiveStopSequence',
    );
    expect(rcOf(() => validateTextParams({ ...base, stop_sequence: ['x'.repeat(2000)] }))).toBe('accepted');
  });
});

describe('findNulByte', () => {
  it('names where the first NUL is, in values and in keys', () => {
    expect(findNulByte({ a: [1, 'ok', { b: 'x\u0000' }] })).toBe('a[2].b');
    expect(findNulByte({ 'k\u0000': 1 })).toBe('k\u0000');
    expect(findNulByte('\u0000')).toBe('(body)');
    expect(findNulByte({ a: ['fine'], n: null })).toBeUndefined();
  });
});

describe('oneDecimal', () => {
  it("prints as Python's str(round(x, 1)): one decimal always, exact ties to even", () => {
    expect(oneDecimal(12)).toBe('12.0');
    expect(oneDecimal(0.25)).toBe('0.2');
    expect(oneDecimal(0.75)).toBe('0.8');
    expect(oneDecimal(2.675)).toBe('2.7');
    expect(oneDecimal(62.5)).toBe('62.5');
  });
});
