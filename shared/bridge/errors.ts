import type { BridgeError, BridgeRc } from './contract';

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
 * Plain-words hints for the horde's rc codes the window meets most. The UI
 * may phrase its own; the handlers attach these when the horde gave none.
 */
export const RC_HINTS: Record<string, string> = {
  KudosUpfront:
    'This request is larger than the free allowance, so the horde wants its kudos up front and your available balance does not cover it. Lower max length or context, or earn kudos first by letting the worker run.',
  InvalidAPIKey:
    "The horde does not know this API key. Check the key in Settings (or clear it to use the embedded horde's own account).",
  NoValidWorkers:
    'No worker on this horde can serve this request right now. Pick another model or lower max length / context.',
  KudosTransferNotEnough: 'You do not have that many kudos available to send.',
  KudosTransferToAnon: 'Kudos cannot be sent to the anonymous account.',
  KudosTransferToSelf: 'You cannot send kudos to yourself.',
  InvalidTargetUsername: 'No user with that name. Usernames are written alias#number, e.g. db0#1.',
  UserNotFound: 'No user with that name. Usernames are written alias#number, e.g. db0#1.',
  TooManyPrompts: 'You have too many requests waiting. Wait for one to finish or cancel one.',
  TooManyRequests: 'The horde is rate-limiting you. Wait a few seconds and try again.',
  RequestNotFound: 'The horde no longer knows this request (it finished long ago or expired).',
  WorkerMaintenance:
    'The horde put your worker into maintenance, usually after jobs were dropped or took too long. Leave maintenance from the Earn screen once the cause is fixed.',
  HordeUnreachable: 'The horde did not answer. Check the horde URL in Settings and your network.',
  MaintenanceMode: 'The horde is in maintenance. Try again in a minute.',
  AnonForbidden: 'The anonymous account cannot do this. Set your API key in Settings.',
  NoWorker: 'The worker is not running in this app (it was started without a worker).',
};

export function withHint(e: BridgeError): BridgeError {
  if (e.hint !== undefined) return e;
  const hint = RC_HINTS[e.rc];
  return hint === undefined ? e : { ...e, hint };
}
