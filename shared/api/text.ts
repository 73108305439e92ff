import { z } from 'zod';
import { BridgeAgent, WorkerMessage, WorkerName } from './common';
import { TEXT_SAMPLER_BOUNDS as S, TEXT_SIZE_BOUNDS, type Bound } from './text-bounds';

/**
 * Text generation bodies (the AI Horde's "kobold" routes), field for field
 * from horde/apis/models/kobold_v2.py. Ranges are the server's.
 */

/** A number within its bound (text-bounds.ts). */
const bounded = (b: Bound) => (b.int ? z.int() : z.number()).min(b.min).max(b.max);

/** Sampler settings a requester sends and a worker receives back in the pop payload. */
export const TextSamplerParams = z.object({
  temperature: bounded(S.temperature).optional(),
  top_k: bounded(S.top_k).optional(),
  top_p: bounded(S.top_p).optional(),
  top_a: bounded(S.top_a).optional(),
  typical: bounded(S.typical).optional(),
  tfs: bounded(S.tfs).optional(),
  min_p: bounded(S.min_p).optional(),
  rep_pen: bounded(S.rep_pen).optional(),
  rep_pen_range: bounded(S.rep_pen_range).optional(),
  rep_pen_slope: bounded(S.rep_pen_slope).optional(),
  smoothing_factor: bounded(S.smoothing_factor).optional(),
  dynatemp_range: bounded(S.dynatemp_range).optional(),
  dynatemp_exponent: bounded(S.dynatemp_exponent).optional(),
  sampler_order: z.array(z.int()).optional(),
  // Counted (distinct, 128 at most, 2000 characters in all) by the horde's validator, as the AI Horde does.
  stop_sequence: z.array(z.string()).optional(),
  use_default_badwordsids: z.boolean().optional(),
  singleline: z.boolean().optional(),
  frmtadsnsp: z.boolean().optional(),
  frmtrmblln: z.boolean().optional(),
  frmtrmspch: z.boolean().optional(),
  frmttriminc: z.boolean().optional(),
});

export const TextGenParams = TextSamplerParams.extend({
  n: bounded(TEXT_SIZE_BOUNDS.n).default(1),
  max_context_length: bounded(TEXT_SIZE_BOUNDS.max_context_length).default(2048),
  max_length: bounded(TEXT_SIZE_BOUNDS.max_length).default(80),
});
export type TextGenParams = z.infer<typeof TextGenParams>;

/** `POST /v2/generate/text/async` body (GenerationInputKobold). */
export const TextAsyncInput = z.object({
  prompt: z.string(),
  params: TextGenParams.default({ n: 1, max_context_length: 2048, max_length: 80 }),
  softprompt: z.string().max(255).optional(),
  trusted_workers: z.boolean().default(false),
  validated_backends: z.boolean().default(true),
  slow_workers: z.boolean().default(true),
  extra_slow_workers: z.boolean().default(false),
  workers: z.array(z.string()).max(5).default([]),
  worker_blacklist: z.boolean().default(false),
  models: z.array(z.string()).default([]),
  dry_run: z.boolean().default(false),
  proxied_account: z.string().optional(),
  disable_batching: z.boolean().default(false),
  allow_downgrade: z.boolean().default(false),
  webhook: z.string().optional(),
  style: z.string().optional(),
  extra_source_images: z.array(z.object({ image: z.string(), strength: z.number().optional() })).optional(),
});
export type TextAsyncInput = z.input<typeof TextAsyncInput>;
export type TextAsyncParsed = z.output<typeof TextAsyncInput>;

/** One finished text generation in a status answer. */
export const TextGeneration = z.object({
  worker_id: z.string(),
  worker_name: z.string(),
  model: z.string(),
  state: z.enum(['ok', 'censored', 'faulted', 'csam']),
  text: z.string(),
  seed: z.number(),
  gen_metadata: z
    .array(z.object({ type: z.string(), value: z.string(), ref: z.string().optional() }))
    .optional(),
});
export type TextGeneration = z.infer<typeof TextGeneration>;

/** `GET|DELETE /v2/generate/text/status/{id}` answer (RequestStatusKobold). */
export const TextStatus = z.object({
  finished: z.int(),
  processing: z.int(),
  restarted: z.int(),
  waiting: z.int(),
  done: z.boolean(),
  faulted: z.boolean(),
  wait_time: z.int(),
  queue_position: z.int(),
  kudos: z.number(),
  is_possible: z.boolean(),
  generations: z.array(TextGeneration),
});
export type TextStatus = z.infer<typeof TextStatus>;

/** `POST /v2/generate/text/pop` body (PopInput + PopInputKobold). */
export const TextPopInput = z.object({
  name: WorkerName,
  priority_usernames: z.array(z.string()).default([]),
  nsfw: z.boolean().default(false),
  models: z.array(z.string().min(1).max(255)).default([]),
  bridge_agent: BridgeAgent,
  threads: z.int().min(1).max(50).default(1),
  require_upfront_kudos: z.boolean().default(false),
  amount: z.int().min(1).max(20).default(1),
  extra_slow_worker: z.boolean().default(false),
  max_length: z.int().min(1).default(512),
  max_context_length: z.int().min(1).default(2048),
  softprompts: z.array(z.string()).default([]),
});
export type TextPopInput = z.input<typeof TextPopInput>;

export const TextJobPayload = TextSamplerParams.extend({
  prompt: z.string(),
  n: z.int(),
  max_context_length: z.int(),
  max_length: z.int(),
});
export type TextJobPayload = z.infer<typeof TextJobPayload>;

export const TextPopSkipped = z.object({
  worker_id: z.int().optional(),
  performance: z.int().optional(),
  nsfw: z.int().optional(),
  blacklist: z.int().optional(),
  untrusted: z.int().optional(),
  models: z.int().optional(),
  bridge_version: z.int().optional(),
  kudos: z.int().optional(),
  max_context_length: z.int().optional(),
  max_length: z.int().optional(),
  matching_softprompt: z.int().optional(),
});

/**
 * `POST /v2/generate/text/pop` answer (GenerationPayloadKobold). With no job:
 * `{id: null, ids: [], skipped, messages}`.
 */
export const TextPopPayload = z.object({
  payload: TextJobPayload.optional(),
  id: z.string().nullable(),
  ids: z.array(z.string()),
  skipped: TextPopSkipped.optional(),
  messages: z.array(WorkerMessage).optional(),
  softprompt: z.string().nullable().optional(),
  model: z.string().optional(),
  ttl: z.int().optional(),
});
export type TextPopPayload = z.infer<typeof TextPopPayload>;

/** `POST /v2/generate/text/submit` body. */
export const TextSubmitInput = z.object({
  id: z.string().min(1),
  generation: z.string(),
  state: z.enum(['ok', 'censored', 'faulted', 'csam']).default('ok'),
  gen_metadata: z
    .array(z.object({ type: z.string(), value: z.string(), ref: z.string().max(255).optional() }))
    .max(50)
    .optional(),
  seed: z.int().default(0),
});
export type TextSubmitInput = z.input<typeof TextSubmitInput>;
