import { RC_STATUS, type Rc } from './common';
import type { AiHordeRc } from './known-rc';
import { RC_HINTS } from '../bridge/errors';

/**
 * The one error of the horde wire, on both of its sides: the embedded horde throws it (its error
 * handler writes `{message, rc, errors?}` with `status`), and the client builds it from such an
 * answer (electron/client/errors.ts), or from a failure of its own (no answer, an unreadable one).
 * It is a BridgeError (`rc`, `message`, `hint`), so bridge handlers rethrow it to the window as it
 * is; an Error subclass because p-retry and stack traces want one.
 */

/**
 * Codes the client raises itself, for failures where the horde gave no rc: nothing answered, an
 * answer it cannot read, a 5xx without a body.
 */
export const CLIENT_RCS = ['HordeUnreachable', 'BadHordeAnswer', 'HordeError'] as const;
export type ClientRc = (typeof CLIENT_RCS)[number];

/** Every rc the app knows: the AI Horde's, the embedded horde's own (`RC_STATUS`) and the client's. */
export type KnownRc = AiHordeRc | Rc | ClientRc;

/**
 * An rc the public AI Horde (or a newer horde) sent that none of our lists has. It is kept as it
 * came, not mapped to a catch-all, because the window shows it (and the horde's own message and
 * hint) under "Details", and a newer horde's code is exactly what a bug report needs. It is
 * branded so that only `readRc`, the reader of answers, can make one: every `new HordeError('…')`
 * written in the code must name a known rc, and a misspelt one does not compile.
 */
export type UnknownRc = string & { readonly __unknownRc: unique symbol };
export type HordeRc = KnownRc | UnknownRc;

/** The rc of an answer as it came (the one place an UnknownRc is made). */
export function readRc(rc: string): HordeRc {
  return rc as HordeRc;
}

export interface HordeErrorOptions {
  /** HTTP status; 0 for network errors and timeouts. Defaults to the status the rc carries. */
  status?: number;
  /** Per-field messages of a validation failure, as flask-restx adds them to the body. */
  errors?: Record<string, string>;
  hint?: string;
  /** Whether sending the same request again may succeed; defaults from the status. */
  transient?: boolean;
  /** How long the horde asked to wait (Retry-After), bounded. */
  retryAfterMs?: number;
  /** true when the request surely never reached the horde (no connection was made). */
  sentNothing?: boolean;
}

export class HordeError extends Error {
  readonly rc: HordeRc;
  /** HTTP status, 0 for network errors and timeouts. */
  readonly status: number;
  readonly errors?: Record<string, string>;
  /** What the user can do next (the window's words for the rc, unless given). */
  readonly hint?: string;
  /** Whether sending the same request again may succeed (network, timeout, 5xx but 507, 429, 408). */
  readonly transient: boolean;
  readonly retryAfterMs?: number;
  /**
   * true when the request surely never reached the horde (refused, no such host, no route). Any
   * other failure is ambiguous: the horde may have applied it.
   */
  readonly sentNothing: boolean;

  /** An rc the embedded horde raises carries its own status; any other needs `status`. */
  constructor(rc: Rc, message: string, opts?: HordeErrorOptions);
  constructor(rc: HordeRc, message: string, opts: HordeErrorOptions & { status: number });
  constructor(rc: HordeRc, message: string, opts: HordeErrorOptions = {}) {
    super(message);
    this.name = 'HordeError';
    this.rc = rc;
    this.status = opts.status ?? RC_STATUS[rc as Rc];
    if (opts.errors !== undefined) this.errors = opts.errors;
    const s = this.status;
    // 507 (the horde's disk is full) is a 5xx that a quick retry cannot cure.
    this.transient = opts.transient ?? (s === 0 || s === 429 || s === 408 || (s >= 500 && s !== 507));
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    this.sentNothing = opts.sentNothing ?? false;
    const h = opts.hint ?? RC_HINTS[rc];
    if (h !== undefined) this.hint = h;
  }
}
