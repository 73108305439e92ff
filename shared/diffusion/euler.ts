// Euler (k_euler) and Euler ancestral (k_euler_a), after diffusers' EulerDiscreteScheduler and
// EulerAncestralDiscreteScheduler (s_churn = 0: plain Euler draws no noise).

import { addScaledNoise, eulerStep, planSigmas, SigmaScheduler } from './sigma-base';
import { requireNoise, type NormalSource, type StepResult } from './types';

const f = Math.fround;

export class EulerScheduler extends SigmaScheduler {
  readonly name: string = 'k_euler';

  setTimesteps(numInferenceSteps: number): void {
    const plan = planSigmas(this.config, this.train, numInferenceSteps);
    this.timesteps = plan.timesteps;
    this.sigmas = plan.sigmas;
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
    const sigma = this.sigmas[i]!;
    const dt = f(this.sigmas[i + 1]! - sigma);
    const prevSample = eulerStep(this.config, modelOutput, sample, sigma, dt, out);
    this.stepIndex = i + 1;
    return { prevSample };
  }
}

export class EulerAncestralScheduler extends SigmaScheduler {
  readonly name: string = 'k_euler_a';
  override readonly stochastic = true;

  setTimesteps(numInferenceSteps: number): void {
    // diffusers' EulerAncestral has no Karras option and always ends at σ = 0.
    const plan = planSigmas(
      { ...this.config, use_karras_sigmas: false, final_sigmas_type: 'zero' },
      this.train,
      numInferenceSteps,
    );
    this.timesteps = plan.timesteps;
    this.sigmas = plan.sigmas;
    this.resetState();
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
    const from = this.sigmas[i]!;
    const to = this.sigmas[i + 1]!;
    const from2 = f(from * from);
    const to2 = f(to * to);
    const up = f(Math.sqrt(f(f(to2 * f(from2 - to2)) / from2)));
    const down = f(Math.sqrt(f(to2 - f(up * up))));
    const prevSample = eulerStep(this.config, modelOutput, sample, from, f(down - from), out);
    // With σ_next = 0 (the last step, and every step of one-step SD-Turbo) σ_up is 0: no noise drawn.
    if (up > 0)
      addScaledNoise(prevSample, requireNoise(rng, this.name).normal(sample.length), up, prevSample);
    this.stepIndex = i + 1;
    return { prevSample };
  }
}
