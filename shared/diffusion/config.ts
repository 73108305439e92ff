// Scheduler configuration with diffusers' keys (a model's `scheduler/scheduler_config.json` can be
// passed as it is: keys that belong to other schedulers are ignored, as diffusers' from_config does).

import { z } from 'zod';

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';
export type TimestepSpacing = 'linspace' | 'leading' | 'trailing';

export interface SchedulerConfig {
  num_train_timesteps?: number;
  beta_start?: number;
  beta_end?: number;
  beta_schedule?: BetaSchedule;
  trained_betas?: number[];
  prediction_type?: PredictionType;
  timestep_spacing?: TimestepSpacing;
  steps_offset?: number;
  use_karras_sigmas?: boolean;
  sigma_min?: number | null;
  sigma_max?: number | null;
  final_sigmas_type?: 'zero' | 'sigma_min';
  clip_sample?: boolean;
  clip_sample_range?: number;
  set_alpha_to_one?: boolean;
  solver_order?: number;
  algorithm_type?: 'dpmsolver++' | 'dpmsolver';
  solver_type?: 'midpoint' | 'heun';
  lower_order_final?: boolean;
  euler_at_final?: boolean;
  original_inference_steps?: number;
  timestep_scaling?: number;
}

const schema = z
  .object({
    num_train_timesteps: z.number().int().min(2).max(100_000),
    beta_start: z.number().positive().lt(1),
    beta_end: z.number().positive().lt(1),
    beta_schedule: z.enum(['linear', 'scaled_linear', 'squaredcos_cap_v2']),
    trained_betas: z.array(z.number().positive().lt(1)).nullable(),
    prediction_type: z.enum(['epsilon', 'v_prediction', 'sample']),
    timestep_spacing: z.enum(['linspace', 'leading', 'trailing']),
    steps_offset: z.number().int().min(0),
    use_karras_sigmas: z.boolean().nullable(),
    sigma_min: z.number().positive().nullable(),
    sigma_max: z.number().positive().nullable(),
    final_sigmas_type: z.enum(['zero', 'sigma_min']),
    clip_sample: z.boolean(),
    clip_sample_range: z.number().positive(),
    set_alpha_to_one: z.boolean(),
    solver_order: z.number().int().min(1).max(3),
    algorithm_type: z.enum(['dpmsolver++', 'dpmsolver']),
    solver_type: z.enum(['midpoint', 'heun']),
    lower_order_final: z.boolean(),
    euler_at_final: z.boolean(),
    original_inference_steps: z.number().int().min(1),
    timestep_scaling: z.number().positive(),
    rescale_betas_zero_snr: z.literal(false),
    thresholding: z.literal(false),
  })
  .partial();

/** Full configuration, with each scheduler's own defaults applied by the caller. */
export type ResolvedConfig = Required<Omit<SchedulerConfig, 'sigma_min' | 'sigma_max'>> & {
  sigma_min: number | null;
  sigma_max: number | null;
};

export class SchedulerConfigError extends Error {
  override name = 'SchedulerConfigError';
}

/** Common defaults (diffusers' EulerDiscreteScheduler); each scheduler overrides a few. */
export const BASE_DEFAULTS: ResolvedConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  trained_betas: [],
  prediction_type: 'epsilon',
  timestep_spacing: 'linspace',
  steps_offset: 0,
  use_karras_sigmas: false,
  sigma_min: null,
  sigma_max: null,
  final_sigmas_type: 'zero',
  clip_sample: false,
  clip_sample_range: 1,
  set_alpha_to_one: true,
  solver_order: 2,
  algorithm_type: 'dpmsolver++',
  solver_type: 'midpoint',
  lower_order_final: true,
  euler_at_final: false,
  original_inference_steps: 50,
  timestep_scaling: 10,
};

/**
 * Validates the keys we understand and drops the others. Settings we do not implement
 * (`rescale_betas_zero_snr`, `thresholding`) are refused rather than silently ignored.
 */
export function resolveConfig(
  input: Readonly<Record<string, unknown>>,
  defaults: Partial<ResolvedConfig> = {},
): ResolvedConfig {
  const known: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = input[key]!;
    if (value !== undefined) known[key] = value;
  }
  if (known.trained_betas === null) delete known.trained_betas;
  if (known.use_karras_sigmas === null) delete known.use_karras_sigmas;
  const parsed = schema.safeParse(known);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SchedulerConfigError(`scheduler config: ${issue.path.join('.')}: ${issue.message}`);
  }
  const { rescale_betas_zero_snr: _r, thresholding: _t, ...rest } = parsed.data;
  const merged = { ...BASE_DEFAULTS, ...defaults, ...rest } as ResolvedConfig;
  if (merged.beta_end < merged.beta_start)
    throw new SchedulerConfigError('scheduler config: beta_end < beta_start');
  return merged;
}
