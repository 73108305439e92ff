// createScheduler(name, config): the AI Horde sampler names mapped onto our ports of diffusers'
// schedulers. `config` takes diffusers' scheduler_config.json keys.

import { DdimScheduler } from './ddim';
import { DpmSolverMultistepScheduler } from './dpm-multistep';
import { EulerAncestralScheduler, EulerScheduler } from './euler';
import { HeunScheduler } from './heun';
import { Kdpm2AncestralScheduler, Kdpm2Scheduler } from './kdpm2';
import { LcmScheduler } from './lcm';
import { LmsScheduler } from './lms';
import type { Scheduler } from './types';

export const SAMPLERS = [
  'k_euler',
  'k_euler_a',
  'k_lms',
  'k_heun',
  'k_dpm_2',
  'k_dpm_2_a',
  'k_dpmpp_2m',
  'DDIM',
  'lcm',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export function isSampler(name: string): name is SamplerName {
  return (SAMPLERS as readonly string[]).includes(name);
}

export class UnknownSamplerError extends Error {
  override name = 'UnknownSamplerError';
}

type Config = Readonly<Record<string, unknown>>;
const FACTORIES: Record<SamplerName, (config: Config) => Scheduler> = {
  k_euler: (c) => new EulerScheduler(c),
  k_euler_a: (c) => new EulerAncestralScheduler(c),
  k_lms: (c) => new LmsScheduler(c),
  k_heun: (c) => new HeunScheduler(c),
  k_dpm_2: (c) => new Kdpm2Scheduler(c),
  k_dpm_2_a: (c) => new Kdpm2AncestralScheduler(c),
  k_dpmpp_2m: (c) => new DpmSolverMultistepScheduler(c),
  DDIM: (c) => new DdimScheduler(c),
  lcm: (c) => new LcmScheduler(c),
};

export function createScheduler(name: string, config: Config = {}): Scheduler {
  const key = name === 'ddim' ? 'DDIM' : name;
  if (!isSampler(key))
    throw new UnknownSamplerError(`unknown sampler "${name}" (known: ${SAMPLERS.join(', ')})`);
  return FACTORIES[key](config);
}

export type { NormalSource, Scheduler, StepResult } from './types';
export { SchedulerStateError } from './types';
export { SchedulerConfigError, type SchedulerConfig } from './config';
export { SeededNormal, Xoshiro128 } from './random';
