import type { HordeContext } from './context';
import { sweepText } from './store/text-queue';
import { sweepForms } from './store/interrogate-queue';
import { sweepImages } from './store/image-queue';
import { nextDueAt } from './store/due';
import { pruneQueueLog } from './store/positions';
import { JOB_TTL_MIN_S } from '../../shared/kudos/image-rules';

export interface SweepReport {
  abortedJobs: number;
  expiredRequests: number;
  abortedForms: number;
  expiredInterrogations: number;
  abortedImageJobs: number;
  expiredImageRequests: number;
}

const NOTHING: SweepReport = {
  abortedJobs: 0,
  expiredRequests: 0,
  abortedForms: 0,
  expiredInterrogations: 0,
  abortedImageJobs: 0,
  expiredImageRequests: 0,
};

interface Due {
  /** The clock at the last full sweep. */
  sweptAt: number;
  /** Nothing can be due before this (see `sweep`). */
  dueAt: number;
}

const due = new WeakMap<HordeContext, Due>();

/** The shortest time any row is given before it can be due: what a row made after a sweep waits at least. */
function shortestTtlMs(ctx: HordeContext): number {
  const l = ctx.limits;
  return Math.min(l.textJobTtlS, l.formTtlS, l.requestTtlS, JOB_TTL_MIN_S) * 1000;
}

/**
 * Applies every timeout due by the horde's clock: late text jobs and forms go
 * back to the queue (or fault their request), stale requests expire and
 * release their holds. Runs before every API handler (a preHandler hook, server.ts), so the
 * answers never show a state the clock has already passed, and on a timer.
 *
 * Most calls have nothing to do, and skip the work: after a sweep, nothing
 * that exists can be due before the earliest deadline or expiry left
 * (`nextDueAt`), and nothing made later can be due before the sweep's time
 * plus the shortest ttl any row is given. `force` sweeps regardless (the
 * `horde.sweep()` of tests and tools).
 */
export function sweep(ctx: HordeContext, o: { force?: boolean } = {}): SweepReport {
  const now = ctx.clock();
  const last = due.get(ctx);
  // A clock that went back (a test's, or the machine's) gets a full sweep, as does the first call.
  if (!o.force && last && now >= last.sweptAt && now < last.dueAt) return NOTHING;
  const report = {
    ...sweepText(ctx.db, now, ctx.text),
    ...sweepForms(ctx.db, now, ctx.alchemy),
    ...sweepImages(ctx.db, ctx.imageFiles, now, ctx.image),
  };
  pruneQueueLog(ctx.db, now);
  due.set(ctx, { sweptAt: now, dueAt: Math.min(nextDueAt(ctx.db), now + shortestTtlMs(ctx)) });
  return report;
}
