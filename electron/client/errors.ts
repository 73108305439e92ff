import type { BridgeError } from '../../shared/bridge/contract';
import { RC_HINTS } from '../../shared/bridge/errors';

/**
 * A failed horde call — the one error class of the horde client, for the worker and the
 * requester alike — carrying the horde's `rc` (or one derived from the HTTP status, or
 * `HordeUnreachable` / `BadHordeAnswer`). Shaped as a BridgeError so handlers can rethrow it to
 * the window as it is. An Error subclass because p-retry and stack traces want one;
 * `toBridgeError` strips it to the plain object on the way out.
 */
export class HordeApiError extends Error implements BridgeError {
  readonly rc: string;
  readonly hint?: string;
  /** HTTP status, 0 for network errors and timeouts. */
  readonly status: number;
  /** Whether sending the same request again may succeed (network, timeout, 5xx, 429, 408). */
  readonly transient: boolean;
  /** How long the horde asked to wait (Retry-After), bounded. */
  readonly retryAfterMs?: number;
  /**
   * true when the request surely never reached the horde (no connection was made: refused, no
   * such host, no route). Any other failure is ambiguous: the horde may have applied it.
   */
  readonly sentNothing: boolean;

  constructor(
    rc: string,
    message: string,
    status: number,
    opts: { hint?: string; transient?: boolean; retryAfterMs?: number; sentNothing?: boolean } = {},
  ) {
    super(message);
    this.name = 'HordeApiError';
    this.rc = rc;
    this.status = status;
    // 507 (the horde's disk is full) is a 5xx that a quick retry cannot cure.
    this.transient =
      opts.transient ??
      (status === 0 || status === 429 || status === 408 || (status >= 500 && status !== 507));
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    this.sentNothing = opts.sentNothing ?? false;
    const h = opts.hint ?? RC_HINTS[rc];
    if (h !== undefined) this.hint = h;
  }
}

/** rc for answers that carry none (proxies, flask-restx validation errors): from the HTTP status. */
function rcForStatus(status: number): string {
  if (status === 400) return 'BadRequest';
  if (status === 401) return 'InvalidAPIKey';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 413) return 'PayloadTooLarge';
  if (status === 429) return 'TooManyRequests';
  if (status >= 500) return 'HordeError';
  return 'BadRequest';
}

/** The horde's error body `{message, rc}` (either may be missing on foreign answers) → HordeApiError. */
export function errorFromResponse(status: number, body: unknown, retryAfterMs?: number): HordeApiError {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const rc = typeof b.rc === 'string' && b.rc.length > 0 ? b.rc : rcForStatus(status);
  const message =
    typeof b.message === 'string' && b.message.length > 0
      ? b.message
      : status >= 500
        ? `The horde answered with an error (HTTP ${status}).`
        : `The horde refused the request (HTTP ${status}).`;
  return new HordeApiError(rc, message, status, retryAfterMs !== undefined ? { retryAfterMs } : {});
}

/** Socket errors that mean no connection was ever made, so nothing of the request was sent. */
const NO_CONNECTION = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

export function unreachable(url: string, cause: unknown): HordeApiError {
  const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
  const what = timedOut ? 'did not answer in time' : 'could not be reached';
  // The system's reason (connect ECONNREFUSED …) when there is one: it tells a wrong port from a dead host.
  const reason = cause instanceof Error && cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
  const code = cause instanceof Error ? (cause.cause as { code?: unknown } | undefined)?.code : undefined;
  const sentNothing = !timedOut && typeof code === 'string' && NO_CONNECTION.has(code);
  return new HordeApiError('HordeUnreachable', `The horde at ${new URL(url).origin} ${what}${reason}.`, 0, {
    sentNothing,
  });
}

export function badAnswer(path: string, detail: string): HordeApiError {
  return new HordeApiError(
    'BadHordeAnswer',
    `The horde sent an answer the app does not understand (${path}: ${detail}).`,
    502,
    {
      transient: false,
    },
  );
}
