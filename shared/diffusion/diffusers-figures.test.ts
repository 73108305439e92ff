// diffusers' scheduler full-loop tests, ported one to one (huggingface/diffusers @58eb52c,
// tests/schedulers/test_scheduler_*.py): the same `dummy_sample_deter` and `dummy_noise_deter`, the
// dummy model `sample * t / (t + 1)`, the same configs and loops, and the published `sum(|x|)` /
// `mean(|x|)` figures with diffusers' own tolerances.

import { describe, expect, it } from 'vitest';
import { createScheduler, type Scheduler } from './index';

const f = Math.fround;
const B = 4;
const C = 3;
const H = 8;
const W = 8;
const N = B * C * H * W;

/** `arange(N).reshape(C, H, W, B) / N`, permuted to [B, C, H, W]; `flip` gives dummy_noise_deter. */
function deter(flip: boolean): Float32Array {
  const out = new Float32Array(N);
  for (let b = 0; b < B; b += 1)
    for (let c = 0; c < C; c += 1)
      for (let h = 0; h < H; h += 1)
        for (let w = 0; w < W; w += 1) {
          const idx = ((c * H + h) * W + w) * B + b;
          out[((b * C + c) * H + h) * W + w] = f((flip ? N - 1 - idx : idx) / N);
        }
  return out;
}
const sampleDeter = (): Float32Array => deter(false);
const noiseDeter = (): Float32Array => deter(true);

function dummyModel(sample: Float32Array, t: number): Float32Array {
  const tt = f(t);
  const denom = f(tt + 1);
  return sample.map((x) => f(f(x * tt) / denom));
}

function scaled(x: Float32Array, k: number): Float32Array {
  return x.map((v) => f(v * k));
}

/** The sigma schedulers' loop: the sample is replaced by its scaled version before `step`. */
function loopScaled(s: Scheduler, timesteps: readonly number[], start: Float32Array): Float32Array {
  let sample = start;
  for (const t of timesteps) {
    sample = s.scaleModelInput(sample, t);
    sample = s.step(dummyModel(sample, t), t, sample).prevSample;
  }
  return sample;
}

/** DDIM / DPM-Solver / LCM loop: no input scaling. */
function loopPlain(s: Scheduler, timesteps: readonly number[], start: Float32Array): Float32Array {
  let sample = start;
  for (const t of timesteps) sample = s.step(dummyModel(sample, t), t, sample).prevSample;
  return sample;
}

function fullLoopScaled(name: string, config: Record<string, unknown>, steps: number): Float32Array {
  const s = createScheduler(name, config);
  s.setTimesteps(steps);
  return loopScaled(s, s.timesteps, scaled(sampleDeter(), s.initNoiseSigma));
}

function withNoiseScaled(
  name: string,
  config: Record<string, unknown>,
  steps: number,
  tStart: number,
): Float32Array {
  const s = createScheduler(name, config);
  s.setTimesteps(steps);
  const timesteps = s.timesteps.slice(tStart * s.order);
  const noisy = s.addNoise(scaled(sampleDeter(), s.initNoiseSigma), noiseDeter(), timesteps[0]!);
  return loopScaled(s, timesteps, noisy);
}

function fullLoopPlain(name: string, config: Record<string, unknown>, steps: number): Float32Array {
  const s = createScheduler(name, config);
  s.setTimesteps(steps);
  return loopPlain(s, s.timesteps, sampleDeter());
}

function withNoisePlain(
  name: string,
  config: Record<string, unknown>,
  steps: number,
  tStart: number,
): Float32Array {
  const s = createScheduler(name, config);
  s.setTimesteps(steps);
  const timesteps = s.timesteps.slice(tStart * s.order);
  return loopPlain(s, timesteps, s.addNoise(sampleDeter(), noiseDeter(), timesteps[0]!));
}

function absSum(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += Math.abs(v);
  return s;
}

interface Figure {
  test: string;
  run: () => Float32Array;
  sum?: [number, number];
  mean: [number, number];
}

// get_scheduler_config() of test_scheduler_euler / lms / heun / kdpm2_discrete.
const K_CONFIG = { num_train_timesteps: 1100, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear' };
// test_scheduler_dpm_multi.
const DPM_CONFIG = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  solver_order: 2,
  prediction_type: 'epsilon',
  algorithm_type: 'dpmsolver++',
  solver_type: 'midpoint',
  lower_order_final: false,
  euler_at_final: false,
  final_sigmas_type: 'sigma_min',
};
// test_scheduler_ddim.
const DDIM_CONFIG = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  clip_sample: true,
};
// test_scheduler_lcm.
const LCM_CONFIG = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  prediction_type: 'epsilon',
};
const V = { prediction_type: 'v_prediction' };
const KARRAS = { use_karras_sigmas: true };

export const FIGURES: Record<string, Figure[]> = {
  k_euler: [
    {
      test: 'euler test_full_loop_no_noise',
      run: () => fullLoopScaled('k_euler', K_CONFIG, 10),
      sum: [10.0807, 1e-2],
      mean: [0.0131, 1e-3],
    },
    {
      test: 'euler test_full_loop_with_v_prediction',
      run: () => fullLoopScaled('k_euler', { ...K_CONFIG, ...V }, 10),
      sum: [0.0002, 1e-2],
      mean: [2.2676e-6, 1e-3],
    },
    {
      test: 'euler test_full_loop_device_karras_sigmas',
      run: () => fullLoopScaled('k_euler', { ...K_CONFIG, ...KARRAS }, 10),
      sum: [124.52299499511719, 1e-2],
      mean: [0.16213932633399963, 1e-3],
    },
    {
      test: 'euler test_full_loop_with_noise',
      run: () => withNoiseScaled('k_euler', K_CONFIG, 10, 8),
      sum: [57062.9297, 1e-2],
      mean: [74.3007, 1e-3],
    },
  ],
  k_lms: [
    {
      test: 'lms test_full_loop_no_noise',
      run: () => fullLoopScaled('k_lms', K_CONFIG, 10),
      sum: [1006.388, 1e-2],
      mean: [1.31, 1e-3],
    },
    {
      test: 'lms test_full_loop_with_v_prediction',
      run: () => fullLoopScaled('k_lms', { ...K_CONFIG, ...V }, 10),
      sum: [0.0017, 1e-2],
      mean: [2.2676e-6, 1e-3],
    },
    {
      test: 'lms test_full_loop_device_karras_sigmas',
      run: () => fullLoopScaled('k_lms', { ...K_CONFIG, ...KARRAS }, 10),
      sum: [3812.9927, 2e-2],
      mean: [4.9648, 1e-3],
    },
    {
      test: 'lms test_full_loop_with_noise',
      run: () => withNoiseScaled('k_lms', K_CONFIG, 10, 8),
      sum: [27663.6895, 1e-2],
      mean: [36.0204, 1e-3],
    },
  ],
  k_heun: [
    {
      test: 'heun test_full_loop_no_noise',
      run: () => fullLoopScaled('k_heun', K_CONFIG, 10),
      sum: [0.1233, 1e-2],
      mean: [0.0002, 1e-3],
    },
    {
      test: 'heun test_full_loop_with_v_prediction',
      run: () => fullLoopScaled('k_heun', { ...K_CONFIG, ...V }, 10),
      sum: [4.6934e-7, 1e-2],
      mean: [6.1112e-10, 1e-3],
    },
    {
      test: 'heun test_full_loop_device_karras_sigmas',
      run: () => fullLoopScaled('k_heun', { ...K_CONFIG, ...KARRAS }, 10),
      sum: [0.00015, 1e-2],
      mean: [1.9869554535034695e-7, 1e-2],
    },
    {
      test: 'heun test_full_loop_with_noise',
      run: () => withNoiseScaled('k_heun', K_CONFIG, 10, 8),
      sum: [75074.8906, 1e-2],
      mean: [97.7538, 1e-3],
    },
  ],
  k_dpm_2: [
    {
      test: 'kdpm2_discrete test_full_loop_no_noise',
      run: () => fullLoopScaled('k_dpm_2', K_CONFIG, 10),
      sum: [20.4125, 1e-2],
      mean: [0.0266, 1e-3],
    },
    {
      test: 'kdpm2_discrete test_full_loop_with_v_prediction',
      run: () => fullLoopScaled('k_dpm_2', { ...K_CONFIG, ...V }, 10),
      sum: [4.6934e-7, 1e-2],
      mean: [6.1112e-10, 1e-3],
    },
    {
      test: 'kdpm2_discrete test_full_loop_with_noise',
      run: () => withNoiseScaled('k_dpm_2', K_CONFIG, 10, 8),
      sum: [70408.4062, 1e-2],
      mean: [91.6776, 1e-3],
    },
  ],
  k_dpmpp_2m: [
    {
      test: 'dpm_multi test_full_loop_no_noise',
      run: () => fullLoopPlain('k_dpmpp_2m', DPM_CONFIG, 10),
      mean: [0.3301, 1e-3],
    },
    {
      test: 'dpm_multi test_full_loop_with_noise',
      run: () => withNoisePlain('k_dpmpp_2m', DPM_CONFIG, 10, 5),
      sum: [318.4111, 1e-2],
      mean: [0.4146, 1e-3],
    },
    {
      test: 'dpm_multi test_full_loop_with_v_prediction',
      run: () => fullLoopPlain('k_dpmpp_2m', { ...DPM_CONFIG, ...V }, 10),
      mean: [0.2251, 1e-3],
    },
    {
      test: 'dpm_multi test_full_loop_with_karras_and_v_prediction',
      run: () => fullLoopPlain('k_dpmpp_2m', { ...DPM_CONFIG, ...V, ...KARRAS }, 10),
      mean: [0.2096, 1e-3],
    },
  ],
  DDIM: [
    {
      test: 'ddim test_full_loop_no_noise',
      run: () => fullLoopPlain('DDIM', DDIM_CONFIG, 10),
      sum: [172.0067, 1e-2],
      mean: [0.223967, 1e-3],
    },
    {
      test: 'ddim test_full_loop_with_v_prediction',
      run: () => fullLoopPlain('DDIM', { ...DDIM_CONFIG, ...V }, 10),
      sum: [52.5302, 1e-2],
      mean: [0.0684, 1e-3],
    },
    {
      test: 'ddim test_full_loop_with_set_alpha_to_one',
      run: () => fullLoopPlain('DDIM', { ...DDIM_CONFIG, set_alpha_to_one: true, beta_start: 0.01 }, 10),
      sum: [149.8295, 1e-2],
      mean: [0.1951, 1e-3],
    },
    {
      test: 'ddim test_full_loop_with_no_set_alpha_to_one',
      run: () => fullLoopPlain('DDIM', { ...DDIM_CONFIG, set_alpha_to_one: false, beta_start: 0.01 }, 10),
      sum: [149.0784, 1e-2],
      mean: [0.1941, 1e-3],
    },
    {
      test: 'ddim test_full_loop_with_noise',
      run: () => withNoisePlain('DDIM', DDIM_CONFIG, 10, 8),
      sum: [354.5418, 1e-2],
      mean: [0.4616, 1e-3],
    },
  ],
  lcm: [
    {
      test: 'lcm test_full_loop_onestep',
      run: () => fullLoopPlain('lcm', LCM_CONFIG, 1),
      sum: [18.7097, 1e-3],
      mean: [0.0244, 1e-3],
    },
  ],
};

describe("schedulers reproduce diffusers' published full-loop figures", () => {
  for (const [sampler, figures] of Object.entries(FIGURES)) {
    describe(sampler, () => {
      for (const fig of figures) {
        it(fig.test, () => {
          const out = fig.run();
          expect(out.length).toBe(N);
          const sum = absSum(out);
          const mean = sum / N;
          if (fig.sum) expect(Math.abs(sum - fig.sum[0]), `sum ${sum}`).toBeLessThan(fig.sum[1]);
          expect(Math.abs(mean - fig.mean[0]), `mean ${mean}`).toBeLessThan(fig.mean[1]);
        });
      }
    });
  }
});
