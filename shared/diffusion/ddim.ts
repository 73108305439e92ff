// DDIM with η = 0 (deterministic), after diffusers' DDIMScheduler.

import { AlphaScheduler, checkSteps } from './alpha-base';
import { npLinspace, roundHalfEven } from './schedule';
import { outputFor, SchedulerStateError, type NormalSource, type Scheduler, type StepResult } from './types';

const f = Math.fround;

export class DdimScheduler extends AlphaScheduler implements Scheduler {
  readonly name: string = 'DDIM';
  readonly stochastic = false;
  private numInferenceSteps = 0;

  constructor(input: Readonly<Record<string, unknown>>) {
    super(input, { timestep_spacing: 'leading', clip_sample: true, set_alpha_to_one: true });
  }

  setTimesteps(n: number): void {
    checkSteps(this.config, n);
    const train = this.config.num_train_timesteps;
    this.numInferenceSteps = n;
    const spacing = this.config.timestep_spacing;
    if (spacing === 'linspace') {
      this.timesteps = npLinspace(0, train - 1, n)
        .map(roundHalfEven)
        .reverse();
    } else if (spacing === 'leading') {
      const ratio = Math.floor(train / n);
      this.timesteps = Array.from({ length: n }, (_, i) => (n - 1 - i) * ratio + this.config.steps_offset);
    } else {
      const ratio = train / n;
      this.timesteps = Array.from(
        { length: Math.ceil(train / ratio) },
        (_, i) => roundHalfEven(train - i * ratio) - 1,
      );
    }
  }

  setBeginIndex(): void {
    // DDIM finds its place from the timestep alone.
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _rng?: NormalSource,
    out?: Float32Array,
  ): StepResult {
    if (this.numInferenceSteps === 0) throw new SchedulerStateError('call setTimesteps before step');
    const prev = timestep - Math.floor(this.config.num_train_timesteps / this.numInferenceSteps);
    const alpha = this.alphaAt(timestep);
    const alphaPrev = this.alphaAt(prev);
    const [x0, eps] = this.predict(modelOutput, sample, alpha);
    const dirScale = f(Math.sqrt(f(1 - alphaPrev)));
    const x0Scale = f(Math.sqrt(alphaPrev));
    const prevSample = outputFor(sample.length, out);
    for (let i = 0; i < sample.length; i += 1) prevSample[i] = f(f(x0Scale * x0[i]!) + f(dirScale * eps[i]!));
    return { prevSample };
  }
}
