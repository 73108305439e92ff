// Common ground of the k-diffusion style schedulers (Euler, Euler a, LMS, Heun, DPM2, DPM2 a):
// a descending list of sigmas, inputs scaled by 1/√(σ²+1), noise added as x + σ·n.

import { resolveConfig, type ResolvedConfig } from './config';
import {
  interpIndex,
  karrasSigmas,
  roundHalfEven,
  sigmaTimesteps,
  sigmaToT,
  trainSchedule,
  type TrainSchedule,
} from './schedule';
import {
  indexForTimestep,
  outputFor,
  sameLength,
  SchedulerStateError,
  type NormalSource,
  type Scheduler,
  type StepResult,
} from './types';

const f = Math.fround;

export interface SigmaPlan {
  /** float32 timesteps, descending, one per inference step. */
  timesteps: number[];
  /** float32 sigmas, one per timestep plus the final one. */
  sigmas: number[];
}

export interface KarrasOptions {
  /** Whether config sigma_min/sigma_max override the schedule's ends (Euler, Heun, DPM2: yes; LMS: no). */
  useConfigRange: boolean;
  /** Whether the timesteps recovered from Karras sigmas are rounded (DPM2). */
  roundTimesteps: boolean;
}

/** Euler's `set_timesteps`: spacing, sigma interpolation, optional Karras sigmas, final sigma. */
export function planSigmas(
  config: ResolvedConfig,
  train: TrainSchedule,
  n: number,
  karras: KarrasOptions = { useConfigRange: true, roundTimesteps: false },
): SigmaPlan {
  if (!Number.isInteger(n) || n < 1 || n > config.num_train_timesteps) {
    throw new SchedulerStateError(
      `steps must be an integer from 1 to ${config.num_train_timesteps}, got ${n}`,
    );
  }
  let timesteps = sigmaTimesteps(config.timestep_spacing, config.num_train_timesteps, n, config.steps_offset);
  let sigmas = timesteps.map((t) => interpIndex(t, train.sigmas));
  if (config.use_karras_sigmas) {
    const lo = (karras.useConfigRange ? config.sigma_min : null) ?? sigmas[sigmas.length - 1]!;
    const hi = (karras.useConfigRange ? config.sigma_max : null) ?? sigmas[0]!;
    sigmas = karrasSigmas(lo, hi, n);
    timesteps = sigmas.map((s) => {
      const t = sigmaToT(s, train.logSigmas);
      return f(karras.roundTimesteps ? roundHalfEven(t) : t);
    });
  }
  const last = config.final_sigmas_type === 'sigma_min' ? train.sigmas[0]! : 0;
  return { timesteps, sigmas: [...sigmas, last].map(f) };
}

/** `model_output → x0` for a sigma parametrisation (float32 as torch computes it), into `out` if given. */
export function predictX0(
  config: ResolvedConfig,
  modelOutput: Float32Array,
  sample: Float32Array,
  sigma: number,
  into?: Float32Array,
): Float32Array {
  sameLength(modelOutput, sample, 'model output and sample');
  const out = outputFor(sample.length, into);
  if (config.prediction_type === 'epsilon') {
    for (let i = 0; i < out.length; i += 1) out[i] = f(sample[i]! - f(sigma * modelOutput[i]!));
  } else if (config.prediction_type === 'v_prediction') {
    const c2 = f(f(sigma * sigma) + 1);
    const c1 = f(-sigma / f(Math.sqrt(c2)));
    for (let i = 0; i < out.length; i += 1) out[i] = f(f(modelOutput[i]! * c1) + f(sample[i]! / c2));
  } else {
    out.set(modelOutput);
  }
  return out;
}

export function scaleBySigma(sample: Float32Array, sigma: number, into?: Float32Array): Float32Array {
  const denom = f(Math.sqrt(f(f(sigma * sigma) + 1)));
  const out = outputFor(sample.length, into);
  for (let i = 0; i < out.length; i += 1) out[i] = f(sample[i]! / denom);
  return out;
}

/**
 * The Euler step of k_euler and k_euler_a, `x + d·dt` with `d = (x − x0) / σ`, in one pass with
 * predictX0's float32 roundings in the same order (so the same results) and no x0 array.
 */
export function eulerStep(
  config: ResolvedConfig,
  modelOutput: Float32Array,
  sample: Float32Array,
  sigma: number,
  dt: number,
  into?: Float32Array,
): Float32Array {
  sameLength(modelOutput, sample, 'model output and sample');
  const out = outputFor(sample.length, into);
  const n = out.length;
  if (config.prediction_type === 'epsilon') {
    for (let i = 0; i < n; i += 1) {
      const s = sample[i]!;
      const x0 = f(s - f(sigma * modelOutput[i]!));
      out[i] = f(s + f(f(f(s - x0) / sigma) * dt));
    }
  } else if (config.prediction_type === 'v_prediction') {
    const c2 = f(f(sigma * sigma) + 1);
    const c1 = f(-sigma / f(Math.sqrt(c2)));
    for (let i = 0; i < n; i += 1) {
      const s = sample[i]!;
      const x0 = f(f(modelOutput[i]! * c1) + f(s / c2));
      out[i] = f(s + f(f(f(s - x0) / sigma) * dt));
    }
  } else {
    for (let i = 0; i < n; i += 1) {
      const s = sample[i]!;
      out[i] = f(s + f(f(f(s - modelOutput[i]!) / sigma) * dt));
    }
  }
  return out;
}

export function addScaledNoise(
  sample: Float32Array,
  noise: Float32Array,
  scale: number,
  into?: Float32Array,
): Float32Array {
  sameLength(sample, noise, 'sample and noise');
  const out = outputFor(sample.length, into);
  for (let i = 0; i < out.length; i += 1) out[i] = f(sample[i]! + f(noise[i]! * scale));
  return out;
}

/** A scheduler's own buffer for values it keeps between steps, reused while the length holds. */
export function ownBuffer(current: Float32Array | null, length: number): Float32Array {
  return current && current.length === length ? current : new Float32Array(length);
}

export abstract class SigmaScheduler implements Scheduler {
  abstract readonly name: string;
  readonly order: number = 1;
  readonly stochastic: boolean = false;
  protected readonly config: ResolvedConfig;
  protected readonly train: TrainSchedule;
  timesteps: number[] = [];
  /** float32 sigmas per timestep plus the final one (interleaved like the timesteps for order 2). */
  sigmas: number[] = [];
  protected stepIndex: number | null = null;
  protected beginIndex: number | null = null;

  constructor(input: Readonly<Record<string, unknown>>, defaults: Partial<ResolvedConfig> = {}) {
    this.config = resolveConfig(input, defaults);
    this.train = trainSchedule(this.config);
  }

  get initNoiseSigma(): number {
    this.requireTimesteps();
    const max = Math.max(...this.sigmas);
    if (this.config.timestep_spacing === 'linspace' || this.config.timestep_spacing === 'trailing')
      return max;
    return f(Math.sqrt(f(f(max * max) + 1)));
  }

  abstract setTimesteps(numInferenceSteps: number): void;
  abstract step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    rng?: NormalSource,
    out?: Float32Array,
  ): StepResult;

  setBeginIndex(index: number): void {
    this.requireTimesteps();
    if (!Number.isInteger(index) || index < 0 || index >= this.timesteps.length) {
      throw new SchedulerStateError(`begin index ${index} is outside 0..${this.timesteps.length - 1}`);
    }
    this.beginIndex = index;
  }

  /** The sigma `scaleModelInput` divides by at the current step (DPM2 overrides it). */
  protected inputSigma(): number {
    return this.sigmas[this.currentIndex()]!;
  }

  scaleModelInput(sample: Float32Array, timestep: number, out?: Float32Array): Float32Array {
    this.initStepIndex(timestep);
    return scaleBySigma(sample, this.inputSigma(), out);
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    this.requireTimesteps();
    const index =
      this.beginIndex === null
        ? indexForTimestep(this.timesteps, timestep)
        : (this.stepIndex ?? this.beginIndex);
    return addScaledNoise(original, noise, this.sigmas[index]!);
  }

  protected resetState(): void {
    this.stepIndex = null;
    this.beginIndex = null;
  }

  protected requireTimesteps(): void {
    if (this.timesteps.length === 0)
      throw new SchedulerStateError('call setTimesteps before using the scheduler');
  }

  protected initStepIndex(timestep: number): void {
    this.requireTimesteps();
    if (this.stepIndex !== null) return;
    this.stepIndex = this.beginIndex ?? indexForTimestep(this.timesteps, timestep);
  }

  protected currentIndex(): number {
    if (this.stepIndex === null) throw new SchedulerStateError('step index is not initialised');
    if (this.stepIndex >= this.timesteps.length)
      throw new SchedulerStateError('the schedule is already complete');
    return this.stepIndex;
  }
}
