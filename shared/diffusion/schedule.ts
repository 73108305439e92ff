// Noise schedules shared by the schedulers, computed the way diffusers computes them so that its
// published test figures carry over: torch float32 tensors for betas, alphas and sigmas (each
// operation rounded to float32 with Math.fround), numpy float64 for interpolation and spacing.

import type { ResolvedConfig, TimestepSpacing } from './config';

const f = Math.fround;

/** numpy's `round`: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `torch.linspace(start, end, steps, dtype=float32)`: float32 step, symmetric halves. */
export function torchLinspace32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 1) {
    out[0] = f(start);
    return out;
  }
  const s = f(start);
  const e = f(end);
  const step = f(f(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i += 1) {
    out[i] = i < halfway ? f(s + f(step * i)) : f(e - f(step * (steps - i - 1)));
  }
  return out;
}

/** `np.linspace(start, stop, num)` in float64 (endpoint included). */
export function npLinspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i += 1) out.push(i * step + start);
  out[num - 1] = stop;
  return out;
}

/** `np.arange(start, stop, step)` with a float step, as numpy fills it. */
export function npArange(start: number, stop: number, step: number): number[] {
  const len = Math.max(0, Math.ceil((stop - start) / step));
  const out: number[] = [];
  for (let i = 0; i < len; i += 1) out.push(start + i * step);
  return out;
}

/** `np.interp(x, arange(len(fp)), fp)` in float64. */
export function interpIndex(x: number, fp: ArrayLike<number>): number {
  const last = fp.length - 1;
  if (x <= 0) return fp[0]!;
  if (x >= last) return fp[last]!;
  const j = Math.floor(x);
  if (j === x) return fp[j]!;
  const slope = fp[j + 1]! - fp[j]!;
  return slope * (x - j) + fp[j]!;
}

function betasForAlphaBar(n: number): Float32Array {
  const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * Math.PI * 0.5) ** 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 1) {
    const t1 = i / n;
    const t2 = (i + 1) / n;
    out[i] = Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
  }
  return out;
}

export interface TrainSchedule {
  readonly betas: Float32Array;
  readonly alphasCumprod: Float32Array;
  /** `((1 − ᾱ)/ᾱ)^½` for every training timestep, float32, ascending in t. */
  readonly sigmas: Float32Array;
  /** `np.log(sigmas)` (float32, as numpy keeps the dtype). */
  readonly logSigmas: Float32Array;
}

export function trainSchedule(config: ResolvedConfig): TrainSchedule {
  const n = config.num_train_timesteps;
  let betas: Float32Array;
  if (config.trained_betas.length > 0) {
    betas = Float32Array.from(config.trained_betas);
  } else if (config.beta_schedule === 'linear') {
    betas = torchLinspace32(config.beta_start, config.beta_end, n);
  } else if (config.beta_schedule === 'scaled_linear') {
    betas = torchLinspace32(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), n).map((b) => f(b * b));
  } else {
    betas = betasForAlphaBar(n);
  }
  const alphasCumprod = new Float32Array(betas.length);
  let acc = 1; // torch's CPU cumprod accumulates float32 in double
  for (let i = 0; i < betas.length; i += 1) {
    acc *= f(1 - betas[i]!);
    alphasCumprod[i] = acc;
  }
  const sigmas = alphasCumprod.map((a) => f(Math.sqrt(f(f(1 - a) / a))));
  const logSigmas = sigmas.map((s) => Math.log(s));
  return { betas, alphasCumprod, sigmas, logSigmas };
}

/**
 * Inference timesteps for the sigma schedulers (Euler, LMS, Heun, KDPM2): float32, descending.
 */
export function sigmaTimesteps(
  spacing: TimestepSpacing,
  train: number,
  n: number,
  stepsOffset: number,
): number[] {
  if (spacing === 'linspace')
    return npLinspace(0, train - 1, n)
      .map(f)
      .reverse();
  if (spacing === 'leading') {
    const ratio = Math.floor(train / n);
    const out: number[] = [];
    for (let i = n - 1; i >= 0; i -= 1) out.push(f(i * ratio) + stepsOffset);
    return out;
  }
  return npArange(train, 0, -train / n).map((x) => f(roundHalfEven(x)) - 1);
}

/** `_sigma_to_t`: the fractional training timestep of a sigma, by log-sigma interpolation. */
export function sigmaToT(sigma: number, logSigmas: Float32Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  let count = 0;
  let lowIdx = 0;
  let best = -1;
  for (let i = 0; i < logSigmas.length; i += 1) {
    if (logSigma - logSigmas[i]! >= 0) count += 1;
    if (count > best) {
      best = count;
      lowIdx = i;
    }
  }
  lowIdx = Math.min(lowIdx, logSigmas.length - 2);
  const low = logSigmas[lowIdx]!;
  const high = logSigmas[lowIdx + 1]!;
  const w = Math.min(1, Math.max(0, (low - logSigma) / (low - high)));
  return (1 - w) * lowIdx + w * (lowIdx + 1);
}

/** Karras et al. (2022) sigmas, rho 7, from sigma max down to sigma min. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, n: number): number[] {
  const rho = 7;
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return npLinspace(0, 1, n).map((ramp) => (maxInv + ramp * (minInv - maxInv)) ** rho);
}

/** `torch.lerp(start, end, weight)` on float32 scalars. */
export function lerp32(start: number, end: number, weight: number): number {
  const diff = f(end - start);
  return weight < 0.5 ? f(start + f(weight * diff)) : f(end - f(diff * f(1 - weight)));
}
