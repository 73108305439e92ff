import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { asMilli } from '../../shared/ledger/money';
import { assertProperty } from '../../test/harness/seeds';
import { DEFAULT_LIMITS, makeContext } from './context';
import { HordeDb } from './store/db';
import { enqueueText, popText } from './store/text-queue';
import { createUser, userById } from './store/users';
import { checkIn } from './store/workers';
import { sweep } from './sweep';

/**
 * The sweep before each request skips when nothing can be due; what it
 * reports, call by call, must be what sweeping every time reports.
 */
describe('sweep before each request', () => {
  it('aborts and expires at the same calls as a sweep that never skips', () => {
    const step = fc.record({
      /** Milliseconds the clock moves: small steps, and now and then past a ttl. */
      dt: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 100_000, max: 1_300_000 })),
      act: fc.constantFrom('enqueue', 'pop', 'sweep'),
    });
    assertProperty(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        // Two hordes fed the same calls: one sweeps through the skip, one is forced every time.
        const run = (force: boolean): number[][] => {
          let now = 1_000_000;
          const db = new HordeDb(':memory:');
          const ctx = makeContext(db, () => now, DEFAULT_LIMITS, false);
          const requester = userById(db, createUser(db, 'r', 0, { trusted: true }).id)!;
          const owner = userById(db, createUser(db, 'o', 0, { trusted: true }).id)!;
          const reports: number[][] = [];
          for (const s of steps) {
            now += s.dt;
            const r = sweep(ctx, { force });
            reports.push([r.abortedJobs, r.expiredRequests]);
            if (s.act === 'enqueue')
              enqueueText(
                db,
                {
                  user: requester,
                  prompt: 'p',
                  params: {},
                  models: [],
                  workers: [],
                  workerBlacklist: false,
                  n: 2,
                  maxLength: 16,
                  maxContextLength: 1024,
                  extraPriority: 0,
                  kudosPerJob: asMilli(1000),
                },
                now,
                ctx.text,
              );
            else if (s.act === 'pop') {
              const w = checkIn(
                db,
                {
                  user: owner,
                  name: 'w',
                  type: 'text',
                  models: [],
                  maxLength: 512,
                  maxContextLength: 2048,
                  threads: 1,
                  bridgeAgent: 't',
                },
                now,
                ctx.limits.workerStaleS,
              );
              popText(
                db,
                w,
                { models: [], maxLength: 512, maxContextLength: 2048, amount: 1, priorityUserIds: [] },
                now,
                ctx.text,
              );
            }
          }
          db.close();
          return reports;
        };
        expect(run(false)).toEqual(run(true));
      }),
      { numRuns: 40 },
    );
  });
});
