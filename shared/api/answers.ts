import { z } from 'zod';

/**
 * What the client reads back from a horde: only the fields the app uses, each
 * with a default where the public AI Horde may leave it out, so a new or
 * missing field upstream degrades a screen instead of failing the call.
 * (shared/api has the full, strict bodies the embedded horde writes; routes.ts pairs
 * each route's strict answer with its reader here and checks at compile time that they fit.)
 */

export const UserAnswer = z.object({
  username: z.string(),
  id: z.number(),
  kudos: z.number(),
  evaluating_kudos: z.number().default(0),
  /** The embedded horde's anti-hoarding cap; the public AI Horde has none. */
  kudos_cap: z.number().optional(),
  worker_ids: z.array(z.string()).nullable().default([]),
  worker_count: z.number().default(0),
  /** Ids of the user's requests the horde still holds: what the app reattaches after a restart. */
  active_generations: z
    .object({
      text: z.array(z.string()).default([]),
      image: z.array(z.string()).default([]),
      alchemy: z.array(z.string()).default([]),
    })
    .partial()
    .optional(),
  /** `gifted`: kudos sent to others, all time: how the app checks an in-flight transfer on a horde without idempotency. */
  kudos_details: z
    .object({ gifted: z.number().default(0) })
    .partial()
    .optional(),
});
export type UserAnswer = z.infer<typeof UserAnswer>;

export const AsyncAnswer = z.object({
  id: z.string().nullish(),
  kudos: z.number().nullish(),
  message: z.string().nullish(),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })).nullish(),
});
export type AsyncAnswer = z.infer<typeof AsyncAnswer>;

export const TextStatusAnswer = z.object({
  finished: z.number().default(0),
  processing: z.number().default(0),
  restarted: z.number().default(0),
  waiting: z.number().default(0),
  done: z.boolean().default(false),
  faulted: z.boolean().default(false),
  wait_time: z.number().default(0),
  queue_position: z.number().default(0),
  kudos: z.number().default(0),
  is_possible: z.boolean().default(true),
  generations: z
    .array(
      z.object({
        text: z.string().default(''),
        model: z.string().default(''),
        worker_id: z.string().default(''),
        worker_name: z.string().default(''),
        state: z.enum(['ok', 'censored', 'faulted', 'csam']).catch('ok'),
        seed: z.coerce.number().catch(0),
      }),
    )
    .default([]),
});
export type TextStatusAnswer = z.infer<typeof TextStatusAnswer>;

export const InterrogateStatusAnswer = z.object({
  state: z.string().default('waiting'),
  forms: z
    .array(
      z.object({
        form: z.string(),
        state: z.string().default('waiting'),
        // Values are text for caption/nsfw/interrogation and URLs for image forms.
        result: z.record(z.string(), z.unknown()).nullish(),
      }),
    )
    .default([]),
});
export type InterrogateStatusAnswer = z.infer<typeof InterrogateStatusAnswer>;

export const ModelsAnswer = z.array(
  z.object({
    name: z.string(),
    count: z.number().default(0),
    performance: z.number().default(0),
    queued: z.number().default(0),
    jobs: z.number().default(0),
    eta: z.number().default(0),
    type: z.enum(['text', 'image']).catch('text'),
  }),
);
export type ModelsAnswer = z.infer<typeof ModelsAnswer>;

export const WorkerAnswer = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string().default('text'),
  online: z.boolean().default(false),
  maintenance_mode: z.boolean().default(false),
  maintenance_msg: z.string().nullish(),
  kudos_rewards: z.number().default(0),
  kudos_details: z.object({ generated: z.number().default(0), uptime: z.number().default(0) }).default({
    generated: 0,
    uptime: 0,
  }),
  requests_fulfilled: z.number().default(0),
  uptime: z.number().default(0),
});
export type WorkerAnswer = z.infer<typeof WorkerAnswer>;

/** GET /v2/workers?type=text: what each online text worker offers (the AI Horde's field names). */
export const TextWorkersAnswer = z.array(
  z.object({
    online: z.boolean().default(false),
    maintenance_mode: z.boolean().default(false),
    models: z.array(z.string()).default([]),
    max_length: z.number().default(0),
    max_context_length: z.number().default(0),
  }),
);
export type TextWorkersAnswer = z.infer<typeof TextWorkersAnswer>;

export const HeartbeatAnswer = z.object({
  message: z.string().default('OK'),
  version: z.string().default(''),
});

export const PerformanceAnswer = z.object({
  queued_text_requests: z.number().default(0),
  text_thread_count: z.number().default(0),
  /** Image requests queued and image worker threads online (the image upfront rule). */
  queued_requests: z.number().default(0),
  thread_count: z.number().default(0),
  // For the Earn screen's "what earns where": read when the horde gives them.
  text_worker_count: z.number().optional(),
  worker_count: z.number().optional(),
  queued_forms: z.number().optional(),
  interrogator_count: z.number().optional(),
});

/** The worker's read of its owner (find_user): the public AI Horde may leave the rest out. */
export const OwnerRecord = z.object({
  kudos: z.number(),
  evaluating_kudos: z.number().nullish(),
  worker_ids: z.array(z.string()).nullish(),
});
export type OwnerRecord = z.infer<typeof OwnerRecord>;

/** The worker's read of its own worker record: name and maintenance flag. */
export const WorkerRecord = z.object({
  id: z.string(),
  name: z.string(),
  maintenance_mode: z.boolean().nullish(),
  maintenance_msg: z.string().nullish(),
  /** Seconds the horde counted this worker online, all time. */
  uptime: z.number().nonnegative().nullish(),
  /** Kudos the worker earned, all time: for jobs (`generated`) and for being online (`uptime`). */
  kudos_details: z
    .object({ generated: z.number().nullish(), uptime: z.number().nullish() })
    .partial()
    .nullish(),
});
export type WorkerRecord = z.infer<typeof WorkerRecord>;
