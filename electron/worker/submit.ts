/**
 * Handing a job back: retried on transient failures (the horde or network
 * down for a moment) until shortly before the horde would abort the job, so a
 * finished generation is not lost to one failed request.
 */
import type { ImageSubmitInput } from '../../shared/api/image';
import type { InterrogateSubmitInput } from '../../shared/api/interrogate';
import type { TextSubmitInput } from '../../shared/api/text';
import type { HordeClient } from '../client/horde-client';
import type { RetryPolicy } from '../client/retry';
import { backoffDelay, ERROR_BACKOFF } from './backoff';
import type { Sleep } from './worker-options';

/** What a worker hands back: a text generation or an alchemy form's result. */
export type JobSubmission =
  | { kind: 'text'; body: TextSubmitInput }
  | { kind: 'alchemy'; body: InterrogateSubmitInput }
  | { kind: 'image'; body: ImageSubmitInput };

export interface SubmitContext {
  api: HordeClient;
  now: () => number;
  sleep: Sleep;
  random: () => number;
  /** Epoch ms after which a retry would come too late for the horde to take it. */
  deadline: number;
  /** While stopping, give up sooner: the app is quitting. */
  hurry: () => boolean;
}

export const SUBMIT_RETRIES = 8;

/** The submit's retry policy: transient failures, waited out on the worker's clock, until the deadline. */
export function submitRetry(ctx: SubmitContext): RetryPolicy {
  return {
    kind: 'custom',
    retries: SUBMIT_RETRIES,
    shouldRetry: async (error, attemptNumber) => {
      if (!error.transient) return false;
      if (ctx.hurry() && attemptNumber >= 3) return false;
      const delay = error.retryAfterMs ?? backoffDelay(attemptNumber, ERROR_BACKOFF, ctx.random());
      if (ctx.now() + delay > ctx.deadline) return false;
      await ctx.sleep(delay);
      return true;
    },
  };
}

/** Resolves with the horde's reward; throws the last failure when the horde does not take the job. */
export async function submitWithRetries(job: JobSubmission, ctx: SubmitContext): Promise<number> {
  const retry = submitRetry(ctx);
  const answer =
    job.kind === 'text'
      ? await ctx.api.textSubmit(job.body, retry)
      : job.kind === 'image'
        ? await ctx.api.imageSubmit(job.body, retry)
        : await ctx.api.interrogateSubmit(job.body, retry);
  return answer.reward;
}
