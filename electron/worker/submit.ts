/**
 * Handing a job back: retried on transient failures (the horde or network
 * down for a moment) until shortly before the horde would abort the job, so a
 * finished generation is not lost to one failed request.
 */
import pRetry from 'p-retry';
import { GenerationSubmitted } from '../../shared/api/common';
import { backoffDelay, ERROR_BACKOFF } from './backoff';
import { HordeError, type WorkerHordeApi } from './horde-api';
import type { Sleep } from './worker-options';

export interface SubmitContext {
  api: WorkerHordeApi;
  now: () => number;
  sleep: Sleep;
  random: () => number;
  /** Epoch ms after which a retry would come too late for the horde to take it. */
  deadline: number;
  /** While stopping, give up sooner: the app is quitting. */
  hurry: () => boolean;
}

export const SUBMIT_RETRIES = 8;

/** Resolves with the horde's reward; throws the last failure when the horde does not take the job. */
export async function submitWithRetries(route: string, body: object, ctx: SubmitContext): Promise<number> {
  const answer = await pRetry(() => ctx.api.call('POST', route, GenerationSubmitted, body), {
    retries: SUBMIT_RETRIES,
    // The waits are ours (the injected sleep, so tests run on a fake clock); p-retry counts and stops.
    minTimeout: 0,
    maxTimeout: 0,
    shouldRetry: async ({ error, attemptNumber }) => {
      if (!(error instanceof HordeError) || !error.transient) return false;
      if (ctx.hurry() && attemptNumber >= 3) return false;
      const delay = error.details.retryAfterMs ?? backoffDelay(attemptNumber, ERROR_BACKOFF, ctx.random());
      if (ctx.now() + delay > ctx.deadline) return false;
      await ctx.sleep(delay);
      return true;
    },
  });
  return answer.reward;
}
