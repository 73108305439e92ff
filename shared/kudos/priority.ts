/**
 * Queue order, as the AI Horde sets `extra_priority` when a request is
 * activated (WaitingPrompt._activate) and pops by it (extra_priority desc,
 * then created asc).
 */
import { pyRound } from './round';

/** What a flagged user with no kudos to speak of gets: below everyone. */
export const FLAGGED_PRIORITY = -100;
/**
 * The anonymous user's priority. On the AI Horde anonymous requests carry the
 * anonymous account's balance, which sits at its floor of −50; the server
 * uses the same −50 for a request "downgraded to Anon".
 */
export const ANONYMOUS_PRIORITY = -50;
const FLAGGED_KUDOS_THRESHOLD = 10;
const FLAGGED_KUDOS_DIVISOR = 1000;

export interface PrioritySubject {
  /** The requester's kudos (whole kudos, not milli) when the request is submitted. */
  kudos: number;
  anonymous: boolean;
  flagged: boolean;
  /** The request was admitted by a downgrade to anonymous priority (e.g. an empty shared key with allow_downgrade). */
  downgraded?: boolean;
}

/**
 * A user's kudos are their priority; a flagged user keeps a thousandth of it
 * (−100 when they have 10 kudos or fewer); anonymous requests and downgraded
 * ones get the anonymous floor. Whole numbers, as the server stores them.
 */
export function extraPriority(subject: PrioritySubject): number {
  if (subject.flagged && subject.kudos > FLAGGED_KUDOS_THRESHOLD)
    return pyRound(subject.kudos / FLAGGED_KUDOS_DIVISOR, 0);
  if (subject.flagged) return FLAGGED_PRIORITY;
  if (subject.anonymous || subject.downgraded) return ANONYMOUS_PRIORITY;
  return pyRound(subject.kudos, 0);
}

export interface QueueEntry {
  extraPriority: number;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** For Array.prototype.sort: higher priority first, then the older request first. */
export function compareQueue(a: QueueEntry, b: QueueEntry): number {
  if (a.extraPriority !== b.extraPriority) return b.extraPriority - a.extraPriority;
  return a.createdAt - b.createdAt;
}
