// The scheduler interface, modeled on diffusers' so that its test loops port one to one.

/** A source of standard normal float32 values (see `random.ts` for ours). */
export interface NormalSource {
  /** `length` independent N(0, 1) draws. */
  normal(length: number): Float32Array;
}

export interface StepResult {
  readonly prevSample: Float32Array;
}

export interface Scheduler {
  /** The AI Horde sampler name this scheduler implements. */
  readonly name: string;
  /** UNet calls per inference step (2 for Heun and KDPM2, whose timesteps interleave). */
  readonly order: number;
  /** Timesteps to feed the UNet, in order; set by `setTimesteps`. */
  readonly timesteps: readonly number[];
  /** Standard deviation to scale the initial Gaussian latents by. */
  readonly initNoiseSigma: number;
  /** Whether `step` draws noise (and so needs a `NormalSource`). */
  readonly stochastic: boolean;
  setTimesteps(numInferenceSteps: number): void;
  /** Start the step counter at `timesteps[index]!` (img2img), instead of searching for the timestep. */
  setBeginIndex(index: number): void;
  /**
   * The UNet's input for `sample`. With `out` (another buffer of the same length) the result is
   * written there and `out` returned; without it, a new array (or `sample` itself where no scaling
   * applies).
   */
  scaleModelInput(sample: Float32Array, timestep: number, out?: Float32Array): Float32Array;
  /**
   * One step. With `out` (a buffer of the sample's length that is neither `sample` nor
   * `modelOutput`) `prevSample` is written there, so a loop can alternate two buffers and allocate
   * nothing per step; schedulers copy whatever they keep between steps. Without it, a new array.
   */
  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    rng?: NormalSource,
    out?: Float32Array,
  ): StepResult;
  /** Noise `original` to the level of `timestep` (one timestep for the whole batch). */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
}

export class SchedulerStateError extends Error {
  override name = 'SchedulerStateError';
}

/** diffusers' `index_for_timestep`: the second match when a timestep repeats (interleaved schedules). */
export function indexForTimestep(timesteps: readonly number[], timestep: number): number {
  const matches: number[] = [];
  for (let i = 0; i < timesteps.length && matches.length < 2; i += 1) {
    if (timesteps[i]! === Math.fround(timestep) || timesteps[i]! === timestep) matches.push(i);
  }
  if (matches.length === 0) throw new SchedulerStateError(`timestep ${timestep} is not in this schedule`);
  return matches.length > 1 ? matches[1]! : matches[0]!;
}

export function requireNoise(rng: NormalSource | undefined, name: string): NormalSource {
  if (!rng) throw new SchedulerStateError(`${name} draws noise at every step: pass a NormalSource`);
  return rng;
}

/** `out` when given (checked against `length`), else a new array of that length. */
export function outputFor(length: number, out?: Float32Array): Float32Array {
  if (!out) return new Float32Array(length);
  if (out.length !== length)
    throw new SchedulerStateError(`output buffer: length ${out.length}, expected ${length}`);
  return out;
}

export function sameLength(a: Float32Array, b: Float32Array, what: string): void {
  if (a.length !== b.length)
    throw new SchedulerStateError(`${what}: lengths ${a.length} and ${b.length} differ`);
}
