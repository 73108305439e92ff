/**
 * Waits between horde requests when there is no work or the horde fails:
 * exponential, capped, with jitter so that many workers coming back after an
 * outage do not all ask in the same second. Never zero, so the loop cannot spin.
 */
import { MIN_DELAY_MS } from '../client/retry';

export { MIN_DELAY_MS, retryAfterMs } from '../client/retry';

export interface BackoffSettings {
  baseMs: number;
  capMs: number;
}

/** Empty queue: look again soon (a requester waits for us), but not in a tight loop. */
export const EMPTY_QUEUE_BACKOFF: BackoffSettings = { baseMs: 1_000, capMs: 5_000 };
/** 5xx, timeouts, network errors, 429 without Retry-After. */
export const ERROR_BACKOFF: BackoffSettings = { baseMs: 2_000, capMs: 60_000 };
/** The horde put the worker into maintenance: ask again now and then, or when the user leaves it. */
export const MAINTENANCE_RECHECK_MS = 60_000;

/**
 * "Equal jitter": half of the exponential step is fixed, half random.
 * @param attempt 1 for the first failure in a row.
 * @param random 0 ≤ r < 1
 */
export function backoffDelay(attempt: number, settings: BackoffSettings, random: number): number {
  const step = Math.min(settings.capMs, settings.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const r = Number.isFinite(random) ? Math.min(Math.max(random, 0), 1) : 0.5;
  return Math.max(MIN_DELAY_MS, Math.round(step / 2 + (step / 2) * r));
}
