/**
 * The uptime reward a text worker earns for staying online, as the AI Horde
 * computes it (TextWorker.calculate_uptime_reward, Worker.check_in).
 */
import {
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
 * 30 % for an unvalidated backend serving a known one.
 */
export function uptimeReward(
  subject: UptimeSubject,
  reference: TextModelReference = TEXT_MODEL_REFERENCE,
): number {
  if (!Number.isFinite(subject.maxContextLength) || subject.maxContextLength < 0) {
    throw new RangeError(`maxContextLength must be a non-negative number: ${subject.maxContextLength}`);
  }
  let base = BASE_KUDOS + (KUDOS_PER_1K_CONTEXT * Math.min(subject.maxContextLength, CONTEXT_CAP)) / 1024;
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
