/**
 * The ranges of a text request's parameters, as the AI Horde server states them
 * (horde/apis/models/kobold_v2.py). Stated once: the zod schemas in text.ts are built from them,
 * and the renderer's request form takes its limits from here, so the form never lets through
 * what the horde would refuse.
 */
export interface Bound {
  min: number;
  max: number;
  /** Whole numbers only. */
  int: boolean;
}

const real = (min: number, max: number): Bound => ({ min, max, int: false });
const int = (min: number, max: number): Bound => ({ min, max, int: true });

export const TEXT_SAMPLER_BOUNDS = {
  temperature: real(0, 5),
  top_k: int(0, 200),
  top_p: real(0.001, 1),
  top_a: real(0, 1),
  typical: real(0, 1),
  tfs: real(0, 1),
  min_p: real(0, 1),
  rep_pen: real(1, 3),
  rep_pen_range: int(0, 4096),
  rep_pen_slope: real(0, 10),
  smoothing_factor: real(0, 10),
  dynatemp_range: real(0, 5),
  dynatemp_exponent: real(0, 5),
} as const satisfies Record<string, Bound>;

/** Size of a request: how many generations, how much context, how many new tokens. */
export const TEXT_SIZE_BOUNDS = {
  n: int(1, 20),
  max_context_length: int(80, 1048576),
  max_length: int(16, 4096),
} as const satisfies Record<string, Bound>;

export const TEXT_PARAM_BOUNDS = { ...TEXT_SAMPLER_BOUNDS, ...TEXT_SIZE_BOUNDS };
export type TextParamName = keyof typeof TEXT_PARAM_BOUNDS;
