import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveTextLimits, HORDE_TEXT_TIME_LIMIT_SECONDS, measureTextEngine } from './capability';
import { FakeClock, FakeTextEngine } from './fakes';
import { assertProperty } from '../../test/harness/seeds';

describe('deriveTextLimits', () => {
  it('advertises what a mid-range CPU finishes in half the 150 s limit', () => {
    const limits = deriveTextLimits({ decodeTokensPerSecond: 10, promptTokensPerSecond: 200 });
    // 75 s budget: 375 new tokens take 37.5 s, the other 37.5 s read 7500 prompt tokens.
    expect(limits).toMatchObject({ maxLength: 375, maxContextLength: 7875, fitsTimeLimit: true });
    expect(limits.plannedSeconds).toBeCloseTo(75, 1);
  });

  it("clamps to the horde's ranges and the model's own window", () => {
    expect(deriveTextLimits({ decodeTokensPerSecond: 1000, promptTokensPerSecond: 1e6 })).toMatchObject({
      maxLength: 4096,
    });
    const small = deriveTextLimits(
      { decodeTokensPerSecond: 1000, promptTokensPerSecond: 1e6 },
      { modelContextLimit: 1024 },
    );
    expect(small).toMatchObject({ maxLength: 1008, maxContextLength: 1024 });
  });

  it('says so when even the smallest job would not finish in time', () => {
    const slow = deriveTextLimits({ decodeTokensPerSecond: 0.1, promptTokensPerSecond: 1 });
    expect(slow).toMatchObject({ maxLength: 16, fitsTimeLimit: false });
    expect(deriveTextLimits({ decodeTokensPerSecond: 0, promptTokensPerSecond: 0 }).fitsTimeLimit).toBe(
      false,
    );
  });

  it('never plans a job past the time limit when it says it fits', () => {
    assertProperty(
      fc.property(
        fc.double({ min: 0.01, max: 5000, noNaN: true }),
        fc.double({ min: 0.01, max: 1e5, noNaN: true }),
        fc.option(fc.integer({ min: 32, max: 1 << 20 }), { nil: undefined }),
        (decode, prompt, modelContextLimit) => {
          const l = deriveTextLimits(
            { decodeTokensPerSecond: decode, promptTokensPerSecond: prompt },
            modelContextLimit === undefined ? {} : { modelContextLimit },
          );
          expect(l.maxLength).toBeGreaterThanOrEqual(16);
          expect(l.maxLength).toBeLessThanOrEqual(4096);
          expect(l.maxContextLength).toBeGreaterThanOrEqual(80);
          if (l.fitsTimeLimit) expect(l.plannedSeconds).toBeLessThanOrEqual(HORDE_TEXT_TIME_LIMIT_SECONDS);
        },
      ),
    );
  });
});

describe('measureTextEngine', () => {
  it('times the first token apart from the following ones', async () => {
    const clock = new FakeClock();
    const engine = new FakeTextEngine(clock, 50); // 20 tokens/s, first token after 50 ms too
    const measuring = measureTextEngine(engine, { now: clock.now, newTokens: 21 });
    let result: Awaited<typeof measuring> | undefined;
    void measuring.then((m) => (result = m));
    await clock.runUntil(() => result !== undefined);
    expect(result!.decodeTokensPerSecond).toBeCloseTo(20, 5);
    expect(result!.promptTokensPerSecond).toBeGreaterThan(0);
    // A short warm-up run first, then the timed one.
    expect(engine.calls.map((c) => c.maxNewTokens)).toEqual([2, 21]);
    expect(engine.calls[1]).toMatchObject({ temperature: 0 });
  });
});
