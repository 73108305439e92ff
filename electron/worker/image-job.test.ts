import { describe, expect, it } from 'vitest';
import type { ImageJobPayload } from '../../shared/api/image';
import {
  imageJobTtlSeconds,
  maxPixelsFor,
  readImagePop,
  sdParamsFor,
  seedToInt,
  UnsupportedJob,
} from './image-job';

const payload: ImageJobPayload = {
  prompt: 'a fox ### blurry, low quality',
  ddim_steps: 20,
  n_iter: 2,
  batch_size: 1,
  seed: '1234',
  seed_variation: 7,
  width: 576,
  height: 512,
  sampler_name: 'k_dpmpp_2m',
  cfg_scale: 6.5,
  karras: false,
};

describe('seedToInt (the AI Horde seed_to_int)', () => {
  it('reads digits as the number and other text as little-endian UTF-8 bytes, folded to 32 bits', () => {
    expect(seedToInt('1234')).toBe(1234);
    expect(seedToInt('-5')).toBe(5);
    expect(seedToInt('ab')).toBe(0x6261); // 'a' = 0x61 is the low byte
    expect(seedToInt(String(2 ** 40 + 3))).toBe(2 ** 8); // >> 32 once
    const big = seedToInt('a long text seed that is many bytes long');
    expect(big).toBeGreaterThanOrEqual(0);
    expect(big).toBeLessThan(2 ** 32);
  });
});

describe('readImagePop', () => {
  it('says none when the horde has no job, and passes its skipped counts on', () => {
    expect(readImagePop({ id: null, ids: [], skipped: { max_pixels: 2 } })).toEqual({
      kind: 'none',
      skipped: { max_pixels: 2 },
    });
  });

  it('pairs each job id with its upload URL', () => {
    const pop = readImagePop({
      id: 'a',
      ids: ['a', 'b'],
      model: 'stable_diffusion',
      payload,
      r2_uploads: ['http://h/up/a', 'http://h/up/b'],
      ttl: 200,
    });
    expect(pop).toMatchObject({
      kind: 'job',
      job: {
        jobs: [
          { id: 'a', upload: 'http://h/up/a' },
          { id: 'b', upload: 'http://h/up/b' },
        ],
        ttl: 200,
      },
    });
  });

  it('returns the ids of a job it cannot read, so they can be handed back faulted', () => {
    expect(readImagePop({ id: 'a', ids: ['a'], model: 'm', payload: { prompt: 1 } })).toMatchObject({
      kind: 'malformed',
      ids: ['a'],
    });
    expect(readImagePop('nonsense')).toMatchObject({ kind: 'malformed', ids: [] });
    expect(readImagePop({ id: 'a', ids: ['a'], payload })).toMatchObject({
      kind: 'malformed',
      problem: /model/,
    });
  });
});

describe('sdParamsFor', () => {
  const job = { jobs: [{ id: 'a' }, { id: 'b' }], model: 'stable_diffusion', payload };

  it('splits the negative prompt at ###, and gives image i the seed + variation·i', () => {
    expect(sdParamsFor(job)).toMatchObject({
      prompt: 'a fox',
      negativePrompt: 'blurry, low quality',
      width: 576,
      height: 512,
      steps: 20,
      cfgScale: 6.5,
      sampler: 'k_dpmpp_2m',
      karras: false,
      seeds: [1234, 1241],
      denoisingStrength: 0.75,
    });
  });

  it('refuses what the worker does not offer, by name', () => {
    expect(() =>
      sdParamsFor({ ...job, payload: { ...payload, sampler_name: 'k_dpm_fast' as const } }),
    ).toThrow(UnsupportedJob);
    expect(() => sdParamsFor({ ...job, payload: { ...payload, post_processing: ['GFPGAN'] } })).toThrow(
      /post-processing/,
    );
    expect(() => sdParamsFor({ ...job, sourceProcessing: 'inpainting' })).toThrow(/inpainting/);
  });
});

describe('maxPixelsFor', () => {
  it('offers the largest image a 30-step job finishes within 70 % of the horde time limit', () => {
    for (const secondsPerMp of [0.05, 0.5, 2, 8, 40]) {
      const px = maxPixelsFor(secondsPerMp);
      if (px === 0) continue;
      const side = Math.sqrt(px);
      expect(side % 64).toBe(0);
      expect(30 * secondsPerMp * (px / 1e6) + 10).toBeLessThanOrEqual(0.7 * imageJobTtlSeconds(30, px));
      const bigger = (side + 64) ** 2;
      if (side < 1024) {
        expect(30 * secondsPerMp * (bigger / 1e6) + 10).toBeGreaterThan(0.7 * imageJobTtlSeconds(30, bigger));
      }
    }
    expect(maxPixelsFor(0.05)).toBe(1024 * 1024);
    expect(maxPixelsFor(1e6)).toBe(0);
    expect(maxPixelsFor(Number.NaN)).toBe(0);
  });
});
