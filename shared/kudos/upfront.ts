/**
 * When a text request must have its kudos up front, by the server's rule
 * (TextWaitingPrompt.require_upfront_kudos and TextAsyncGenerate.initiate_waiting_prompt).
 *
 * The free threshold is a token count that shrinks as the queue grows and
 * grows with the worker threads online: 512 + 5·threads − round(0.9·queue),
 * kept within 256..512. A request asking for more tokens than that, or one
 * that refuses slow workers, needs the requester to hold the kudos now; if
 * they do not and the request allows it, it is downgraded to the free
 * threshold (and to slow workers) instead of refused.
 */
import { pyRound } from './round';
import { textModelMultiplier, type TextModelReference, TEXT_MODEL_REFERENCE } from './models';

const FREE_TOKENS_BASE = 512;
const FREE_TOKENS_PER_THREAD = 5;
const FREE_TOKENS_QUEUE_FACTOR = 0.9;
export const FREE_TOKENS_MIN = 256;
export const FREE_TOKENS_MAX = 512;

export interface UpfrontInput {
  maxLength: number;
  /** Not part of the server's rule today (only max_length is); accepted so callers can pass the whole request. */
  maxContextLength?: number;
  /** Text requests waiting in the queue (the server's `queued_text_requests`). */
  queuedJobs: number;
  /** Threads of the text workers online. */
  activeWorkerThreads: number;
  /** `slow_workers` of the request (default true); a request that refuses slow workers always pays up front. */
  slowWorkers?: boolean;
  /** True when the request names specific workers and the horde requires upfront kudos for that (HORDE_UPFRONT_KUDOS_ON_WORKERLIST). */
  targetsWorkersWithUpfrontRule?: boolean;
}

export interface UpfrontVerdict {
  required: boolean;
  /** The most tokens this request may ask for without kudos up front; a downgrade cuts max_length to it. */
  freeMaxLength: number;
  /** The requirement comes from a rule a downgrade cannot lift (worker list). */
  downgradeBlocked: boolean;
}

function rawFreeTokens(queuedJobs: number, activeWorkerThreads: number): number {
  return (
    FREE_TOKENS_BASE +
    activeWorkerThreads * FREE_TOKENS_PER_THREAD -
    pyRound(queuedJobs * FREE_TOKENS_QUEUE_FACTOR, 0)
  );
}

/** The free max_length for a request that allows slow workers. */
export function freeMaxLength(queuedJobs: number, activeWorkerThreads: number): number {
  return Math.min(FREE_TOKENS_MAX, Math.max(FREE_TOKENS_MIN, rawFreeTokens(queuedJobs, activeWorkerThreads)));
}

export function upfrontVerdict(input: UpfrontInput): UpfrontVerdict {
  const slowWorkers = input.slowWorkers ?? true;
  if (!slowWorkers) {
    // The server hands back the unclamped figure on this path; a downgrade
    // switches the request to slow workers and cuts it to that figure.
    return {
      required: true,
      freeMaxLength: rawFreeTokens(input.queuedJobs, input.activeWorkerThreads),
      downgradeBlocked: false,
    };
  }
  const free = freeMaxLength(input.queuedJobs, input.activeWorkerThreads);
  if (input.maxLength > free) return { required: true, freeMaxLength: free, downgradeBlocked: false };
  if (input.targetsWorkersWithUpfrontRule)
    return { required: true, freeMaxLength: free, downgradeBlocked: true };
  return { required: false, freeMaxLength: free, downgradeBlocked: false };
}

export function requiresUpfrontKudos(input: UpfrontInput): boolean {
  return upfrontVerdict(input).required;
}

/**
 * The kudos a request must hold up front: max_length × (largest model size) / 21
 * per job, so listing a small model beside a big one does not lower it; 20
 * per job when no model is named. Unknown models count as size 1.
 */
export function upfrontKudosRequired(
  request: { models: string[]; maxLength: number; n?: number },
  reference: TextModelReference = TEXT_MODEL_REFERENCE,
): number {
  const n = request.n ?? 1;
  if (request.models.length === 0) return 20 * n;
  const highest = Math.max(...request.models.map((m) => textModelMultiplier(m, reference)));
  return pyRound(pyRound((request.maxLength * highest) / 21, 2) * n, 2);
}

/** Whether a request that lacks the upfront kudos may be downgraded rather than refused. */
export function canDowngrade(input: UpfrontInput & { allowDowngrade: boolean }): boolean {
  const verdict = upfrontVerdict(input);
  return verdict.required && input.allowDowngrade && !verdict.downgradeBlocked;
}

export interface DowngradableParams {
  max_length: number;
  slow_workers?: boolean;
  [key: string]: unknown;
}

/** The request's params cut to the free threshold and opened to slow workers (the server's `downgrade`). */
export function downgradeParams<P extends DowngradableParams>(
  params: P,
  verdict: Pick<UpfrontVerdict, 'freeMaxLength'>,
): P {
  return { ...params, max_length: Math.min(params.max_length, verdict.freeMaxLength), slow_workers: true };
}

export type UpfrontAdmission =
  | { outcome: 'free' }
  | { outcome: 'hold'; kudos: number }
  | { outcome: 'downgrade'; maxLength: number }
  | { outcome: 'refuse'; rc: 'KudosUpfront'; kudos: number; message: string };

/**
 * The whole admission decision for a text request, given what the requester
 * can spend now (`available`, in kudos): go ahead free, hold the upfront
 * kudos, downgrade, or refuse with `KudosUpfront` and the server's wording.
 */
export function admitTextRequest(
  input: UpfrontInput & { models: string[]; n?: number; allowDowngrade: boolean; availableKudos: number },
  reference: TextModelReference = TEXT_MODEL_REFERENCE,
): UpfrontAdmission {
  const verdict = upfrontVerdict(input);
  const kudos = upfrontKudosRequired(
    { models: input.models, maxLength: input.maxLength, n: input.n },
    reference,
  );
  if (!verdict.required || kudos <= 0) return { outcome: 'free' };
  if (input.availableKudos >= kudos) return { outcome: 'hold', kudos };
  if (input.allowDowngrade && !verdict.downgradeBlocked) {
    return { outcome: 'downgrade', maxLength: Math.min(input.maxLength, verdict.freeMaxLength) };
  }
  return {
    outcome: 'refuse',
    rc: 'KudosUpfront',
    kudos,
    message:
      `Due to heavy demand, for requests over ${verdict.freeMaxLength} tokens, ` +
      `the client needs to already have the required kudos. This request requires ${kudos} kudos to fulfil.`,
  };
}
