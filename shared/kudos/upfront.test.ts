import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FREE_TOKENS_MAX,
  FREE_TOKENS_MIN,
  admitTextRequest,
  canDowngrade,
  downgradeParams,
  freeMaxLength,
  requiresUpfrontKudos,
  upfrontKudosRequired,
  upfrontVerdict,
} from './upfront';
import { assertProperty } from '../../test/harness/seeds';

const M13 = 'Gryphe/MythoMax-L2-13b';
const M70 = 'meta-llama/Llama-2-70b-chat-hf';

describe('the free threshold', () => {
  it('is 512 + 5 per worker thread − 0.9 per queued request, within 256..512', () => {
    expect(freeMaxLength(100, 10)).toBe(512 + 10 * 5 - 90);
    expect(freeMaxLength(0, 50)).toBe(FREE_TOKENS_MAX);
    expect(freeMaxLength(10_000, 1)).toBe(FREE_TOKENS_MIN);
  });

  it('never leaves 256..512', () => {
    assertProperty(
      fc.property(fc.nat(100_000), fc.nat(10_000), (queue, threads) => {
        const free = freeMaxLength(queue, threads);
        expect(free).toBeGreaterThanOrEqual(FREE_TOKENS_MIN);
        expect(free).toBeLessThanOrEqual(FREE_TOKENS_MAX);
      }),
      { numRuns: 300 },
    );
  });
});

describe('requiresUpfrontKudos', () => {
  const quiet = { queuedJobs: 0, activeWorkerThreads: 4 };

  it('lets a request within the threshold through free', () => {
    expect(requiresUpfrontKudos({ maxLength: 512, maxContextLength: 4096, ...quiet })).toBe(false);
  });

  it('asks for kudos above the threshold', () => {
    expect(requiresUpfrontKudos({ maxLength: 513, maxContextLength: 4096, ...quiet })).toBe(true);
  });

  it('lowers the threshold as the queue grows', () => {
    const busy = { queuedJobs: 200, activeWorkerThreads: 4 };
    const free = freeMaxLength(busy.queuedJobs, busy.activeWorkerThreads);
    expect(free).toBeLessThan(512);
    expect(requiresUpfrontKudos({ maxLength: free, ...busy })).toBe(false);
    expect(requiresUpfrontKudos({ maxLength: free + 1, ...busy })).toBe(true);
  });

  it('always asks when the request refuses slow workers', () => {
    expect(requiresUpfrontKudos({ maxLength: 16, slowWorkers: false, ...quiet })).toBe(true);
  });

  it('downgrades a request refusing slow workers by opening it to them, cut to the unclamped threshold', () => {
    const busy = { queuedJobs: 0, activeWorkerThreads: 40, slowWorkers: false };
    const verdict = upfrontVerdict({ maxLength: 1024, ...busy });
    expect(verdict.freeMaxLength).toBe(512 + 40 * 5);
    expect(downgradeParams({ max_length: 1024, slow_workers: false }, verdict)).toEqual({
      max_length: 512 + 40 * 5,
      slow_workers: true,
    });
  });

  it('asks, without a way out, when the horde requires it for worker lists', () => {
    const verdict = upfrontVerdict({ maxLength: 16, targetsWorkersWithUpfrontRule: true, ...quiet });
    expect(verdict).toMatchObject({ required: true, downgradeBlocked: true });
    expect(
      canDowngrade({ maxLength: 16, targetsWorkersWithUpfrontRule: true, allowDowngrade: true, ...quiet }),
    ).toBe(false);
  });
});

describe('upfrontKudosRequired', () => {
  it('is max_length × biggest model size / 21 per job, rounded per job as the server does', () => {
    const perJob = Math.round(((1024 * 13) / 21) * 100) / 100;
    expect(upfrontKudosRequired({ models: [M13], maxLength: 1024, n: 2 })).toBeCloseTo(perJob * 2, 9);
  });

  it('uses the biggest model listed, so a small one beside it does not lower it', () => {
    expect(upfrontKudosRequired({ models: [M13, M70], maxLength: 1024 })).toBeCloseTo((1024 * 70) / 21, 2);
  });

  it('is 20 per job with no model named and counts an unknown model as size 1', () => {
    expect(upfrontKudosRequired({ models: [], maxLength: 1024, n: 3 })).toBe(20 * 3);
    expect(upfrontKudosRequired({ models: ['tiny-gpt2'], maxLength: 1024 })).toBeCloseTo(1024 / 21, 2);
  });
});

describe('downgrade and admission', () => {
  const input = {
    maxLength: 1024,
    maxContextLength: 4096,
    queuedJobs: 0,
    activeWorkerThreads: 0,
    models: [M13],
  };

  it('can downgrade only when the request allows it', () => {
    expect(canDowngrade({ ...input, allowDowngrade: true })).toBe(true);
    expect(canDowngrade({ ...input, allowDowngrade: false })).toBe(false);
  });

  it('cuts max_length to the free threshold and opens the request to slow workers', () => {
    const verdict = upfrontVerdict(input);
    const params = downgradeParams(
      { max_length: 1024, max_context_length: 4096, slow_workers: false },
      verdict,
    );
    expect(params).toEqual({
      max_length: verdict.freeMaxLength,
      max_context_length: 4096,
      slow_workers: true,
    });
    expect(requiresUpfrontKudos({ ...input, maxLength: params.max_length })).toBe(false);
  });

  it('holds the kudos when the requester has them', () => {
    const need = upfrontKudosRequired({ models: [M13], maxLength: 1024 });
    expect(admitTextRequest({ ...input, allowDowngrade: false, availableKudos: need })).toEqual({
      outcome: 'hold',
      kudos: need,
    });
  });

  it('refuses with KudosUpfront and says how much is needed', () => {
    const need = upfrontKudosRequired({ models: [M13], maxLength: 1024 });
    const verdict = admitTextRequest({ ...input, allowDowngrade: false, availableKudos: need - 0.01 });
    expect(verdict).toMatchObject({ outcome: 'refuse', rc: 'KudosUpfront', kudos: need });
    if (verdict.outcome === 'refuse') expect(verdict.message).toContain(String(need));
  });

  it('downgrades instead of refusing when allowed', () => {
    expect(admitTextRequest({ ...input, allowDowngrade: true, availableKudos: 0 })).toEqual({
      outcome: 'downgrade',
      maxLength: freeMaxLength(0, 0),
    });
  });

  it('lets small requests through free whatever the balance', () => {
    expect(
      admitTextRequest({ ...input, maxLength: 128, allowDowngrade: false, availableKudos: -500 }),
    ).toEqual({ outcome: 'free' });
  });
});
