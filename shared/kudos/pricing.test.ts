import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  alchemyFormCost,
  alchemyFormKudos,
  contextMultiplier,
  dryRunPrice,
  imageTiles,
  quickTokenCount,
  requestKudos,
  textGenerationKudos,
  textJobKudos,
} from './pricing';
import { assertProperty } from '../../test/harness/seeds';

const M13 = 'Gryphe/MythoMax-L2-13b';
const M70 = 'meta-llama/Llama-2-70b-chat-hf';
const M7 = 'meta-llama/Llama-2-7b-chat-hf';
// The server's formula, written out independently of the code under test.
const ctxOf = (ctx: number) => Math.min(30, Math.max(0.1, 1.2 + 2.2 ** Math.log2(ctx / 1024)));
const bonusOf = (b: number) => (Math.max(b, 13) / 13) ** 0.2;

describe('contextMultiplier', () => {
  it('is 1.2 + 1 at the 1024-token base, then 1.2 + 2.2^doublings', () => {
    expect(contextMultiplier(1024)).toBeCloseTo(1.2 + 1, 12);
    expect(contextMultiplier(2048)).toBeCloseTo(1.2 + 2.2, 12);
    expect(contextMultiplier(4096)).toBeCloseTo(1.2 + 2.2 ** 2, 12);
  });

  it('stays above 1.2 for tiny contexts (the 0.1 floor is never reached) and stops at 30', () => {
    expect(contextMultiplier(1)).toBeGreaterThan(1.2);
    expect(contextMultiplier(1)).toBeLessThan(1.21);
    expect(contextMultiplier(32_768)).toBe(30);
    expect(contextMultiplier(1_048_576)).toBe(30);
  });

  it('is monotonic and always within the clamp', () => {
    assertProperty(
      fc.property(fc.integer({ min: 1, max: 2_000_000 }), fc.integer({ min: 1, max: 2_000_000 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(contextMultiplier(lo)).toBeLessThanOrEqual(contextMultiplier(hi));
        expect(contextMultiplier(hi)).toBeLessThanOrEqual(30);
        expect(contextMultiplier(lo)).toBeGreaterThanOrEqual(0.1);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a non-positive context', () => {
    expect(() => contextMultiplier(0)).toThrow(RangeError);
  });
});

describe('textJobKudos', () => {
  it('prices a 512-token request on a 13B model at 4096 context', () => {
    expect(textJobKudos({ model: M13, maxLength: 512, maxContextLength: 4096 })).toBeCloseTo(
      (512 * 1 * 13 * ctxOf(4096)) / 100,
      2,
    );
  });

  it('adds the size bonus above 13B', () => {
    const expected = (512 * bonusOf(70) * 70 * ctxOf(4096)) / 100;
    expect(textJobKudos({ model: M70, maxLength: 512, maxContextLength: 4096 })).toBeCloseTo(expected, 2);
  });

  it('gives no bonus below 13B', () => {
    expect(textJobKudos({ model: M7, maxLength: 200, maxContextLength: 2048 })).toBeCloseTo(
      (200 * 7 * ctxOf(2048)) / 100,
      2,
    );
  });

  it('prices an unknown model as max_length × 0.027 × ctx', () => {
    expect(textJobKudos({ model: 'tiny-gpt2', maxLength: 512, maxContextLength: 4096 })).toBeCloseTo(
      512 * 0.027 * ctxOf(4096),
      2,
    );
  });

  it('prices a request for any model as a 13B one', () => {
    expect(textJobKudos({ maxLength: 80, maxContextLength: 1024 })).toBeCloseTo(
      (80 * 13 * ctxOf(1024)) / 100,
      2,
    );
  });

  it('hits the context ceiling for huge contexts', () => {
    expect(textJobKudos({ model: M13, maxLength: 100, maxContextLength: 131_072 })).toBeCloseTo(
      (100 * 13 * 30) / 100,
      2,
    );
  });

  it('returns at most two decimals', () => {
    assertProperty(
      fc.property(fc.integer({ min: 16, max: 4096 }), fc.integer({ min: 80, max: 1_048_576 }), (len, ctx) => {
        const k = textJobKudos({ model: M13, maxLength: len, maxContextLength: ctx });
        expect(Math.abs(k * 100 - Math.round(k * 100))).toBeLessThan(1e-6);
      }),
      { numRuns: 200 },
    );
  });
});

describe('dryRunPrice and requestKudos', () => {
  const params = { max_length: 512, max_context_length: 4096 };

  it('is (job kudos + 1 burn) × n + 1 tax, rounded to whole kudos', () => {
    const job = textJobKudos({ model: M13, maxLength: 512, maxContextLength: 4096 });
    expect(requestKudos({ models: [M13], params: { ...params, n: 3 } })).toBeCloseTo((job + 1) * 3 + 1, 2);
    expect(dryRunPrice({ models: [M13], params: { ...params, n: 3 } })).toBe(Math.round((job + 1) * 3 + 1));
  });

  it('multiplies by n', () => {
    const one = requestKudos({ models: [M13], params: { ...params, n: 1 } });
    const four = requestKudos({ models: [M13], params: { ...params, n: 4 } });
    expect(four - 1).toBeCloseTo((one - 1) * 4, 2);
  });

  it('prices several models by the first listed, as the server does', () => {
    expect(dryRunPrice({ models: [M7, M70], params })).toBe(dryRunPrice({ models: [M7], params }));
    expect(dryRunPrice({ models: [M70, M7], params })).toBe(dryRunPrice({ models: [M70], params }));
  });

  it('refuses n below 1', () => {
    expect(() => dryRunPrice({ models: [M13], params: { ...params, n: 0 } })).toThrow(RangeError);
  });
});

describe('textGenerationKudos (what the worker earns)', () => {
  it('pays by tokens generated, /125, for a known model on a validated backend', () => {
    const expected = ((100 * 13) / 125) * ctxOf(2048);
    expect(
      textGenerationKudos({
        model: M13,
        generatedTokens: 100,
        contextTokens: 2048,
        trustedOwner: false,
        validatedBackend: true,
      }),
    ).toBeCloseTo(expected, 2);
  });

  it('cuts unvalidated backends to 30 %', () => {
    const expected = ((100 * 13) / 125) * 0.3 * ctxOf(2048);
    expect(
      textGenerationKudos({
        model: M13,
        generatedTokens: 100,
        contextTokens: 2048,
        trustedOwner: true,
        validatedBackend: false,
      }),
    ).toBeCloseTo(expected, 2);
  });

  it('pays an untrusted owner of an unknown model only the context multiplier', () => {
    expect(
      textGenerationKudos({
        model: 'tiny-gpt2',
        generatedTokens: 100,
        contextTokens: 1024,
        trustedOwner: false,
        validatedBackend: true,
      }),
    ).toBeCloseTo(ctxOf(1024), 2);
    expect(
      textGenerationKudos({
        model: 'tiny-gpt2',
        generatedTokens: 100,
        contextTokens: 1024,
        trustedOwner: true,
        validatedBackend: true,
      }),
    ).toBeCloseTo(100 * ctxOf(1024) * 0.027, 2);
  });

  it('counts tokens as 4 characters each, at least 20, at most max_length', () => {
    expect(quickTokenCount('x'.repeat(400), 512)).toBe(100);
    expect(quickTokenCount('short', 512)).toBe(20);
    expect(quickTokenCount('x'.repeat(4000), 512)).toBe(512);
  });
});

describe('alchemy forms', () => {
  it('caption and nsfw are worth 1, interrogation 3', () => {
    expect(alchemyFormKudos('caption')).toBe(1);
    expect(alchemyFormKudos('nsfw')).toBe(1);
    expect(alchemyFormKudos('interrogation')).toBe(3);
  });

  it('post-processors are worth 3 per 512×512 tile', () => {
    expect(alchemyFormKudos('strip_background', imageTiles(1024, 768))).toBe(3 * 2 * 2);
    expect(alchemyFormKudos('RealESRGAN_x4plus')).toBe(3);
    expect(imageTiles(512, 512)).toBe(1);
    expect(imageTiles(513, 512)).toBe(2);
  });

  it('the requester pays the form plus a burn of 1, or 2 with slow workers', () => {
    expect(alchemyFormCost('caption', { slowWorkers: false })).toBe(alchemyFormKudos('caption') + 1);
    expect(alchemyFormCost('interrogation', { slowWorkers: true })).toBe(
      alchemyFormKudos('interrogation') + 2,
    );
  });
});
