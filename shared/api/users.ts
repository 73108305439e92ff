import { z } from 'zod';

/** User and kudos bodies, from horde/apis/models/v2.py (UserDetails, KudosTransferred). */

export const KudosDetails = z.object({
  accumulated: z.number(),
  gifted: z.number(),
  donated: z.number(),
  admin: z.number(),
  received: z.number(),
  recurring: z.number(),
  awarded: z.number(),
  styled: z.number(),
});

export const UserRecords = z.object({
  usage: z.object({ megapixelsteps: z.number(), tokens: z.number() }),
  contribution: z.object({ megapixelsteps: z.number(), tokens: z.number() }),
  fulfillment: z.object({ image: z.number(), text: z.number(), interrogation: z.number() }),
  request: z.object({ image: z.number(), text: z.number(), interrogation: z.number() }),
});

/** `GET /v2/find_user` and `GET /v2/users/{id}` answer (the fields this horde fills). */
export const UserDetails = z.object({
  username: z.string(),
  id: z.int(),
  kudos: z.number(),
  evaluating_kudos: z.number(),
  /** The embedded horde's anti-hoarding cap on a user's kudos (not an AI Horde field; absent without a cap). */
  kudos_cap: z.number().optional(),
  concurrency: z.int(),
  worker_invited: z.int(),
  moderator: z.boolean(),
  kudos_details: KudosDetails,
  worker_count: z.int(),
  worker_ids: z.array(z.string()),
  sharedkey_ids: z.array(z.string()),
  active_generations: z
    .object({ text: z.array(z.string()), image: z.array(z.string()), alchemy: z.array(z.string()) })
    .optional(),
  monthly_kudos: z.object({ amount: z.number(), last_received: z.string().nullable() }),
  trusted: z.boolean(),
  flagged: z.boolean(),
  vpn: z.boolean(),
  service: z.boolean(),
  education: z.boolean(),
  special: z.boolean(),
  pseudonymous: z.boolean(),
  account_age: z.int(),
  records: UserRecords,
});
export type UserDetails = z.infer<typeof UserDetails>;

/** `POST /v2/kudos/transfer` body. `Idempotency-Key` header makes retries apply once. */
/** More kudos than any account could hold; keeps every amount an exact integer of milli-kudos. */
export const MAX_TRANSFER_KUDOS = 1_000_000_000;

export const KudosTransferInput = z.object({
  username: z.string().min(1),
  amount: z.number().max(MAX_TRANSFER_KUDOS).default(100),
});
export type KudosTransferInput = z.input<typeof KudosTransferInput>;

export const KudosTransferred = z.object({ transferred: z.number() });
export type KudosTransferred = z.infer<typeof KudosTransferred>;
