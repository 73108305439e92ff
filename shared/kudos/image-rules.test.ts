import { describe, expect, it } from 'vitest';
import {
  batchAmount,
  downgrade,
  freeResolution,
  imageJobTtlS,
  jobSeed,
  seedToInt,
  splitPrompt,
  upfrontReasons,
} from './image-rules';
import {
  bridgeRewardMultiplier,
  capabilitiesOf,
  DESKTOP_BRIDGE,
  parseBridgeAgent,
  samplersOf,
} from '../api/bridge-agents';

const base = {
  width: 512,
  height: 512,
  steps: 30,
  sampler: 'k_euler_a',
  models: ['stable_diffusion'],
  slowWorkers: true,
  queued: 0,
  threads: 0,
};

describe('upfront kudos (require_upfront_kudos)', () => {
  it('frees 1024² minus the queue, within 576..1024, and 1024 for SDXL', () => {
    expect(freeResolution({ queued: 0, threads: 0, models: ['stable_diffusion'] })).toBe(1024);
    expect(freeResolution({ queued: 100, threads: 2, models: ['stable_diffusion'] })).toBe(1024 + 20 - 90);
    expect(freeResolution({ queued: 10_000, threads: 0, models: ['stable_diffusion'] })).toBe(576);
    expect(freeResolution({ queued: 10_000, threads: 0, models: ['SDXL 1.0'] })).toBe(1024);
  });
  it('needs kudos for each rule of the AI Horde, and says why', () => {
    expect(upfrontReasons(base)).toEqual([]);
    expect(upfrontReasons({ ...base, slowWorkers: false })).toEqual(['it refuses slow workers']);
    expect(upfrontReasons({ ...base, steps: 41 })[0]).toMatch(/41 steps/);
    expect(upfrontReasons({ ...base, steps: 21, sampler: 'k_heun' })[0]).toMatch(/count as 42/);
    expect(upfrontReasons({ ...base, sampler: 'lcm', steps: 11 })[0]).toMatch(/lcm/);
    expect(upfrontReasons({ ...base, width: 1088, height: 1024 })[0]).toMatch(/1088×1024/);
    expect(upfrontReasons({ ...base, controlType: 'canny', steps: 21 })).toHaveLength(1);
  });
  it('downgrades to the free size in multiples of 64 and to 30 steps', () => {
    const d = downgrade({ ...base, width: 2048, height: 2048, steps: 80, queued: 10_000 });
    expect(d.width % 64).toBe(0);
    expect(d.width * d.height).toBeLessThanOrEqual(576 * 576);
    expect(d.width * d.height).toBeGreaterThanOrEqual(512 * 512);
    expect(d.steps).toBe(30);
    expect(upfrontReasons({ ...base, ...d, queued: 10_000 })).toEqual([]);
  });
});

describe('batches, time limits, seeds, prompts', () => {
  it('splits a batch by max_pixels', () => {
    const o = {
      maxPixels: 512 * 512 * 8,
      amount: 4,
      width: 512,
      height: 512,
      postProcessors: 0,
      heavy: false,
    };
    expect(batchAmount(o)).toBe(4);
    expect(batchAmount({ ...o, maxPixels: 512 * 512 })).toBe(1);
    expect(batchAmount({ ...o, width: 1024, height: 1024 })).toBe(2);
  });
  it('gives 30 + 2·acc steps·px seconds, at least 150, ×3 for flux and extra-slow workers', () => {
    const j = { width: 1024, height: 1024, steps: 30, sampler: 'k_euler', model: 'stable_diffusion' };
    expect(imageJobTtlS(j)).toBe(30 + 30 * 2 * 4);
    expect(imageJobTtlS({ ...j, width: 512, height: 512 })).toBe(150);
    expect(imageJobTtlS({ ...j, sampler: 'k_heun' })).toBe(30 + 60 * 2 * 4);
    expect(imageJobTtlS({ ...j, extraSlowWorker: true })).toBe(270 * 3);
  });
  it('reads seeds as the AI Horde does', () => {
    expect(seedToInt('1234')).toBe(1234);
    expect(seedToInt('a')).toBe(97);
    expect(seedToInt('ab')).toBe(97 + 98 * 256);
    expect(seedToInt('99999999999')).toBe(Number(99999999999n >> 32n));
    expect(jobSeed(10, 7, 3)).toBe(31);
    expect(jobSeed(10, undefined, 3)).toBe(10);
  });
  it('splits the negative prompt at ###', () => {
    expect(splitPrompt('a cat ### dogs')).toEqual({ prompt: 'a cat ', negative: ' dogs' });
    expect(splitPrompt('a cat')).toEqual({ prompt: 'a cat', negative: '' });
  });
});

describe('bridge capabilities', () => {
  it('gives unknown agents nothing and treats them as AI Horde Worker 23 for samplers', () => {
    expect(parseBridgeAgent('garbage')).toEqual({ name: 'unknown', version: 0 });
    expect(capabilitiesOf('SomeWorker:1:x').size).toBe(0);
    expect(samplersOf('SomeWorker:1:x', true).has('lcm')).toBe(false);
    expect(samplersOf('SomeWorker:1:x', true).has('DDIM')).toBe(false);
    expect(samplersOf('SomeWorker:1:x', false).has('DDIM')).toBe(true);
    expect(bridgeRewardMultiplier('SomeWorker:1:x')).toBe(0.75);
  });
  it('accumulates reGen capabilities by version', () => {
    expect(capabilitiesOf('AI Horde Worker reGen:1.0.0:x').has('lora')).toBe(false);
    expect(capabilitiesOf('AI Horde Worker reGen:2.0.0:x').has('lora')).toBe(true);
    expect(bridgeRewardMultiplier('AI Horde Worker reGen:13.0.0:x')).toBe(1);
    expect(bridgeRewardMultiplier('AI Horde Worker reGen:12.0.0:x')).toBe(0.9);
  });
  it('lists our own worker with what it supports', () => {
    const caps = capabilitiesOf(`${DESKTOP_BRIDGE}:0.1.0:https://x`);
    expect([...caps].sort()).toEqual(['img2img', 'karras', 'r2', 'r2_source']);
    expect(caps.has('post-processing')).toBe(false);
    expect(samplersOf(`${DESKTOP_BRIDGE}:0.1.0:https://x`, true).has('k_euler')).toBe(true);
  });
});
