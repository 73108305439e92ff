import { z } from 'zod';
import { normaliseToken } from '../club/invite-code';

/**
 * `POST /v2/club/join`: the embedded horde's own route (the AI Horde has
 * none; its users register on its website). The one club route anyone can
 * reach: it registers a new member from a one-time invite token and answers
 * their API key, once. Everything else a club owner does goes through the
 * owning app, never HTTP.
 */
export const ClubJoinInput = z
  .object({
    /** The invite's token as typed (`K7QM-3XPA-9ZTR`, any case); absent where the owner lets anyone join. */
    token: z
      .string()
      .max(64)
      .transform((t, c) => {
        const n = normaliseToken(t);
        if (n === null) {
          c.addIssue({
            code: 'custom',
            message: 'an invite code is 12 letters and digits, like K7QM-3XPA-9ZTR',
          });
          return z.NEVER;
        }
        return n;
      })
      .optional(),
    /** The member's name on this horde (username `NAME#id`). */
    name: z
      .string()
      .trim()
      .min(1)
      .max(30)
      .refine((n) => !n.includes('#'), "a name without '#'"),
  })
  .strict();
export type ClubJoinInput = z.input<typeof ClubJoinInput>;

export const ClubJoined = z.object({ id: z.int(), username: z.string(), apikey: z.string() });
export type ClubJoined = z.infer<typeof ClubJoined>;

/** The DNS-SD service type club hordes announce themselves under (`_horde-desktop._tcp`). */
export const CLUB_SERVICE_TYPE = 'horde-desktop';
