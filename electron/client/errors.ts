import { HordeError, readRc, type KnownRc } from '../../shared/api/horde-error';

/**
 * How the client turns what it got into the one wire error, `HordeError`
 * (shared/api/horde-error.ts): a refusal's `{message, rc, errors?}` body, no answer at all, or an
 * answer it cannot read. The same class the embedded horde throws, so a caller tests
 * `instanceof HordeError` and reads `rc`, `status`, `transient`, `retryAfterMs`, `sentNothing`.
 */

/** rc for answers that carry none (proxies, flask-restx validation errors): from the HTTP status. */
function rcForStatus(status: number): KnownRc {
  if (status === 400) return 'BadRequest';
  if (status === 401) return 'InvalidAPIKey';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 413) return 'PayloadTooLarge';
  if (status === 429) return 'TooManyRequests';
  if (status >= 500) return 'HordeError';
  return 'BadRequest';
}

/** The horde's error body `{message, rc, errors?}` (any may be missing on foreign answers) → HordeError. */
export function errorFromResponse(status: number, body: unknown, retryAfterMs?: number): HordeError {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const rc = typeof b.rc === 'string' && b.rc.length > 0 ? readRc(b.rc) : rcForStatus(status);
  const message =
    typeof b.message === 'string' && b.message.length > 0
      ? b.message
      : status >= 500
        ? `The horde answered with an error (HTTP ${status}).`
        : `The horde refused the request (HTTP ${status}).`;
  const errors = fieldErrors(b.errors);
  return new HordeError(rc, message, {
    status,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(errors !== undefined ? { errors } : {}),
  });
}

/** flask-restx's per-field messages, when the body has them as strings. */
function fieldErrors(v: unknown): Record<string, string> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, m] of Object.entries(v)) if (typeof m === 'string') out[k] = m;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Socket errors that mean no connection was ever made, so nothing of the request was sent. */
const NO_CONNECTION = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

export function unreachable(url: string, cause: unknown): HordeError {
  const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
  const what = timedOut ? 'did not answer in time' : 'could not be reached';
  // The system's reason (connect ECONNREFUSED …) when there is one: it tells a wrong port from a dead host.
  const reason = cause instanceof Error && cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
  const code = cause instanceof Error ? (cause.cause as { code?: unknown } | undefined)?.code : undefined;
  const sentNothing = !timedOut && typeof code === 'string' && NO_CONNECTION.has(code);
  return new HordeError('HordeUnreachable', `The horde at ${new URL(url).origin} ${what}${reason}.`, {
    status: 0,
    sentNothing,
  });
}

export function badAnswer(path: string, detail: string): HordeError {
  return new HordeError(
    'BadHordeAnswer',
    `The horde sent an answer the app does not understand (${path}: ${detail}).`,
    { status: 502, transient: false },
  );
}
