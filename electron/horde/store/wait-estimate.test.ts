import { describe, expect, it } from 'vitest';
import { estimateTextWait, workerSpeed } from './wait-estimate';

const measured = { tokensGenerated: 1000, secondsWorking: 10, requestsFulfilled: 5, maxLength: 240 };
const fresh = { tokensGenerated: 0, secondsWorking: 0, requestsFulfilled: 0, maxLength: 300 };

describe('the text wait estimate', () => {
  it("uses a worker's measured speed, and before any job the least its offer promises", () => {
    expect(workerSpeed(measured)).toBe(100);
    // 300 tokens offered within the 150 s limit: at least 2 tokens/s (the old rule said 1).
    expect(workerSpeed(fresh)).toBe(2);
    expect(workerSpeed({ ...fresh, maxLength: 16 })).toBe(1);
  });

  it('counts the queue ahead over all serving workers and its own tokens on the fastest', () => {
    // 400 tokens ahead at 100 + 100 tokens/s, then 80 of its own at 100 tokens/s.
    expect(
      estimateTextWait({ tokensAhead: 400, ownTokens: 80, runningSeconds: 0, workers: [measured, measured] }),
    ).toBe(3);
    // Its own job running for 0.5 s of its 0.8 s.
    expect(
      estimateTextWait({ tokensAhead: 0, ownTokens: 80, runningSeconds: 0.5, workers: [measured] }),
    ).toBe(0);
    expect(estimateTextWait({ tokensAhead: 0, ownTokens: 800, runningSeconds: 3, workers: [measured] })).toBe(
      5,
    );
    // No serving worker: a number still (1 token/s), is_possible tells the rest.
    expect(estimateTextWait({ tokensAhead: 10, ownTokens: 20, runningSeconds: 0, workers: [] })).toBe(30);
  });
});
