import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, ERROR_BACKOFF, MIN_DELAY_MS, retryAfterMs } from './backoff';
import { assertProperty } from '../../test/harness/seeds';

describe('backoffDelay', () => {
  it('doubles up to the cap, with jitter within the upper half of each step', () => {
    expect(backoffDelay(1, ERROR_BACKOFF, 0)).toBe(1_000);
    expect(backoffDelay(1, ERROR_BACKOFF, 0.999)).toBeLessThanOrEqual(2_000);
    expect(backoffDelay(3, ERROR_BACKOFF, 0)).toBe(4_000);
    expect(backoffDelay(50, ERROR_BACKOFF, 1)).toBe(60_000);
  });

  it('is never below the floor, whatever the settings', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: -5, max: 10_000 }),
        fc.nat(),
        fc.nat(),
        fc.double({ min: 0, max: 1 }),
        (a, b, c, r) => {
          const d = backoffDelay(a, { baseMs: b, capMs: c }, r);
          expect(d).toBeGreaterThanOrEqual(MIN_DELAY_MS);
          expect(Number.isFinite(d)).toBe(true);
        },
      ),
    );
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and dates, bounded by the cap', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(retryAfterMs('20', now, 60_000)).toBe(20_000);
    expect(retryAfterMs('3600', now, 60_000)).toBe(60_000);
    expect(retryAfterMs(new Date(now + 5_000).toUTCString(), now, 60_000)).toBe(5_000);
    expect(retryAfterMs('soon', now, 60_000)).toBeUndefined();
    expect(retryAfterMs(null, now, 60_000)).toBeUndefined();
  });
});
