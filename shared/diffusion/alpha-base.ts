// Shared parts of the schedulers that index ᾱ by integer training timestep (DDIM, LCM).

import { resolveConfig, type ResolvedConfig } from './config';
import { trainSchedule, type TrainSchedule } from './schedule';
import { outputFor, sameLength, SchedulerStateError } from './types';

const f = Math.fround;

export function checkSteps(config: ResolvedConfig, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > config.num_train_timesteps) {
    throw new SchedulerStateError(
      `steps must be an integer from 1 to ${config.num_train_timesteps}, got ${n}`,
    );
  }
}

export abstract class AlphaScheduler {
  readonly order = 1;
  readonly initNoiseSigma = 1;
  protected readonly config: ResolvedConfig;
  protected readonly train: TrainSchedule;
  protected readonly finalAlphaCumprod: number;
  timesteps: number[] = [];

  constructor(input: Readonly<Record<string, unknown>>, defaults: Partial<ResolvedConfig>) {
    this.config = resolveConfig(input, defaults);
    this.train = trainSchedule(this.config);
    this.finalAlphaCumprod = this.config.set_alpha_to_one ? 1 : this.train.alphasCumprod[0]!;
  }

  scaleModelInput(sample: Float32Array, _timestep?: number, out?: Float32Array): Float32Array {
    if (!out) return sample;
    outputFor(sample.length, out).set(sample);
    return out;
  }

  private x0Buffer: Float32Array | null = null;
  private epsBuffer: Float32Array | null = null;

  protected alphaAt(t: number): number {
    if (!Number.isInteger(t) || t >= this.train.alphasCumprod.length) {
      throw new SchedulerStateError(`timestep ${t} is not an integer training timestep`);
    }
    return t >= 0 ? this.train.alphasCumprod[t]! : this.finalAlphaCumprod;
  }

  /** x0 and ε from the model output, float32 as torch computes them; x0 clipped if configured. */
  protected predict(
    modelOutput: Float32Array,
    sample: Float32Array,
    alpha: number,
  ): [Float32Array, Float32Array] {
    sameLength(modelOutput, sample, 'model output and sample');
    const beta = f(1 - alpha);
    const sa = f(Math.sqrt(alpha));
    const sb = f(Math.sqrt(beta));
    // Scratch the scheduler owns: the step reads them before it returns and keeps nothing.
    const n = sample.length;
    if (this.x0Buffer?.length !== n) this.x0Buffer = new Float32Array(n);
    if (this.epsBuffer?.length !== n) this.epsBuffer = new Float32Array(n);
    const x0 = this.x0Buffer;
    const eps = this.epsBuffer;
    const type = this.config.prediction_type;
    for (let i = 0; i < sample.length; i += 1) {
      const m = modelOutput[i]!;
      const s = sample[i]!;
      if (type === 'epsilon') {
        x0[i] = f(f(s - f(sb * m)) / sa);
        eps[i] = m;
      } else if (type === 'v_prediction') {
        x0[i] = f(f(sa * s) - f(sb * m));
        eps[i] = f(f(sa * m) + f(sb * s));
      } else {
        x0[i] = m;
        eps[i] = f(f(s - f(sa * m)) / sb);
      }
    }
    if (this.config.clip_sample) {
      const r = this.config.clip_sample_range;
      for (let i = 0; i < x0.length; i += 1) x0[i] = Math.min(r, Math.max(-r, x0[i]!));
    }
    return [x0, eps];
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    sameLength(original, noise, 'sample and noise');
    const alpha = this.alphaAt(timestep);
    const sa = f(Math.sqrt(alpha));
    const sb = f(Math.sqrt(f(1 - alpha)));
    const out = new Float32Array(original.length);
    for (let i = 0; i < out.length; i += 1) out[i] = f(f(sa * original[i]!) + f(sb * noise[i]!));
    return out;
  }
}
