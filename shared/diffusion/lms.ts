// Linear multistep (k_lms), after diffusers' LMSDiscreteScheduler (order 4). The coefficients are
// integrals of Lagrange basis polynomials of degree ≤ 3, so 4-point Gauss–Legendre is exact (diffusers
// uses scipy's adaptive quad for the same integrals).

import { ownBuffer, planSigmas, predictX0, SigmaScheduler } from './sigma-base';
import { outputFor, type NormalSource, type StepResult } from './types';

const f = Math.fround;
const GL_NODES = [-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526];
const GL_WEIGHTS = [0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538];

export class LmsScheduler extends SigmaScheduler {
  readonly name: string = 'k_lms';
  private derivatives: Float32Array[] = [];
  private readonly maxOrder = 4;
  private x0: Float32Array | null = null;
  private acc: Float32Array | null = null;

  setTimesteps(numInferenceSteps: number): void {
    const plan = planSigmas(this.config, this.train, numInferenceSteps, {
      useConfigRange: false,
      roundTimesteps: false,
    });
    this.timesteps = plan.timesteps;
    this.sigmas = plan.sigmas;
    this.derivatives = [];
    this.resetState();
  }

  /** ∫ from σ_t to σ_{t+1} of the Lagrange basis polynomial of node `current` over σ_t … σ_{t−order+1}. */
  private coefficient(order: number, t: number, current: number): number {
    const s = this.sigmas;
    const basis = (tau: number): number => {
      let prod = 1;
      for (let k = 0; k < order; k += 1) {
        if (k === current) continue;
        prod *= (tau - s[t - k]!) / (s[t - current]! - s[t - k]!);
      }
      return prod;
    };
    const a = s[t]!;
    const b = s[t + 1]!;
    const half = (b - a) / 2;
    const mid = (a + b) / 2;
    let sum = 0;
    for (let i = 0; i < GL_NODES.length; i += 1) sum += GL_WEIGHTS[i]! * basis(mid + half * GL_NODES[i]!);
    return sum * half;
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
    const sigma = this.sigmas[i]!;
    this.x0 = predictX0(this.config, modelOutput, sample, sigma, ownBuffer(this.x0, n));
    const x0 = this.x0;
    // The oldest derivative's buffer is reused once four are kept.
    const derivative = ownBuffer(
      this.derivatives.length >= this.maxOrder ? this.derivatives.shift()! : null,
      n,
    );
    for (let k = 0; k < n; k += 1) derivative[k] = f(f(sample[k]! - x0[k]!) / sigma);
    this.derivatives.push(derivative);
    const order = Math.min(i + 1, this.maxOrder);
    const prevSample = outputFor(n, out);
    const acc = ownBuffer(this.acc, n);
    this.acc = acc;
    acc.fill(0);
    // diffusers zips the order-`order` coefficients with the derivatives it has, so after a start
    // mid-schedule (img2img) only the first few coefficients are used.
    const terms = Math.min(order, this.derivatives.length);
    for (let c = 0; c < terms; c += 1) {
      const coeff = this.coefficient(order, i, c);
      const d = this.derivatives[this.derivatives.length - 1 - c]!;
      for (let k = 0; k < n; k += 1) acc[k] = f(acc[k]! + f(coeff * d[k]!));
    }
    for (let k = 0; k < n; k += 1) prevSample[k] = f(sample[k]! + acc[k]!);
    this.stepIndex = i + 1;
    return { prevSample };
  }
}
