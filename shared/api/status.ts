import { z } from 'zod';

/** `/v2/status/*` bodies, from horde/apis/models/v2.py. */

export const Heartbeat = z.object({ message: z.string(), version: z.string() });

/** `GET /v2/status/models` items (ActiveModel). Query `type=text|image`. */
export const ActiveModel = z.object({
  name: z.string(),
  count: z.int(),
  performance: z.number(),
  queued: z.number(),
  jobs: z.number(),
  eta: z.int(),
  type: z.enum(['image', 'text']),
});
export type ActiveModel = z.infer<typeof ActiveModel>;

/** `GET /v2/status/performance` (HordePerformance). */
export const HordePerformance = z.object({
  queued_requests: z.int(),
  queued_text_requests: z.int(),
  worker_count: z.int(),
  text_worker_count: z.int(),
  thread_count: z.int(),
  text_thread_count: z.int(),
  queued_forms: z.int(),
  interrogator_count: z.int(),
  interrogator_thread_count: z.int(),
  queued_tokens: z.number(),
  past_minute_tokens: z.number(),
  queued_megapixelsteps: z.number(),
  past_minute_megapixelsteps: z.number(),
});
export type HordePerformance = z.infer<typeof HordePerformance>;
