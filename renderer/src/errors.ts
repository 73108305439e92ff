/**
 * Horde and bridge errors as plain sentences with what to do next. The rc codes are the AI Horde's
 * own (shared/api/common.ts), so the same text is right against the embedded and the public horde.
 */

export interface Explained {
  /** One sentence: what happened. */
  title: string;
  /** What the user can do about it. */
  next: string;
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

const EXPLANATIONS: Record<string, Explained> = {
  KudosUpfront: {
    title: 'This request costs more kudos than you have available and is too big to run for free.',
    next: 'Lower max length / context, or earn kudos by letting the worker run.',
  },
  InvalidAPIKey: {
    title: 'The horde did not accept your API key.',
    next: 'Check the key in Settings (paste it again), or clear it to use the anonymous key.',
  },
  WrongCredentials: {
    title: 'Your API key is not allowed to do this.',
    next: 'Check that the key in Settings belongs to the account that owns this worker or request.',
  },
  AnonForbidden: {
    title: 'The anonymous account cannot do this.',
    next: 'Register on the horde and enter your API key in Settings.',
  },
  AnonForbiddenWorker: {
    title: 'Workers cannot run under the anonymous account.',
    next: 'Register on the horde and enter your API key in Settings.',
  },
  NoValidWorkers: {
    title: 'No worker can serve this request right now.',
    next: 'Pick another model, lower max length / context, or start your own worker on the Earn screen.',
  },
  TooManyPrompts: {
    title: 'You already have as many requests waiting as the horde allows.',
    next: 'Wait for one to finish or cancel one, then try again.',
  },
  MaintenanceMode: {
    title: 'The horde is in maintenance.',
    next: 'Try again in a minute.',
  },
  TooManyRequests: {
    title: 'Too many requests in a short time.',
    next: 'Wait a few seconds and try again.',
  },
  WorkerMaintenance: {
    title: 'Your worker is in maintenance mode, so the horde sends it no jobs.',
    next: 'Press "Leave maintenance" on the Earn screen once the cause is fixed.',
  },
  KudosTransferNotEnough: {
    title: 'You do not have enough available kudos for this transfer.',
    next: 'Lower the amount; kudos held for your waiting requests cannot be sent.',
  },
  KudosTransferToAnon: {
    title: 'Kudos cannot be sent to the anonymous account.',
    next: 'Enter the username of a registered user, like alias#123.',
  },
  KudosTransferToSelf: {
    title: 'You cannot send kudos to yourself.',
    next: 'Enter another user’s username.',
  },
  KudosTransferFromAnon: {
    title: 'The anonymous account cannot send kudos.',
    next: 'Enter your API key in Settings first.',
  },
  NegativeKudosTransfer: {
    title: 'The amount must be more than zero.',
    next: 'Enter a positive number of kudos.',
  },
  InvalidKudosTransferAmount: {
    title: 'That amount of kudos cannot be transferred.',
    next: 'Enter a positive amount with at most two decimals.',
  },
  InvalidTargetUsername: {
    title: 'No user has that username.',
    next: 'Usernames look like alias#123: check the spelling and the number.',
  },
  UserNotFound: {
    title: 'No user has that username.',
    next: 'Usernames look like alias#123: check the spelling and the number.',
  },
  InvalidPromptSize: {
    title: 'The prompt is too long for this horde.',
    next: 'Shorten the prompt or lower the context.',
  },
  MissingPrompt: {
    title: 'The prompt is empty.',
    next: 'Type what you want the model to continue.',
  },
  RequestNotFound: {
    title: 'The horde no longer knows this request.',
    next: 'It may have expired (requests last 20 minutes); submit it again.',
  },
  InvalidJobID: {
    title: 'The horde no longer knows this request.',
    next: 'It may have expired (requests last 20 minutes); submit it again.',
  },
  SourceImageSizeExceeded: {
    title: 'The image is too large.',
    next: 'Pick a smaller image or resize it first.',
  },
  ImageValidationFailed: {
    title: 'The image could not be read.',
    next: 'Pick a PNG, JPEG or WebP image.',
  },
  PayloadTooLarge: {
    title: 'What you sent is larger than the horde accepts.',
    next: 'Use a smaller image or a shorter prompt.',
  },
  HordeUnreachable: {
    title: 'The horde could not be reached.',
    next: 'Check your network (or the horde address in Settings), then try again.',
  },
  // The HTTP bridge's own rc (renderer/src/bridge/httpBridge.ts): the serve process did not answer.
  AppUnreachable: {
    title: 'The app is not answering.',
    next: 'Check that Horde Desktop (or `npm run serve`) is still running, then reload this page.',
  },
  NoWorker: {
    title: 'No worker runs in this copy of the app.',
    next: 'Start the app without --no-worker to earn kudos here.',
  },
  BadArgument: {
    title: 'The app refused a value from this form.',
    next: 'Check the fields for values out of range and try again.',
  },
  Forbidden: {
    title: 'This page is not allowed to talk to the app.',
    next: 'Open the address that `npm run serve` printed, from this computer.',
  },
  Unauthorized: {
    title: 'This page is not allowed to talk to the app.',
    next: 'Open the address that `npm run serve` printed, including its token, or restart the app.',
  },
};

const FALLBACK_NEXT = 'Try again; if it keeps happening, check the horde address in Settings.';

/** Turns anything thrown by the bridge into a sentence and a next step. */
export function explainError(e: unknown): Explained {
  if (isErrorLike(e)) {
    // The window's own wording for codes it knows (written for where the user is); the bridge's hint
    // only for the rest.
    const known = EXPLANATIONS[e.rc];
    if (known) return known;
    return { title: sentence(e.message), next: e.hint ?? FALLBACK_NEXT };
  }
  if (e instanceof Error) return { title: sentence(e.message), next: FALLBACK_NEXT };
  return { title: 'Something went wrong.', next: FALLBACK_NEXT };
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
