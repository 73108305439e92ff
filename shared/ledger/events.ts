import type { Milli } from './money';

/**
 * Accounts are users (by numeric id) or system accounts. System accounts make
 * every event balanced: the kudos an uptime reward creates come out of
 * `system:mint`, so the sum over all accounts is constant (zero) forever.
 */
export type AccountId = `user:${number}` | `evaluating:${number}` | SystemAccount;
export type SystemAccount = 'system:mint' | 'system:admin';

export const ANONYMOUS_USER_ID = 0;
export const userAccount = (id: number): AccountId => `user:${id}`;
/**
 * A user's kudos held in evaluation (the AI Horde's `evaluating_kudos`): what
 * an untrusted user has earned but may not spend yet. It is an account of its
 * own so that holding and promoting stay balanced events; it never pays
 * for anything and is moved to `user:<id>` when the user is trusted.
 */
export const evaluatingAccount = (id: number): AccountId => `evaluating:${id}`;

/** One leg of an event: a signed amount on one account. The legs of an event sum to zero. */
export interface Posting {
  account: AccountId;
  amount: Milli;
}

export type LedgerEventKind =
  | 'job_settlement' // requester −k, worker owner +k
  | 'uptime_reward' // system:mint −k, worker owner +k
  | 'transfer' // user −k, user +k
  | 'adjustment' // admin award / correction: system:admin ∓k, user ±k
  | 'evaluation_promotion' // trust earned: evaluating:<id> −k, user:<id> +k
  | 'reservation' // hold on a requester's balance (no postings; affects `available` only)
  | 'release'; // a hold ended (settled, cancelled, expired)

export interface LedgerEventBase {
  /** Idempotency key: an event with a key already applied is a no-op. */
  key: string;
  kind: LedgerEventKind;
  /** Milliseconds since the epoch. */
  at: number;
  /** Free text shown in the ledger list (e.g. the request id, the admin reason). */
  memo?: string;
}

export interface PostingEvent extends LedgerEventBase {
  kind: 'job_settlement' | 'uptime_reward' | 'transfer' | 'adjustment' | 'evaluation_promotion';
  postings: Posting[];
  /**
   * A hold this event draws on: the debit it posts on the hold's account
   * shrinks the hold by as much (never below zero), so money paid from a
   * reservation is not counted twice against `available` (the server's
   * `consume_reservation`). The rest of the hold stays until released.
   */
  holdId?: string;
}

export interface ReservationEvent extends LedgerEventBase {
  kind: 'reservation';
  /** Identifies the hold (e.g. the waiting prompt's id); released by the same id. */
  holdId: string;
  account: AccountId;
  amount: Milli;
}

export interface ReleaseEvent extends LedgerEventBase {
  kind: 'release';
  holdId: string;
}

export type LedgerEvent = PostingEvent | ReservationEvent | ReleaseEvent;
