import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ANONYMOUS_PRIORITY, FLAGGED_PRIORITY, compareQueue, extraPriority } from './priority';
import { assertProperty } from '../../test/harness/seeds';

describe('extraPriority', () => {
  it('is the requester’s kudos', () => {
    expect(extraPriority({ kudos: 1234, anonymous: false, flagged: false })).toBe(1234);
  });

  it('gives a flagged user a thousandth of their kudos', () => {
    expect(extraPriority({ kudos: 250_000, anonymous: false, flagged: true })).toBe(250_000 / 1000);
  });

  it('puts a flagged user with 10 kudos or fewer at −100, below anonymous', () => {
    expect(extraPriority({ kudos: 10, anonymous: false, flagged: true })).toBe(FLAGGED_PRIORITY);
    expect(FLAGGED_PRIORITY).toBeLessThan(ANONYMOUS_PRIORITY);
  });

  it('puts anonymous and downgraded requests at the anonymous floor, below any registered user with kudos', () => {
    expect(extraPriority({ kudos: 0, anonymous: true, flagged: false })).toBe(ANONYMOUS_PRIORITY);
    expect(extraPriority({ kudos: 5000, anonymous: false, flagged: false, downgraded: true })).toBe(
      ANONYMOUS_PRIORITY,
    );
    expect(extraPriority({ kudos: 0, anonymous: false, flagged: false })).toBeGreaterThan(ANONYMOUS_PRIORITY);
  });
});

describe('compareQueue', () => {
  it('pops higher priority first, then the older request', () => {
    const queue = [
      { id: 'young-rich', extraPriority: 500, createdAt: 3000 },
      { id: 'anon', extraPriority: ANONYMOUS_PRIORITY, createdAt: 1000 },
      { id: 'old-rich', extraPriority: 500, createdAt: 2000 },
      { id: 'poor', extraPriority: 10, createdAt: 500 },
    ];
    expect(queue.sort(compareQueue).map((e) => e.id)).toEqual(['old-rich', 'young-rich', 'poor', 'anon']);
  });

  it('is a consistent order: sorted output is non-increasing in priority, and ages ascend within a priority', () => {
    const entry = fc.record({
      extraPriority: fc.integer({ min: -100, max: 1_000_000 }),
      createdAt: fc.nat(1_000_000),
    });
    assertProperty(
      fc.property(fc.array(entry, { maxLength: 40 }), (entries) => {
        const sorted = [...entries].sort(compareQueue);
        for (let i = 1; i < sorted.length; i++) {
          const [a, b] = [sorted[i - 1]!, sorted[i]!];
          expect(a.extraPriority).toBeGreaterThanOrEqual(b.extraPriority);
          if (a.extraPriority === b.extraPriority) expect(a.createdAt).toBeLessThanOrEqual(b.createdAt);
        }
      }),
      { numRuns: 300 },
    );
  });
});
