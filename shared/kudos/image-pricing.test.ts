import { describe, expect, it } from 'vitest';
import {
  accurateSteps,
  imageBurn,
  imageGenKudos,
  imageKudos,
  imageRequestPrice,
  type ImageShape,
} from './image-pricing';

/** The AI Horde's own figures (IMAGE-API.md §B, its network evaluated on these jobs): kudos per image. */
const SECTION_B: { job: string; shape: ImageShape; kudos: number }[] = [
  {
    job: 'basis',
    shape: { width: 512, height: 512, steps: 50, sampler: 'k_euler', cfgScale: 7.5 },
    kudos: 11.0,
  },
  {
    job: '512², 30 steps, k_euler_a, cfg 5 (defaults)',
    shape: { width: 512, height: 512, steps: 30, sampler: 'k_euler_a', cfgScale: 5 },
    kudos: 7.61,
  },
  {
    job: '512², 20 steps, k_euler',
    shape: { width: 512, height: 512, steps: 20, sampler: 'k_euler', cfgScale: 5 },
    kudos: 6.22,
  },
  {
    job: '512², 1 step, cfg 1',
    shape: { width: 512, height: 512, steps: 1, sampler: 'k_euler_a', cfgScale: 1 },
    kudos: 4.01,
  },
  {
    job: '768², 30 steps',
    shape: { width: 768, height: 768, steps: 30, sampler: 'k_euler_a', cfgScale: 5 },
    kudos: 11.68,
  },
  {
    job: '1024², 30 steps, k_dpmpp_2m',
    shape: { width: 1024, height: 1024, steps: 30, sampler: 'k_dpmpp_2m', cfgScale: 5 },
    kudos: 22.26,
  },
  {
    job: '512², 30 steps, k_heun',
    shape: { width: 512, height: 512, steps: 30, sampler: 'k_heun', cfgScale: 5 },
    kudos: 13.03,
  },
  {
    job: 'img2img ds 0.5',
    shape: { width: 512, height: 512, steps: 30, sampler: 'k_euler_a', cfgScale: 5, denoise: 0.5 },
    kudos: 7.91,
  },
];

describe('imageKudos (our closed form) against the AI Horde figures', () => {
  it.each(SECTION_B)('$job is within 10 % of $kudos', ({ shape, kudos }) => {
    const ours = imageKudos(shape);
    expect(Math.abs(ours / kudos - 1)).toBeLessThan(0.1);
  });

  it('prices the basis at exactly 11 kudos', () => {
    expect(imageKudos(SECTION_B[0]!.shape)).toBe(11);
  });

  it('grows with pixels, steps, CFG and strength, and counts double-cost samplers twice', () => {
    const base: ImageShape = { width: 512, height: 512, steps: 30, sampler: 'k_euler', cfgScale: 5 };
    expect(imageKudos({ ...base, width: 576 })).toBeGreaterThan(imageKudos(base));
    expect(imageKudos({ ...base, steps: 31 })).toBeGreaterThan(imageKudos(base));
    expect(imageKudos({ ...base, cfgScale: 9 })).toBeGreaterThan(imageKudos(base));
    expect(imageKudos({ ...base, denoise: 0.8 })).toBeGreaterThan(imageKudos({ ...base, denoise: 0.3 }));
    expect(imageKudos({ ...base, sampler: 'k_dpm_2' })).toBe(imageKudos({ ...base, steps: 60 }));
    expect(accurateSteps('k_dpm_adaptive', 7)).toBe(40);
    expect(imageKudos({ ...base, postProcessing: ['GFPGAN'] })).toBeGreaterThan(imageKudos(base));
    expect(imageKudos({ ...base, loras: 2 })).toBeCloseTo(imageKudos(base) + 6, 2);
  });

  it('refuses nonsense sizes', () => {
    expect(() => imageKudos({ width: 0, height: 512, steps: 30, sampler: 'k_euler', cfgScale: 5 })).toThrow(
      RangeError,
    );
    expect(() =>
      imageKudos({ width: 512, height: 512, steps: NaN, sampler: 'k_euler', cfgScale: 5 }),
    ).toThrow(RangeError);
  });
});

describe('burn, multipliers and the request price', () => {
  const shape: ImageShape = { width: 512, height: 512, steps: 30, sampler: 'k_euler_a', cfgScale: 5 };
  it('adds the burns the AI Horde applies: ×1.3 img2img, ×1.05 per upscaler, +1, ×1.2 without slow workers, ×1.1 blacklist', () => {
    const o = { img2img: false, slowWorkers: true, workerBlacklist: false };
    expect(imageBurn(10, o)).toBe(11);
    expect(imageBurn(10, { ...o, img2img: true })).toBe(14);
    expect(imageBurn(10, { ...o, postProcessing: ['RealESRGAN_x4plus', 'GFPGAN'] })).toBe(11.5);
    expect(imageBurn(10, { ...o, slowWorkers: false })).toBe(13.2);
    expect(imageBurn(10, { ...o, workerBlacklist: true })).toBe(12.1);
  });
  it('multiplies the worth by the baseline (SDXL ×2) and prices no model as SDXL 1.0', () => {
    expect(imageGenKudos(shape, 'SDXL 1.0')).toBeCloseTo(imageKudos(shape) * 2, 2);
    expect(imageGenKudos(shape, 'my finetune [SDXL]')).toBeCloseTo(imageKudos(shape) * 2, 2);
    expect(imageGenKudos(shape, 'stable_diffusion')).toBe(imageKudos(shape));
    const o = { n: 3, slowWorkers: true, workerBlacklist: false };
    expect(imageRequestPrice(shape, { ...o, models: [] })).toBe(
      imageRequestPrice(shape, { ...o, models: ['SDXL 1.0'] }),
    );
    expect(imageRequestPrice(shape, { ...o, models: ['stable_diffusion'] })).toBeCloseTo(
      (imageKudos(shape) + 1) * 3 + 1,
      2,
    );
  });
});
