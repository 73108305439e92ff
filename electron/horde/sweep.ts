import type { HordeContext } from './context';
import { sweepText } from './store/text-queue';
import { sweepForms } from './store/interrogate-queue';
import { sweepImages } from './store/image-queue';

export interface SweepReport {
  abortedJobs: number;
  expiredRequests: number;
  abortedForms: number;
  expiredInterrogations: number;
  abortedImageJobs: number;
  expiredImageRequests: number;
}

/**
 * Applies every timeout due by the horde's clock: late text jobs and forms go
 * back to the queue (or fault their request), stale requests expire and
 * release their holds. Runs before every API handler (a preHandler hook, server.ts), so the
 * answers never show a state the clock has already passed, and on a timer.
 */
export function sweep(ctx: HordeContext): SweepReport {
  const now = ctx.clock();
  return {
    ...sweepText(ctx.db, now, ctx.text),
    ...sweepForms(ctx.db, now, ctx.alchemy),
    ...sweepImages(ctx.db, ctx.imageFiles, now, ctx.image),
  };
}
