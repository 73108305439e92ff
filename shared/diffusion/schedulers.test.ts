import { describe, expect, it } from 'vitest';
import {
  createScheduler,
  SAMPLERS,
  SchedulerConfigError,
  SchedulerStateError,
  SeededNormal,
  Xoshiro128,
  type NormalSource,
} from './index';
import { EulerAncestralScheduler } from './euler';
import { Kdpm2AncestralScheduler } from './kdpm2';
import { UnknownSamplerError } from './index';

// Fixed seeds for CI plus one fresh seed per run, printed so a failure can be replayed.
const FRESH = Math.floor(Math.random() * 2 ** 32);
console.log(`schedulers.test fresh seed: ${FRESH}`);
const SEEDS = [0, 1, 42, 2 ** 32 - 1, FRESH];

const SD_CONFIG = {
  _class_name: 'PNDMScheduler',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
};

const zeros: NormalSource = { normal: (n) => new Float32Array(n) };

function stats(x: Float32Array): { mean: number; std: number } {
  let s = 0;
  for (const v of x) s += v;
  const mean = s / x.length;
  let q = 0;
  for (const v of x) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / x.length) };
}

describe('Xoshiro128 and SeededNormal', () => {
  it('matches the xoshiro128** reference outputs for state {1, 2, 3, 4}', () => {
    const g = new Xoshiro128([1, 2, 3, 4]);
    expect(Array.from({ length: 6 }, () => g.nextUint32())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492,
    ]);
  });

  it('gives the same numbers for a seed however the draws are split', () => {
    for (const seed of SEEDS) {
      const whole = new SeededNormal(seed).normal(9);
      const parts = new SeededNormal(seed);
      const split = [...parts.normal(3), ...parts.normal(1), ...parts.normal(5)];
      expect(Array.from(whole)).toEqual(split);
    }
  });

  it('differs between seeds and refuses a seed outside 32 bits', () => {
    expect(Array.from(new SeededNormal(1).normal(8))).not.toEqual(Array.from(new SeededNormal(2).normal(8)));
    expect(() => new SeededNormal(-1)).toThrow(RangeError);
    expect(() => new SeededNormal(2 ** 32)).toThrow(RangeError);
  });

  it('draws standard normal values', () => {
    for (const seed of SEEDS) {
      const x = new SeededNormal(seed).normal(200_000);
      const { mean, std } = stats(x);
      // 5 standard errors: mean SE = 1/√n ≈ 0.0022, std SE ≈ 1/√(2n) ≈ 0.0016.
      expect(Math.abs(mean), `seed ${seed}`).toBeLessThan(0.012);
      expect(Math.abs(std - 1), `seed ${seed}`).toBeLessThan(0.008);
      const within1 = x.filter((v) => Math.abs(v) < 1).length / x.length;
      expect(Math.abs(within1 - 0.6827), `seed ${seed}`).toBeLessThan(0.006);
    }
  });
});

describe('createScheduler', () => {
  it('knows the horde sampler names and refuses others by name', () => {
    for (const name of SAMPLERS) expect(createScheduler(name, SD_CONFIG).name).toBe(name);
    expect(createScheduler('ddim', SD_CONFIG).name).toBe('DDIM');
    expect(() => createScheduler('k_dpm_fast')).toThrow(UnknownSamplerError);
    expect(() => createScheduler('k_dpm_fast')).toThrow(/unknown sampler "k_dpm_fast"/);
  });

  it("accepts a model's scheduler_config.json and refuses bad values with the key named", () => {
    expect(() => createScheduler('k_euler', { ...SD_CONFIG, beta_schedule: 'cosine' })).toThrow(
      SchedulerConfigError,
    );
    expect(() => createScheduler('k_euler', { ...SD_CONFIG, beta_schedule: 'cosine' })).toThrow(
      /beta_schedule/,
    );
    expect(() => createScheduler('k_euler', { rescale_betas_zero_snr: true })).toThrow(
      /rescale_betas_zero_snr/,
    );
  });

  it('refuses bad step counts and use before setTimesteps', () => {
    for (const name of SAMPLERS) {
      const s = createScheduler(name, SD_CONFIG);
      expect(() => s.step(new Float32Array(4), 999, new Float32Array(4), zeros)).toThrow(SchedulerStateError);
      expect(() => s.setTimesteps(0)).toThrow(SchedulerStateError);
      expect(() => s.setTimesteps(2.5)).toThrow(SchedulerStateError);
    }
  });

  it('gives SD 1.5 its leading timesteps with steps_offset and SD-Turbo t = 999 in one trailing step', () => {
    const ddim = createScheduler('DDIM', SD_CONFIG);
    ddim.setTimesteps(4);
    expect(ddim.timesteps).toEqual([751, 501, 251, 1]);
    const turbo = createScheduler('k_euler_a', { ...SD_CONFIG, timestep_spacing: 'trailing' });
    turbo.setTimesteps(1);
    expect(turbo.timesteps).toEqual([999]);
    // σ_max of the SD schedule (IMAGE-API.md §E: 14.6146), and no noise drawn when σ_next = 0.
    expect(turbo.initNoiseSigma).toBeCloseTo(14.6146, 3);
    const x = new Float32Array([1, 2]);
    expect(() => turbo.step(new Float32Array(2), 999, turbo.scaleModelInput(x, 999))).not.toThrow();
  });

  it('runs 2n − 1 UNet calls for the second-order samplers', () => {
    for (const name of ['k_heun', 'k_dpm_2', 'k_dpm_2_a']) {
      const s = createScheduler(name, SD_CONFIG);
      s.setTimesteps(10);
      expect(s.order).toBe(2);
      expect(s.timesteps).toHaveLength(19);
    }
  });
});

describe('stochastic samplers', () => {
  function run(name: string, seed: number | null, steps = 6): Float32Array {
    const s = createScheduler(name, { ...SD_CONFIG, timestep_spacing: 'trailing' });
    s.setTimesteps(steps);
    const rng: NormalSource = seed === null ? zeros : new SeededNormal(seed);
    let x: Float32Array = new SeededNormal(7).normal(4096).map((v) => v * s.initNoiseSigma);
    for (const t of s.timesteps) {
      const input = s.scaleModelInput(x, t);
      x = s.step(
        input.map((v) => v * 0.1),
        t,
        input,
        rng,
      ).prevSample;
    }
    return x;
  }

  for (const name of ['k_euler_a', 'k_dpm_2_a', 'lcm']) {
    it(`${name}: same seed, same result; another seed, another; no noise source, a clear error`, () => {
      for (const seed of SEEDS) expect(Array.from(run(name, seed))).toEqual(Array.from(run(name, seed)));
      expect(Array.from(run(name, 1))).not.toEqual(Array.from(run(name, 2)));
      const s = createScheduler(name, SD_CONFIG);
      s.setTimesteps(4);
      const t = s.timesteps[0]!;
      expect(() => {
        for (const u of s.timesteps)
          s.step(new Float32Array(4), u, s.scaleModelInput(new Float32Array(4), t));
      }).toThrow(/NormalSource/);
    });
  }

  it('k_euler_a adds noise with standard deviation σ_up at each step', () => {
    for (const seed of SEEDS) {
      const s = new EulerAncestralScheduler(SD_CONFIG);
      s.setTimesteps(20);
      const [s0, s1] = [s.sigmas[0]!, s.sigmas[1]!];
      const up = Math.sqrt((s1 ** 2 * (s0 ** 2 - s1 ** 2)) / s0 ** 2);
      const x = new SeededNormal(3).normal(100_000);
      const t = s.timesteps[0]!;
      const input = s.scaleModelInput(x, t);
      const noisy = s.step(input, t, input, new SeededNormal(seed)).prevSample;
      const quiet = new EulerAncestralScheduler(SD_CONFIG);
      quiet.setTimesteps(20);
      const clean = quiet.step(input, t, quiet.scaleModelInput(x, t), zeros).prevSample;
      const { mean, std } = stats(noisy.map((v, i) => v - clean[i]!));
      expect(Math.abs(mean), `seed ${seed}`).toBeLessThan(0.02 * up);
      expect(Math.abs(std / up - 1), `seed ${seed}`).toBeLessThan(0.015);
    }
  });

  it('k_dpm_2_a adds noise with standard deviation σ_up on the correction half-step only', () => {
    for (const seed of SEEDS) {
      const make = (): Kdpm2AncestralScheduler => {
        const s = new Kdpm2AncestralScheduler(SD_CONFIG);
        s.setTimesteps(20);
        return s;
      };
      const a = make();
      const b = make();
      const [s0, s1] = [a.sigmas[0]!, a.sigmas[1]!];
      const up = Math.sqrt((s1 ** 2 * (s0 ** 2 - s1 ** 2)) / s0 ** 2);
      const x = new SeededNormal(5).normal(100_000);
      const rng = new SeededNormal(seed);
      const [t0, t1] = [a.timesteps[0]!, a.timesteps[1]!];
      const half = a.step(a.scaleModelInput(x, t0), t0, x, rng).prevSample;
      const halfClean = b.step(b.scaleModelInput(x, t0), t0, x, zeros).prevSample;
      expect(half.every((v, i) => v === halfClean[i])).toBe(true); // the first half-step is deterministic
      const full = a.step(a.scaleModelInput(half, t1), t1, half, rng).prevSample;
      const fullClean = b.step(b.scaleModelInput(half, t1), t1, half, zeros).prevSample;
      const { mean, std } = stats(full.map((v, i) => v - fullClean[i]!));
      expect(Math.abs(mean), `seed ${seed}`).toBeLessThan(0.02 * up);
      expect(Math.abs(std / up - 1), `seed ${seed}`).toBeLessThan(0.015);
    }
  });
});

describe('img2img start', () => {
  it('addNoise at a begin index uses that step and the loop continues from it', () => {
    const a = createScheduler('k_euler', SD_CONFIG);
    a.setTimesteps(10);
    a.setBeginIndex(4);
    const x = new Float32Array([0.5, -0.5]);
    const n = new Float32Array([1, 1]);
    const b = createScheduler('k_euler', SD_CONFIG);
    b.setTimesteps(10);
    expect(Array.from(a.addNoise(x, n, a.timesteps[4]!))).toEqual(
      Array.from(b.addNoise(x, n, b.timesteps[4]!)),
    );
    expect(() => a.setBeginIndex(10)).toThrow(SchedulerStateError);
  });
});

describe('writing into caller buffers (the pipeline alternates two per image)', () => {
  // The same loop with and without `out`: every value identical, for every sampler, prediction
  // type and a Karras schedule, so the in-place paths cannot drift from the figures' paths.
  const configs = [
    { ...SD_CONFIG },
    { ...SD_CONFIG, prediction_type: 'v_prediction' },
    { ...SD_CONFIG, use_karras_sigmas: true },
  ];
  for (const name of SAMPLERS) {
    it(`${name}: identical results, and nothing kept that the caller overwrites`, () => {
      for (const config of configs) {
        const a = createScheduler(name, config);
        const b = createScheduler(name, config);
        a.setTimesteps(6);
        b.setTimesteps(6);
        const start = new SeededNormal(3).normal(64).map((v) => v * a.initNoiseSigma);
        let x: Float32Array = Float32Array.from(start);
        let y: Float32Array = Float32Array.from(start);
        let spare: Float32Array = new Float32Array(64);
        const scaled = new Float32Array(64);
        const rngA = new SeededNormal(9);
        const rngB = new SeededNormal(9);
        for (const t of a.timesteps) {
          const inA = a.scaleModelInput(x, t);
          const inB = b.scaleModelInput(y, t, scaled);
          expect(inB).toBe(scaled);
          expect(Array.from(inB)).toEqual(Array.from(inA));
          const model = (v: Float32Array): Float32Array => v.map((s, k) => Math.fround(s * 0.3 + k / 640));
          x = a.step(model(inA), t, x, rngA).prevSample;
          const next = b.step(model(inB), t, y, rngB, spare).prevSample;
          expect(next).toBe(spare);
          // The buffer just read becomes the next output: a scheduler that kept it would drift.
          spare = y;
          y = next;
          expect(Array.from(y)).toEqual(Array.from(x));
        }
      }
    });
  }

  it('refuses an output buffer of another length', () => {
    const s = createScheduler('k_euler', SD_CONFIG);
    s.setTimesteps(4);
    const t = s.timesteps[0]!;
    const x = new Float32Array(8);
    s.scaleModelInput(x, t);
    expect(() => s.step(x, t, x, undefined, new Float32Array(4))).toThrow(SchedulerStateError);
  });
});
