import { z } from 'zod';

/** Worker bodies, from horde/apis/models/v2.py (WorkerDetails, ModifyWorkerInput). */

export const WorkerType = z.enum(['image', 'text', 'interrogation']);

/** `GET /v2/workers` items and `GET /v2/workers/{id}`. */
export const WorkerDetails = z.object({
  type: WorkerType,
  name: z.string(),
  id: z.string(),
  online: z.boolean(),
  requests_fulfilled: z.int(),
  kudos_rewards: z.number(),
  kudos_details: z.object({ generated: z.number(), uptime: z.number() }),
  performance: z.string(),
  threads: z.int(),
  uptime: z.int(),
  maintenance_mode: z.boolean(),
  /** Why the worker is in maintenance (shown only to its owner on the AI Horde). */
  maintenance_msg: z.string().optional(),
  paused: z.boolean(),
  info: z.string().nullable(),
  nsfw: z.boolean(),
  owner: z.string().optional(),
  trusted: z.boolean(),
  flagged: z.boolean(),
  uncompleted_jobs: z.int(),
  models: z.array(z.string()),
  forms: z.array(z.string()),
  team: z.object({ name: z.string().nullable(), id: z.string().nullable() }),
  bridge_agent: z.string(),
  max_length: z.int().optional(),
  max_context_length: z.int().optional(),
  tokens_generated: z.number().optional(),
  /** Image workers (WorkerDetailsStable). */
  max_pixels: z.int().optional(),
  megapixelsteps_generated: z.number().optional(),
  img2img: z.boolean().optional(),
  painting: z.boolean().optional(),
  'post-processing': z.boolean().optional(),
  lora: z.boolean().optional(),
  controlnet: z.boolean().optional(),
  messages: z.array(z.object({ id: z.string().optional(), message: z.string() })).optional(),
});
export type WorkerDetails = z.infer<typeof WorkerDetails>;

/** `PUT /v2/workers/{id}` body; at least one field. */
export const ModifyWorkerInput = z.object({
  maintenance: z.boolean().optional(),
  maintenance_msg: z.string().max(1000).optional(),
  paused: z.boolean().optional(),
  info: z.string().max(1000).optional(),
  name: z.string().trim().min(1).max(100).optional(),
  team: z.string().optional(),
});
export type ModifyWorkerInput = z.input<typeof ModifyWorkerInput>;

/** `PUT /v2/workers/{id}` answer: the fields that changed. */
export const ModifyWorker = z.object({
  maintenance: z.boolean().optional(),
  paused: z.boolean().optional(),
  info: z.string().optional(),
  name: z.string().optional(),
  team: z.string().optional(),
});
export type ModifyWorker = z.infer<typeof ModifyWorker>;
