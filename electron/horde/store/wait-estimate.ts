/**
 * The text request's wait estimate (`wait_time`): the tokens queued ahead of
 * it and its own, at the measured speed of the workers that can serve it.
 * Pure; text-queue.ts reads the figures from the database.
 */

/** The horde's time limit for a text job: a worker offering `max_length` promises to write that much within it. */
export const TEXT_JOB_LIMIT_S = 150;

export interface ServingWorker {
  tokensGenerated: number;
  secondsWorking: number;
  requestsFulfilled: number;
  maxLength: number;
}

/**
 * tokens/s of one worker: what it wrote over the time it worked, once it has
 * finished a job; before that the least its offer promises (its max_length
 * within the 150 s limit), at least 1.
 */
export function workerSpeed(w: ServingWorker): number {
  if (w.requestsFulfilled > 0 && w.secondsWorking > 0 && w.tokensGenerated > 0)
    return w.tokensGenerated / w.secondsWorking;
  return Math.max(1, w.maxLength / TEXT_JOB_LIMIT_S);
}

/**
 * Seconds until the request is done: the queue ahead goes to all serving
 * workers side by side, the request's own jobs run on the fastest; a job
 * already running counts what it has had of its time.
 */
export function estimateTextWait(o: {
  tokensAhead: number;
  /** max_length × the generations still to make (1 while one runs). */
  ownTokens: number;
  /** Seconds the request's running job has run; 0 when none runs. */
  runningSeconds: number;
  workers: readonly ServingWorker[];
}): number {
  const speeds = o.workers.map(workerSpeed);
  const all = speeds.reduce((a, b) => a + b, 0);
  const fastest = Math.max(0, ...speeds);
  // No worker can serve it now: the old rule (1 token/s) keeps a number, and is_possible says why.
  const queue = o.tokensAhead / (all > 0 ? all : 1);
  const own = Math.max(0, o.ownTokens / (fastest > 0 ? fastest : 1) - o.runningSeconds);
  return Math.round(queue + own);
}
