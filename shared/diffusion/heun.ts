// Heun (k_heun), after diffusers' HeunDiscreteScheduler: each inference step is an Euler step
// followed by a correction, so timesteps interleave and the UNet runs 2n − 1 times.

import { planSigmas, predictX0, SigmaScheduler } from './sigma-base';
import type { StepResult } from './types';

const f = Math.fround;

export class HeunScheduler extends SigmaScheduler {
  readonly name: string = 'k_heun';
  override readonly order = 2;
  private prevDerivative: Float32Array | null = null;
  private dt: number | null = null;
  private firstSample: Float32Array | null = null;

  setTimesteps(numInferenceSteps: number): void {
    const plan = planSigmas(this.config, this.train, numInferenceSteps);
    const s = plan.sigmas;
    this.sigmas = [s[0]!, ...s.slice(1, -1).flatMap((x) => [x, x]), s[s.length - 1]!];
    const t = plan.timesteps;
    this.timesteps = [t[0]!, ...t.slice(1).flatMap((x) => [x, x])];
    this.prevDerivative = null;
    this.dt = null;
    this.firstSample = null;
    this.resetState();
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): StepResult {
    this.initStepIndex(timestep);
    const i = this.currentIndex();
    const first = this.dt === null;
    const sigma = first ? this.sigmas[i]! : this.sigmas[i - 1]!;
    const sigmaNext = first ? this.sigmas[i + 1]! : this.sigmas[i]!;
    const x0 = predictX0(this.config, modelOutput, sample, first ? sigma : sigmaNext);
    const prevSample = new Float32Array(sample.length);
    if (first || this.prevDerivative === null || this.firstSample === null) {
      const dt = f(sigmaNext - sigma);
      const derivative = new Float32Array(sample.length);
      for (let k = 0; k < sample.length; k += 1) {
        derivative[k] = f(f(sample[k]! - x0[k]!) / sigma);
        prevSample[k] = f(sample[k]! + f(derivative[k]! * dt));
      }
      this.prevDerivative = derivative;
      this.dt = dt;
      this.firstSample = sample;
    } else {
      const dt = this.dt ?? 0;
      const base = this.firstSample;
      for (let k = 0; k < sample.length; k += 1) {
        const d = f(f(f(sample[k]! - x0[k]!) / sigmaNext) + this.prevDerivative[k]!);
        prevSample[k] = f(base[k]! + f(f(d / 2) * dt));
      }
      this.prevDerivative = null;
      this.dt = null;
      this.firstSample = null;
    }
    this.stepIndex = i + 1;
    return { prevSample };
  }
}
