/**
 * The uptime reward a text worker earns for staying online, as the AI Horde
 * computes it (TextWorker.calculate_uptime_reward, Worker.check_in).
 */
import {
  creditedContext,
  isKnownTextModel,
  textModelMultiplier,
  type TextModelReference,
  TEXT_MODEL_REFERENCE,
} from './models';
import { pyRound } from './round';

/** Seconds of continuous uptime per reward. */
export const UPTIME_INTERVAL_S = 600;
/** A worker not heard from for longer than this is stale (the server's `is_stale`). */
export const STALE_AFTER_S = 300;

const BASE_KUDOS = 25;
const KUDOS_PER_1K_CONTEXT = 15;
const CONTEXT_CAP = 262_144;
/** A 7B model is the baseline; smaller ones get at least a quarter. */
const BASELINE_BILLIONS = 7;
const MIN_PARAM_MULTIPLIER = 0.25;
const UNKNOWN_MODEL_SHARE = 0.5;
const UNVALIDATED_BACKEND_SHARE = 0.3;

export interface UptimeSubject {
  maxContextLength: number;
  /** The first model the worker serves; absent or unknown earns half the base. */
  model?: string;
  /** Whether the worker's bridge agent is one the horde validates (default true: this app's own worker). */
  validatedBackend?: boolean;
}

/**
 * Kudos per 600 s online: 25 + 15 per 1024 tokens of context (capped at 256k),
 * times model size / 7B (at least 0.25); half the base for an unknown model;
 * 30 % for an unvalidated backend serving a known one. The context counted is
 * the worker's claim bounded by what its model can hold (`creditedContext`):
 * a worker claiming a million tokens of context for GPT-2 is paid for 1024.
 */
export function uptimeReward(
  subject: UptimeSubject,
  reference: TextModelReference = TEXT_MODEL_REFERENCE,
): number {
  if (!Number.isFinite(subject.maxContextLength) || subject.maxContextLength < 0) {
    throw new RangeError(`maxContextLength must be a non-negative number: ${subject.maxContextLength}`);
  }
  const context = creditedContext(subject.model, subject.maxContextLength);
  let base = BASE_KUDOS + (KUDOS_PER_1K_CONTEXT * Math.min(context, CONTEXT_CAP)) / 1024;
  if (subject.model === undefined || !isKnownTextModel(subject.model, reference)) {
    // Unrounded on the server; rounded here so it converts to milli-kudos exactly.
    return pyRound(base * UNKNOWN_MODEL_SHARE, 2);
  }
  const paramMultiplier = Math.max(
    MIN_PARAM_MULTIPLIER,
    textModelMultiplier(subject.model, reference) / BASELINE_BILLIONS,
  );
  if (subject.validatedBackend === false) base *= UNVALIDATED_BACKEND_SHARE;
  return pyRound(base * paramMultiplier, 2);
}

export interface UptimeState {
  /** Milliseconds since the epoch of the last check-in; undefined before the first. */
  lastCheckinAt?: number;
  /** Seconds of continuous-enough uptime counted so far. */
  uptimeS: number;
  /** `uptimeS` when the last reward was given (or the count restarted). */
  lastRewardUptimeS: number;
}

export const INITIAL_UPTIME_STATE: UptimeState = { uptimeS: 0, lastRewardUptimeS: 0 };

export interface UptimeAccrual {
  state: UptimeState;
  /** Rewards earned by this check-in: 0 or 1. */
  intervals: number;
}

/**
 * Counts one check-in, pure. As on the server: the time since the previous
 * check-in counts as uptime unless the worker had gone stale (silent for
 * more than `staleAfterS`) or is paused; once more than 600 s have gathered
 * since the last reward, this check-in earns one reward and the count starts
 * again from here (so the remainder is dropped, and with check-ins every 60 s
 * a reward comes every 660 s, as on the AI Horde). A worker back from stale,
 * or paused, restarts the count.
 */
export function accrueUptime(
  state: UptimeState,
  checkinAt: number,
  staleAfterS: number = STALE_AFTER_S,
  options: { paused?: boolean } = {},
): UptimeAccrual {
  if (state.lastCheckinAt === undefined) {
    return { state: { ...state, lastCheckinAt: checkinAt, lastRewardUptimeS: state.uptimeS }, intervals: 0 };
  }
  // A clock that steps backwards must not take uptime away.
  const elapsedS = Math.max(0, (checkinAt - state.lastCheckinAt) / 1000);
  const stale = elapsedS > staleAfterS;
  if (stale || options.paused) {
    return {
      state: { lastCheckinAt: checkinAt, uptimeS: state.uptimeS, lastRewardUptimeS: state.uptimeS },
      intervals: 0,
    };
  }
  const uptimeS = state.uptimeS + elapsedS;
  if (uptimeS - state.lastRewardUptimeS > UPTIME_INTERVAL_S) {
    return { state: { lastCheckinAt: checkinAt, uptimeS, lastRewardUptimeS: uptimeS }, intervals: 1 };
  }
  return {
    state: { lastCheckinAt: checkinAt, uptimeS, lastRewardUptimeS: state.lastRewardUptimeS },
    intervals: 0,
  };
}

/**
 * A worker that completed a job within this window has shown real capacity
 * and counts its own uptime; the others share one count per owner.
 */
export const PROVEN_WORKER_WINDOW_S = 86_400;

/** Whether a worker whose last completed job was at `lastCompletedAt` (epoch ms) counts its own uptime at `now`. */
export function isProvenWorker(lastCompletedAt: number | null | undefined, now: number): boolean {
  return (
    lastCompletedAt !== null &&
    lastCompletedAt !== undefined &&
    now - lastCompletedAt <= PROVEN_WORKER_WINDOW_S * 1000
  );
}

export interface PooledCheckIn {
  /** The worker's own count. */
  worker: UptimeState;
  /** The count its owner's workers of this kind share (one per owner and kind). */
  pool: UptimeState;
  /** The worker completed a job recently (`isProvenWorker`): it is paid by its own count. */
  proven: boolean;
  /** Paused or in maintenance: no uptime, and the count restarts (the server's `check_in`). */
  paused: boolean;
}

export interface PooledAccrual {
  worker: UptimeState;
  pool: UptimeState;
  /** Whether this check-in earns the worker's uptime reward. */
  pays: boolean;
}

/**
 * One check-in counted twice: on the worker's own count and on the count its
 * owner's workers share. A worker that has not completed a job recently
 * (one that only pops) is paid by the shared count, so however many such
 * workers one user runs, together they earn at most one reward per 600 s of
 * wall time — what one honest worker earns. A proven worker is paid by its
 * own count, as on the AI Horde. For a user with one worker both counts see
 * the same check-ins, so that worker's earnings are exactly as before.
 */
export function accruePooledUptime(
  c: PooledCheckIn,
  checkinAt: number,
  staleAfterS: number = STALE_AFTER_S,
): PooledAccrual {
  const worker = accrueUptime(c.worker, checkinAt, staleAfterS, { paused: c.paused });
  const pool = accrueUptime(c.pool, checkinAt, staleAfterS, { paused: c.paused });
  return {
    worker: worker.state,
    pool: pool.state,
    pays: c.proven ? worker.intervals > 0 : pool.intervals > 0,
  };
}
