// Latent Consistency Model sampling (lcm), after diffusers' LCMScheduler: a consistency-function
// prediction at each timestep, re-noised to the next one (except after the last).

import { AlphaScheduler, checkSteps } from './alpha-base';
import {
  indexForTimestep,
  outputFor,
  requireNoise,
  SchedulerStateError,
  type NormalSource,
  type Scheduler,
  type StepResult,
} from './types';

const f = Math.fround;
const SIGMA_DATA2 = 0.25;

export class LcmScheduler extends AlphaScheduler implements Scheduler {
  readonly name: string = 'lcm';
  readonly stochastic = true;
  private stepIndex: number | null = null;
  private beginIndex: number | null = null;

  constructor(input: Readonly<Record<string, unknown>>) {
    super(input, {
      beta_start: 0.00085,
      beta_end: 0.012,
      beta_schedule: 'scaled_linear',
      timestep_spacing: 'leading',
      set_alpha_to_one: true,
    });
  }

  setTimesteps(n: number): void {
    checkSteps(this.config, n);
    const original = this.config.original_inference_steps;
    if (original > this.config.num_train_timesteps) {
      throw new SchedulerStateError('original_inference_steps exceeds num_train_timesteps');
    }
    if (n > original) throw new SchedulerStateError(`lcm runs at most ${original} steps, got ${n}`);
    const k = Math.floor(this.config.num_train_timesteps / original);
    const origin = Array.from({ length: original }, (_, i) => (original - i) * k - 1);
    this.timesteps = Array.from({ length: n }, (_, i) => origin[Math.floor(i * (original / n))]!);
    this.stepIndex = null;
    this.beginIndex = null;
  }

  setBeginIndex(index: number): void {
    this.beginIndex = index;
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    rng?: NormalSource,
    out?: Float32Array,
  ): StepResult {
    if (this.timesteps.length === 0) throw new SchedulerStateError('call setTimesteps before step');
    this.stepIndex ??= this.beginIndex ?? indexForTimestep(this.timesteps, timestep);
    const i = this.stepIndex;
    const prevT = i + 1 < this.timesteps.length ? this.timesteps[i + 1]! : timestep;
    const alpha = this.alphaAt(timestep);
    const alphaPrev = this.alphaAt(prevT);
    const scaled = f(timestep * this.config.timestep_scaling);
    const denom = f(f(scaled * scaled) + SIGMA_DATA2);
    const cSkip = f(SIGMA_DATA2 / denom);
    const cOut = f(scaled / f(Math.sqrt(denom)));
    const [x0] = this.predict(modelOutput, sample, alpha);
    // Denoised straight into the output, re-noised in place (each element read before it is written).
    const prevSample = outputFor(sample.length, out);
    for (let k = 0; k < sample.length; k += 1) prevSample[k] = f(f(cOut * x0[k]!) + f(cSkip * sample[k]!));
    this.stepIndex = i + 1;
    if (i === this.timesteps.length - 1) return { prevSample };
    const noise = requireNoise(rng, this.name).normal(sample.length);
    const sa = f(Math.sqrt(alphaPrev));
    const sb = f(Math.sqrt(f(1 - alphaPrev)));
    for (let k = 0; k < sample.length; k += 1) prevSample[k] = f(f(sa * prevSample[k]!) + f(sb * noise[k]!));
    return { prevSample };
  }
}
