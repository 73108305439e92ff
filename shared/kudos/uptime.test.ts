import { describe, expect, it } from 'vitest';
import {
  INITIAL_UPTIME_STATE,
  STALE_AFTER_S,
  UPTIME_INTERVAL_S,
  accrueUptime,
  uptimeReward,
  type UptimeState,
} from './uptime';

const M13 = 'Gryphe/MythoMax-L2-13b';
const GPT2 = 'gpt2';

describe('uptimeReward', () => {
  it('is (25 + 15 per 1k context) × size / 7B for a known model', () => {
    expect(uptimeReward({ maxContextLength: 4096, model: M13 })).toBeCloseTo(
      (25 + (15 * 4096) / 1024) * (13 / 7),
      2,
    );
  });

  it('gives small models at least a quarter', () => {
    expect(uptimeReward({ maxContextLength: 1024, model: GPT2 })).toBeCloseTo((25 + 15) * 0.25, 2);
  });

  it('credits no more context than the model holds (its config), whatever the worker claims', () => {
    // GPT-2's config says n_positions 1024: a claim of 2048 or a million is paid as 1024.
    expect(uptimeReward({ maxContextLength: 2048, model: GPT2 })).toBe(
      uptimeReward({ maxContextLength: 1024, model: GPT2 }),
    );
    expect(uptimeReward({ maxContextLength: 1_000_000, model: M13 })).toBe(
      uptimeReward({ maxContextLength: 4096, model: M13 }),
    );
    // An honest claim within the model's context is paid as before.
    expect(uptimeReward({ maxContextLength: 2048, model: M13 })).toBeCloseTo((25 + 15 * 2) * (13 / 7), 2);
  });

  it('gives half the base for an unknown model or none advertised', () => {
    expect(uptimeReward({ maxContextLength: 1024, model: 'tiny-gpt2' })).toBeCloseTo((25 + 15) / 2, 2);
    expect(uptimeReward({ maxContextLength: 1024 })).toBeCloseTo((25 + 15) / 2, 2);
  });

  it('credits an unknown model at most 4096 tokens of context, and cuts unvalidated backends to 30 %', () => {
    expect(uptimeReward({ maxContextLength: 1_000_000, model: 'tiny-gpt2' })).toBeCloseTo(
      (25 + (15 * 4096) / 1024) / 2,
      2,
    );
    expect(uptimeReward({ maxContextLength: 512, model: 'tiny-gpt2' })).toBeCloseTo((25 + 15 / 2) / 2, 2);
    expect(uptimeReward({ maxContextLength: 1024, model: M13, validatedBackend: false })).toBeCloseTo(
      40 * 0.3 * (13 / 7),
      2,
    );
  });
});

/** Checks in every `everyS` seconds for `forS` seconds; returns the rewards earned. */
function run(
  state: UptimeState,
  startMs: number,
  everyS: number,
  forS: number,
): { state: UptimeState; rewards: number; endMs: number } {
  let rewards = 0;
  let at = startMs;
  const steps = Math.floor(forS / everyS);
  for (let i = 0; i < steps; i++) {
    at += everyS * 1000;
    const r = accrueUptime(state, at);
    state = r.state;
    rewards += r.intervals;
  }
  return { state, rewards, endMs: at };
}

describe('accrueUptime', () => {
  it('earns nothing on the first check-in', () => {
    expect(accrueUptime(INITIAL_UPTIME_STATE, 0).intervals).toBe(0);
  });

  it('earns one reward once more than 600 s of check-ins have gathered', () => {
    const first = accrueUptime(INITIAL_UPTIME_STATE, 0).state;
    const at600 = run(first, 0, 60, UPTIME_INTERVAL_S);
    expect(at600.rewards).toBe(0);
    const after = accrueUptime(at600.state, at600.endMs + 60_000);
    expect(after.intervals).toBe(1);
  });

  it('over an hour of 60 s check-ins pays what the server pays (one per 660 s)', () => {
    const first = accrueUptime(INITIAL_UPTIME_STATE, 0).state;
    const hour = run(first, 0, 60, 3600);
    expect(hour.rewards).toBe(Math.floor(3600 / (UPTIME_INTERVAL_S + 60)));
  });

  it('restarts the count for a worker back from stale', () => {
    const first = accrueUptime(INITIAL_UPTIME_STATE, 0).state;
    const almost = run(first, 0, 60, 540);
    const back = accrueUptime(almost.state, almost.endMs + (STALE_AFTER_S + 1) * 1000);
    expect(back.intervals).toBe(0);
    // Without the gap, 120 s more would have paid; after it, a full interval is needed again.
    const resumed = run(back.state, almost.endMs + (STALE_AFTER_S + 1) * 1000, 60, 120);
    expect(resumed.rewards).toBe(0);
    const full = run(resumed.state, resumed.endMs, 60, UPTIME_INTERVAL_S);
    expect(full.rewards).toBe(1);
  });

  it('does not count paused time', () => {
    const first = accrueUptime(INITIAL_UPTIME_STATE, 0).state;
    let state = first;
    for (let i = 1; i <= 20; i++)
      state = accrueUptime(state, i * 60_000, STALE_AFTER_S, { paused: true }).state;
    expect(state.uptimeS).toBe(0);
  });

  it('ignores a clock that steps backwards', () => {
    const first = accrueUptime(INITIAL_UPTIME_STATE, 100_000).state;
    expect(accrueUptime(first, 50_000).state.uptimeS).toBe(0);
  });
});
