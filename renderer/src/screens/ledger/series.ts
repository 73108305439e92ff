import { asMilli, ZERO, type Milli } from '../../../../shared/ledger/money';
import type { JournalEntry, JournalKind } from '../../../../shared/bridge/contract';

export interface SeriesPoint {
  /** Start of the bucket, ms since the epoch. */
  at: number;
  /** Running totals up to the end of this bucket, milli-kudos (integer sums: no rounding). */
  earned: Milli;
  spent: Milli;
  /** Awards net of corrections, as the screen's "Awarded" figure counts them. */
  awarded: Milli;
}

export const EARNING_KINDS: ReadonlySet<JournalKind> = new Set(['job_earned', 'uptime', 'transfer_in']);

const MINUTE = 60_000;
const BUCKETS = [MINUTE, 10 * MINUTE, 60 * MINUTE, 24 * 60 * MINUTE];
const MAX_POINTS = 60;

/** Smallest bucket that keeps the chart under MAX_POINTS points over the span shown. */
export function bucketSize(spanMs: number): number {
  return BUCKETS.find((b) => spanMs / b <= MAX_POINTS) ?? (BUCKETS[BUCKETS.length - 1] as number);
}

/**
 * Cumulative earned (jobs, uptime, transfers in), spent (jobs paid, transfers out) and awarded
 * (awards and corrections) over time: the same three sums as the screen's "Earned (all time)",
 * "Spent (all time)" and "Awarded" figures, so the chart's last point reads as those figures do.
 * Cumulative rather than per bucket so one sparse day does not read as a collapse in earnings.
 */
export function earnedVsSpent(entries: readonly JournalEntry[], now: number): SeriesPoint[] {
  if (entries.length === 0) return [];
  const sorted = [...entries].sort((a, b) => a.at - b.at);
  const first = sorted[0] as JournalEntry;
  const size = bucketSize(Math.max(now - first.at, 1));
  const start = Math.floor(first.at / size) * size;
  // A zero point one bucket before the first entry, so even one burst of entries draws as a step.
  const points: SeriesPoint[] = [{ at: start - size, earned: ZERO, spent: ZERO, awarded: ZERO }];
  let earned = 0;
  let spent = 0;
  let awarded = 0;
  let i = 0;
  for (let at = start; at <= now; at += size) {
    for (; i < sorted.length && (sorted[i] as JournalEntry).at < at + size; i++) {
      const e = sorted[i] as JournalEntry;
      // An award is neither earned nor spent: a correction (negative award) is counted against it.
      if (e.kind === 'award') awarded += e.kudos;
      else if (EARNING_KINDS.has(e.kind)) earned += Math.abs(e.kudos);
      else spent += Math.abs(e.kudos);
    }
    points.push({ at, earned: asMilli(earned), spent: asMilli(spent), awarded: asMilli(awarded) });
  }
  // Carry the totals on to now, so the latest bucket has width on the chart instead of being its edge.
  const last = points[points.length - 1] as SeriesPoint;
  if (last.at < now) points.push({ ...last, at: now });
  return points;
}
