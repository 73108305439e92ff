/**
 * Which calls to a horde may be sent again, and how. Chosen per call: a repeat must be harmless
 * (a read, a cancel, a transfer carrying an Idempotency-Key), or bounded by what the horde allows
 * (a worker's submit before the job's deadline). A request submission or a pop is sent once: a
 * repeat could queue and pay for the same request twice, or take a second job.
 */
import type { HordeError } from '../../shared/api/horde-error';

export type RetryPolicy =
  /** Sent once; the caller decides what a failure means (the worker's loop backs off itself). */
  | { kind: 'once' }
  /** Retried on transient failures (network, 5xx, 429) with exponential delays. */
  | { kind: 'idempotent' }
  /**
   * Retried while `shouldRetry` says so; it does its own waiting (an injected clock in tests).
   * `retries` bounds the attempts after the first.
   */
  | {
      kind: 'custom';
      retries: number;
      shouldRetry: (error: HordeError, attemptNumber: number) => Promise<boolean> | boolean;
    };

export const RETRY = {
  /** Reads, cancels, flags set to a value: sending them twice is harmless. */
  read: { kind: 'idempotent' },
  /** The Idempotency-Key makes a retried transfer apply once, on a horde that honours it (the embedded one). */
  transfer: { kind: 'idempotent' },
  /**
   * A horde that ignores the Idempotency-Key (the public AI Horde) could apply a re-sent transfer
   * twice: it is sent again only when it surely never reached the horde (no connection made).
   * After any other failure the caller checks the user's record instead (handlers, reconcile).
   */
  transferBlind: {
    kind: 'custom',
    retries: 3,
    shouldRetry: async (error, attempt) => {
      if (!error.sentNothing) return false;
      await new Promise((resolve) => setTimeout(resolve, MIN_DELAY_MS * attempt));
      return true;
    },
  },
  /** A request submission (`*\/async`) could be queued and paid twice. */
  request: { kind: 'once' },
  /** A pop hands out a job; the worker's loop backs off and asks again itself. */
  pop: { kind: 'once' },
  /** Sent once, for a caller with its own back-off (the worker's records). */
  once: { kind: 'once' },
} as const satisfies Record<string, RetryPolicy>;

/** The least wait before asking a horde again, whatever a header or setting says. */
export const MIN_DELAY_MS = 100;

/** A Retry-After header (seconds or an HTTP date) as a wait in ms, bounded by the cap. */
export function retryAfterMs(header: string | null, now: number, capMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(capMs, Math.max(MIN_DELAY_MS, ms));
}
