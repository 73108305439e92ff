import { sumMilli, type Milli } from '../../../../shared/ledger/money';
import type { JournalEntry } from '../../../../shared/bridge/contract';

export function startOfToday(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/**
 * Kudos the worker brought in since `from`: job rewards and uptime, not transfers received, and not
 * jobs the user's own requests paid to their own worker (those are `selfPaidSince`).
 */
export function earnedSince(entries: readonly JournalEntry[], from: number): Milli {
  return sumMilli(
    entries
      .filter((e) => e.at >= from && !e.selfPaid && (e.kind === 'job_earned' || e.kind === 'uptime'))
      .map((e) => e.kudos),
  );
}

/** What the user's own requests paid to their own worker since `from` (their balance did not grow). */
export function selfPaidSince(entries: readonly JournalEntry[], from: number): Milli {
  return sumMilli(
    entries.filter((e) => e.at >= from && e.selfPaid && e.kind === 'job_earned').map((e) => e.kudos),
  );
}
