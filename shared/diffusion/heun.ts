// Heun (k_heun), after diffusers' HeunDiscreteScheduler: each inference step is an Euler step
// followed by a correction, so timesteps interleave and the UNet runs 2n − 1 times.

import { ownBuffer, planSigmas, predictX0, SigmaScheduler } from './sigma-base';
import { outputFor, type NormalSource, type StepResult } from './types';

const f = Math.fround;

export class HeunScheduler extends SigmaScheduler {
  readonly name: string = 'k_heun';
  override readonly order = 2;
  private prevDerivative: Float32Array | null = null;
  private dt: number | null = null;
  /** The sample the first half started from, copied (the caller may reuse its buffer). */
  private firstSample: Float32Array | null = null;
  private x0: Float32Array | null = null;

  setTimesteps(numInferenceSteps: number): void {
    const plan = planSigmas(this.config, this.train, numInferenceSteps);
    const s = plan.sigmas;
    this.sigmas = [s[0]!, ...s.slice(1, -1).flatMap((x) => [x, x]), s[s.length - 1]!];
    const t = plan.timesteps;
    this.timesteps = [t[0]!, ...t.slice(1).flatMap((x) => [x, x])];
    this.dt = null;
    this.resetState();
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
    const n = sample.length;
    const first = this.dt === null;
    const sigma = first ? this.sigmas[i]! : this.sigmas[i - 1]!;
    const sigmaNext = first ? this.sigmas[i + 1]! : this.sigmas[i]!;
    this.x0 = predictX0(this.config, modelOutput, sample, first ? sigma : sigmaNext, ownBuffer(this.x0, n));
    const x0 = this.x0;
    const prevSample = outputFor(n, out);
    if (first || this.prevDerivative === null || this.firstSample === null) {
      const dt = f(sigmaNext - sigma);
      const derivative = ownBuffer(this.prevDerivative, n);
      const base = ownBuffer(this.firstSample, n);
      for (let k = 0; k < n; k += 1) {
        const s = sample[k]!;
        derivative[k] = f(f(s - x0[k]!) / sigma);
        base[k] = s;
        prevSample[k] = f(s + f(derivative[k]! * dt));
      }
      this.prevDerivative = derivative;
      this.dt = dt;
      this.firstSample = base;
    } else {
      const dt = this.dt ?? 0;
      const base = this.firstSample;
      const prev = this.prevDerivative;
      for (let k = 0; k < n; k += 1) {
        const d = f(f(f(sample[k]! - x0[k]!) / sigmaNext) + prev[k]!);
        prevSample[k] = f(base[k]! + f(f(d / 2) * dt));
      }
      this.dt = null;
    }
    this.stepIndex = i + 1;
    return { prevSample };
  }
}
