import {
  hasDeveloperWords,
  isExplainedRc,
  RC_MESSAGES,
  type Explained,
} from '../../shared/bridge/rc-messages';

/**
 * Horde and bridge errors as sentences for a person: what happened, then what to do. The words per
 * `rc` live in shared/bridge/rc-messages.ts (every AI Horde code, the client's and the bridge's), so
 * the same text is right against the embedded and the public horde. What the horde or the app said
 * verbatim is kept as `detail`, shown behind "Details" and never as the headline.
 */
export type { Explained };

export interface ExplainedError extends Explained {
  /** The technical detail (rc and the raw message), for the "Details" disclosure. */
  detail?: string;
}

interface ErrorLike {
  rc: string;
  message: string;
  hint?: string;
}

export function isErrorLike(e: unknown): e is ErrorLike {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { rc?: unknown }).rc === 'string' &&
    typeof (e as { message?: unknown }).message === 'string'
  );
}

const FALLBACK: Explained = {
  title: 'Something went wrong.',
  next: 'Try again; if it keeps happening, check the horde address in Settings.',
};

/** Turns anything thrown by the bridge into a sentence, a next step and the detail behind them. */
export function explainError(e: unknown): ExplainedError {
  if (isErrorLike(e)) {
    const detail = `${e.rc}: ${e.message}`;
    if (isExplainedRc(e.rc)) return { ...RC_MESSAGES[e.rc], detail };
    // A code the window has no words for (a newer horde): the horde's own sentence when it reads as
    // one, and the hint it came with.
    const plain = !hasDeveloperWords(e.message) && e.message.trim() !== '';
    return {
      title: plain ? sentence(e.message) : 'The horde refused this.',
      next: e.hint !== undefined && !hasDeveloperWords(e.hint) ? e.hint : FALLBACK.next,
      detail,
    };
  }
  if (e instanceof Error) {
    const plain = !hasDeveloperWords(e.message) && e.message.trim() !== '';
    return plain
      ? { ...FALLBACK, title: sentence(e.message), detail: e.message }
      : { ...FALLBACK, detail: e.message };
  }
  return FALLBACK;
}

/**
 * A worker's last error as the Earn banner shows it: the rc's words when the worker knows the rc,
 * else its message when that reads as a sentence.
 */
export function explainWorkerError(rc: string | undefined, message: string): ExplainedError {
  if (rc !== undefined) return explainError({ rc, message });
  if (!hasDeveloperWords(message)) return { title: sentence(message), next: '', detail: message };
  return { title: 'The worker stopped on an error.', next: FALLBACK.next, detail: message };
}

/** The status line for a request the horde says no worker can serve (`is_possible: false`). */
export const NOT_POSSIBLE: Explained = {
  title: 'No worker can serve this right now.',
  next: 'It stays queued and starts if a worker with this model joins; or cancel and pick another model.',
};

function sentence(message: string): string {
  const m = message.trim();
  if (m === '') return 'Something went wrong.';
  return /[.!?]$/.test(m) ? m : `${m}.`;
}
