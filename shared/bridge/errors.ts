import type { BridgeError, BridgeRc } from './contract';
import { RC_MESSAGES } from './rc-messages';

export function isBridgeError(e: unknown): e is BridgeError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { rc?: unknown }).rc === 'string' &&
    typeof (e as { message?: unknown }).message === 'string'
  );
}

export function bridgeError(rc: BridgeRc | string, message: string, hint?: string): BridgeError {
  return hint === undefined ? { rc, message } : { rc, message, hint };
}

/**
 * Anything thrown → a plain BridgeError object (no stack, no class), so it
 * crosses IPC and JSON unchanged and never leaks internals.
 */
export function toBridgeError(e: unknown): BridgeError {
  if (isBridgeError(e)) {
    const out: BridgeError = { rc: e.rc, message: e.message };
    if (typeof e.hint === 'string') out.hint = e.hint;
    return out;
  }
  return { rc: 'Internal', message: 'Something went wrong inside the app.' };
}

/**
 * What the user can do next, per rc: the `next` sentence of the window's own words
 * (./rc-messages.ts), so a hint and the window never say two different things.
 */
export const RC_HINTS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(RC_MESSAGES).map(([rc, m]) => [rc, m.next]),
);

export function withHint(e: BridgeError): BridgeError {
  if (e.hint !== undefined) return e;
  const hint = RC_HINTS[e.rc];
  return hint === undefined ? e : { ...e, hint };
}
