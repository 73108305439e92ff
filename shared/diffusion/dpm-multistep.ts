// DPM-Solver++ multistep (k_dpmpp_2m), after diffusers' DPMSolverMultistepScheduler with
// algorithm_type "dpmsolver++" (data prediction), midpoint or Heun second-order updates.

import { resolveConfig, type ResolvedConfig } from './config';
import {
  interpIndex,
  karrasSigmas,
  npLinspace,
  npArange,
  roundHalfEven,
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

interface AlphaSigma {
  alpha: number;
  sigma: number;
  lambda: number;
}

function alphaSigma(s: number): AlphaSigma {
  const alpha = f(1 / f(Math.sqrt(f(f(s * s) + 1))));
  const sigma = f(s * alpha);
  return { alpha, sigma, lambda: f(f(Math.log(alpha)) - f(Math.log(sigma))) };
}

export class DpmSolverMultistepScheduler implements Scheduler {
  readonly name: string = 'k_dpmpp_2m';
  readonly order = 1;
  readonly initNoiseSigma = 1;
  readonly stochastic = false;
  private readonly config: ResolvedConfig;
  private readonly train: TrainSchedule;
  timesteps: number[] = [];
  private sigmas: number[] = [];
  private modelOutputs: (Float32Array | null)[] = [];
  private lowerOrderNums = 0;
  private stepIndex: number | null = null;
  private beginIndex: number | null = null;

  constructor(input: Readonly<Record<string, unknown>>) {
    this.config = resolveConfig(input, { lower_order_final: true, final_sigmas_type: 'zero' });
    if (this.config.algorithm_type !== 'dpmsolver++') {
      throw new SchedulerStateError('only algorithm_type "dpmsolver++" is implemented');
    }
    this.train = trainSchedule(this.config);
  }

  setTimesteps(n: number): void {
    const train = this.config.num_train_timesteps;
    if (!Number.isInteger(n) || n < 1 || n > train) {
      throw new SchedulerStateError(`steps must be an integer from 1 to ${train}, got ${n}`);
    }
    let timesteps: number[];
    const spacing = this.config.timestep_spacing;
    if (spacing === 'linspace') {
      timesteps = npLinspace(0, train - 1, n + 1)
        .map(roundHalfEven)
        .reverse()
        .slice(0, -1);
    } else if (spacing === 'leading') {
      const ratio = Math.floor(train / (n + 1));
      timesteps = Array.from({ length: n + 1 }, (_, i) => (n - i) * ratio + this.config.steps_offset).slice(
        0,
        -1,
      );
    } else {
      timesteps = npArange(train, 0, -train / n).map((x) => roundHalfEven(x) - 1);
    }
    let sigmas: number[];
    if (this.config.use_karras_sigmas) {
      const s = this.train.sigmas;
      sigmas = karrasSigmas(this.config.sigma_min ?? s[0]!, this.config.sigma_max ?? s[s.length - 1]!, n);
      timesteps = sigmas.map((x) => roundHalfEven(sigmaToT(x, this.train.logSigmas)));
    } else {
      sigmas = timesteps.map((t) => interpIndex(t, this.train.sigmas));
    }
    const last = this.config.final_sigmas_type === 'sigma_min' ? this.train.sigmas[0]! : 0;
    this.sigmas = [...sigmas, last].map(f);
    this.timesteps = timesteps;
    this.modelOutputs = Array.from({ length: this.config.solver_order }, () => null);
    this.lowerOrderNums = 0;
    this.stepIndex = null;
    this.beginIndex = null;
  }

  setBeginIndex(index: number): void {
    this.beginIndex = index;
  }

  scaleModelInput(sample: Float32Array, _timestep?: number, out?: Float32Array): Float32Array {
    if (!out) return sample;
    outputFor(sample.length, out).set(sample);
    return out;
  }

  private x0(
    modelOutput: Float32Array,
    sample: Float32Array,
    index: number,
    reuse: Float32Array | null,
  ): Float32Array {
    sameLength(modelOutput, sample, 'model output and sample');
    const out = reuse && reuse.length === sample.length ? reuse : new Float32Array(sample.length);
    const type = this.config.prediction_type;
    if (type === 'sample') {
      out.set(modelOutput);
      return out;
    }
    const { alpha, sigma } = alphaSigma(this.sigmas[index]!);
    for (let i = 0; i < out.length; i += 1) {
      out[i] =
        type === 'epsilon'
          ? f(f(sample[i]! - f(sigma * modelOutput[i]!)) / alpha)
          : f(f(alpha * sample[i]!) - f(sigma * modelOutput[i]!));
    }
    return out;
  }

  private indexOf(timestep: number): number {
    try {
      return indexForTimestep(this.timesteps, timestep);
    } catch {
      return this.timesteps.length - 1; // diffusers' fallback for a timestep outside the schedule
    }
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _rng?: NormalSource,
    out?: Float32Array,
  ): StepResult {
    if (this.timesteps.length === 0) throw new SchedulerStateError('call setTimesteps before step');
    this.stepIndex ??= this.beginIndex ?? this.indexOf(timestep);
    const i = this.stepIndex;
    if (i >= this.timesteps.length) throw new SchedulerStateError('the schedule is already complete');
    const count = this.timesteps.length;
    const lowerFinal =
      i === count - 1 &&
      (this.config.euler_at_final ||
        (this.config.lower_order_final && count < 15) ||
        this.config.final_sigmas_type === 'zero');
    const lowerSecond = i === count - 2 && this.config.lower_order_final && count < 15;
    // The oldest kept output falls out of the history now: its buffer takes the new one.
    const m = this.x0(modelOutput, sample, i, this.modelOutputs[0] ?? null);
    this.modelOutputs.shift();
    this.modelOutputs.push(m);
    const order = this.config.solver_order;
    const o = outputFor(sample.length, out);
    let prevSample: Float32Array;
    if (order === 1 || this.lowerOrderNums < 1 || lowerFinal) prevSample = this.firstOrder(m, sample, i, o);
    else if (order === 2 || this.lowerOrderNums < 2 || lowerSecond)
      prevSample = this.secondOrder(sample, i, o);
    else prevSample = this.thirdOrder(sample, i, o);
    if (this.lowerOrderNums < order) this.lowerOrderNums += 1;
    this.stepIndex = i + 1;
    return { prevSample };
  }

  private firstOrder(m: Float32Array, sample: Float32Array, i: number, out: Float32Array): Float32Array {
    const t = alphaSigma(this.sigmas[i + 1]!);
    const s = alphaSigma(this.sigmas[i]!);
    const h = f(t.lambda - s.lambda);
    const a = f(t.sigma / s.sigma);
    const b = f(t.alpha * f(f(Math.exp(-h)) - 1));
    for (let k = 0; k < out.length; k += 1) out[k] = f(f(a * sample[k]!) - f(b * m[k]!));
    return out;
  }

  private output(back: number): Float32Array {
    const m = this.modelOutputs[this.modelOutputs.length - 1 - back]!;
    if (!m) throw new SchedulerStateError('multistep history is missing');
    return m;
  }

  private secondOrder(sample: Float32Array, i: number, out: Float32Array): Float32Array {
    const t = alphaSigma(this.sigmas[i + 1]!);
    const s0 = alphaSigma(this.sigmas[i]!);
    const s1 = alphaSigma(this.sigmas[i - 1]!);
    const m0 = this.output(0);
    const m1 = this.output(1);
    const h = f(t.lambda - s0.lambda);
    const h0 = f(s0.lambda - s1.lambda);
    const r0 = f(h0 / h);
    const inv = f(1 / r0);
    const a = f(t.sigma / s0.sigma);
    const em1 = f(f(Math.exp(-h)) - 1);
    const b = f(t.alpha * em1);
    const c = this.config.solver_type === 'midpoint' ? f(0.5 * b) : f(-f(t.alpha * f(f(em1 / h) + 1)));
    for (let k = 0; k < out.length; k += 1) {
      const d1 = f(inv * f(m0[k]! - m1[k]!));
      out[k] = f(f(f(a * sample[k]!) - f(b * m0[k]!)) - f(c * d1));
    }
    return out;
  }

  private thirdOrder(sample: Float32Array, i: number, out: Float32Array): Float32Array {
    const t = alphaSigma(this.sigmas[i + 1]!);
    const s0 = alphaSigma(this.sigmas[i]!);
    const s1 = alphaSigma(this.sigmas[i - 1]!);
    const s2 = alphaSigma(this.sigmas[i - 2]!);
    const [m0, m1, m2] = [this.output(0), this.output(1), this.output(2)];
    const h = f(t.lambda - s0.lambda);
    const r0 = f(f(s0.lambda - s1.lambda) / h);
    const r1 = f(f(s1.lambda - s2.lambda) / h);
    const em1 = f(f(Math.exp(-h)) - 1);
    const a = f(t.sigma / s0.sigma);
    const b0 = f(t.alpha * em1);
    const b1 = f(t.alpha * f(f(em1 / h) + 1));
    const b2 = f(t.alpha * f(f(f(em1 + h) / f(h * h)) - 0.5));
    const w = f(r0 / f(r0 + r1));
    const v = f(1 / f(r0 + r1));
    for (let k = 0; k < out.length; k += 1) {
      const d10 = f(f(1 / r0) * f(m0[k]! - m1[k]!));
      const d11 = f(f(1 / r1) * f(m1[k]! - m2[k]!));
      const d1 = f(d10 + f(w * f(d10 - d11)));
      const d2 = f(v * f(d10 - d11));
      out[k] = f(f(f(f(a * sample[k]!) - f(b0 * m0[k]!)) + f(b1 * d1)) - f(b2 * d2));
    }
    return out;
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    sameLength(original, noise, 'sample and noise');
    if (this.timesteps.length === 0) throw new SchedulerStateError('call setTimesteps before addNoise');
    const index = this.beginIndex === null ? this.indexOf(timestep) : (this.stepIndex ?? this.beginIndex);
    const { alpha, sigma } = alphaSigma(this.sigmas[index]!);
    const out = new Float32Array(original.length);
    for (let k = 0; k < out.length; k += 1) out[k] = f(f(alpha * original[k]!) + f(sigma * noise[k]!));
    return out;
  }
}
