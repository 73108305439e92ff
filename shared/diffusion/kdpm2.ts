// DPM-Solver-2 in k-diffusion's form: k_dpm_2 (KDPM2DiscreteScheduler) and k_dpm_2_a
// (KDPM2AncestralDiscreteScheduler). Each step evaluates the model again at the geometric midpoint
// σ_interpol, so timesteps interleave and the UNet runs 2n − 1 times.

import { lerp32, sigmaToT } from './schedule';
import { addScaledNoise, ownBuffer, planSigmas, predictX0, SigmaScheduler } from './sigma-base';
import { outputFor, requireNoise, type NormalSource, type StepResult } from './types';

const f = Math.fround;

function interleave(values: readonly number[]): number[] {
  return [values[0]!, ...values.slice(1).flatMap((x) => [x, x]), values[values.length - 1]!];
}

function geometricMid(a: number, b: number): number {
  return f(Math.exp(lerp32(f(Math.log(a)), f(Math.log(b)), 0.5)));
}

abstract class Kdpm2Base extends SigmaScheduler {
  override readonly order = 2;
  protected sigmasInterpol: number[] = [];
  /** The sample the first half started from (a copy in `saved`; null in a first half). */
  protected firstSample: Float32Array | null = null;
  private saved: Float32Array | null = null;
  protected x0Buffer: Float32Array | null = null;

  protected get firstOrder(): boolean {
    return this.firstSample === null;
  }

  protected override inputSigma(): number {
    const i = this.currentIndex();
    return this.firstOrder ? this.sigmas[i]! : this.interpolForInput(i);
  }

  protected abstract interpolForInput(index: number): number;

  protected interpolTimesteps(interpol: readonly number[]): number[] {
    return interpol.map((s) => f(sigmaToT(s, this.train.logSigmas)));
  }

  /** One half-step: x + (x − x0)/σ_in · dt. */
  protected update(
    base: Float32Array,
    sample: Float32Array,
    x0: Float32Array,
    sigmaIn: number,
    dt: number,
    into?: Float32Array,
  ): Float32Array {
    const out = outputFor(sample.length, into);
    for (let k = 0; k < out.length; k += 1)
      out[k] = f(base[k]! + f(f(f(sample[k]! - x0[k]!) / sigmaIn) * dt));
    return out;
  }

  /** Keeps a copy of the first half's sample: the caller may write its next output over it. */
  protected keepFirst(sample: Float32Array): void {
    this.saved = ownBuffer(this.saved, sample.length);
    this.saved.set(sample);
    this.firstSample = this.saved;
  }

  protected predict(modelOutput: Float32Array, sample: Float32Array, sigma: number): Float32Array {
    this.x0Buffer = predictX0(
      this.config,
      modelOutput,
      sample,
      sigma,
      ownBuffer(this.x0Buffer, sample.length),
    );
    return this.x0Buffer;
  }
}

export class Kdpm2Scheduler extends Kdpm2Base {
  readonly name: string = 'k_dpm_2';

  setTimesteps(numInferenceSteps: number): void {
    const plan = planSigmas(this.config, this.train, numInferenceSteps, {
      useConfigRange: true,
      roundTimesteps: true,
    });
    const s = plan.sigmas;
    // σ_interpol[k] = √(σ_k·σ_{k−1}); index 0 wraps around to the final σ (= 0), as torch.roll does.
    const interpol = s.map((x, k) => geometricMid(x, s[(k - 1 + s.length) % s.length]!));
    this.sigmas = interleave(s);
    this.sigmasInterpol = interleave(interpol);
    const tInterpol = this.interpolTimesteps(interpol);
    const t = plan.timesteps;
    this.timesteps = [t[0]!, ...t.slice(1).flatMap((x, k) => [tInterpol[k + 1]!, x])];
    this.firstSample = null;
    this.resetState();
  }

  protected interpolForInput(index: number): number {
    return this.sigmasInterpol[index]!;
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _rng?: NormalSource,
    out?: Float32Array,
  ): StepResult {
    this.initStepIndex(timestep);
    const i = this.currentIndex();
    let prevSample: Float32Array;
    if (this.firstSample === null) {
      const sigma = this.sigmas[i]!;
      const interpol = this.sigmasInterpol[i + 1]!;
      const x0 = this.predict(modelOutput, sample, sigma);
      this.keepFirst(sample);
      prevSample = this.update(sample, sample, x0, sigma, f(interpol - sigma), out);
    } else {
      const sigma = this.sigmas[i - 1]!;
      const interpol = this.sigmasInterpol[i]!;
      const x0 = this.predict(modelOutput, sample, interpol);
      prevSample = this.update(this.firstSample, sample, x0, interpol, f(this.sigmas[i]! - sigma), out);
      this.firstSample = null;
    }
    this.stepIndex = i + 1;
    return { prevSample };
  }
}

export class Kdpm2AncestralScheduler extends Kdpm2Base {
  readonly name: string = 'k_dpm_2_a';
  override readonly stochastic = true;
  private sigmasUp: number[] = [];
  private sigmasDown: number[] = [];

  setTimesteps(numInferenceSteps: number): void {
    const plan = planSigmas({ ...this.config, final_sigmas_type: 'zero' }, this.train, numInferenceSteps, {
      useConfigRange: true,
      roundTimesteps: true,
    });
    const s = plan.sigmas;
    const next = s.map((_, k) => (k + 1 < s.length ? s[k + 1]! : 0));
    const up = s.map((x, k) => {
      const x2 = f(x * x);
      const n2 = f(next[k]! * next[k]!);
      return f(Math.sqrt(f(f(n2 * f(x2 - n2)) / x2)));
    });
    const down = s.map((_, k) =>
      k === s.length - 1 ? 0 : f(Math.sqrt(f(f(next[k]! * next[k]!) - f(up[k]! * up[k]!)))),
    );
    const interpol = s.map((x, k) => (k >= s.length - 2 ? 0 : geometricMid(x, down[k]!)));
    this.sigmas = interleave(s);
    this.sigmasInterpol = interleave(interpol);
    this.sigmasUp = interleave(up);
    this.sigmasDown = interleave(down);
    const tInterpol = this.interpolTimesteps(interpol);
    const t = plan.timesteps;
    this.timesteps = [t[0]!, ...t.slice(1).flatMap((x, k) => [tInterpol[k]!, x])];
    this.firstSample = null;
    this.resetState();
  }

  protected interpolForInput(index: number): number {
    return this.sigmasInterpol[index - 1]!;
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    rng?: NormalSource,
    out?: Float32Array,
  ): StepResult {
    this.initStepIndex(timestep);
    const i = this.currentIndex();
    let prevSample: Float32Array;
    if (this.firstSample === null) {
      const sigma = this.sigmas[i]!;
      const interpol = this.sigmasInterpol[i]!;
      const x0 = this.predict(modelOutput, sample, sigma);
      this.keepFirst(sample);
      prevSample = this.update(sample, sample, x0, sigma, f(interpol - sigma), out);
    } else {
      const sigma = this.sigmas[i - 1]!;
      const interpol = this.sigmasInterpol[i - 1]!;
      const up = this.sigmasUp[i - 1]!;
      const down = this.sigmasDown[i - 1]!;
      const x0 = this.predict(modelOutput, sample, interpol);
      prevSample = this.update(this.firstSample, sample, x0, interpol, f(down - sigma), out);
      if (up > 0)
        addScaledNoise(prevSample, requireNoise(rng, this.name).normal(sample.length), up, prevSample);
      this.firstSample = null;
    }
    this.stepIndex = i + 1;
    return { prevSample };
  }
}
