import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { accruePooledUptime, uptimeReward, type UptimeState } from '../../../shared/kudos/uptime';
import { fromKudos } from '../../../shared/ledger/money';
import { assertProperty } from '../../../test/harness/seeds';
import { HordeDb } from './db';
import { createUser, userById } from './users';
import { CHECK_IN_BATCH_MS, checkIn, workerById } from './workers';

const STALE_S = 300;
const MODEL = 'koboldcpp/m';

/**
 * Check-ins are written at most every CHECK_IN_BATCH_MS while nothing
 * changes; what the owner earns and what the worker list shows must be what
 * writing every one of them gave.
 */
describe('batched check-ins', () => {
  it('pay the same uptime, at the same check-ins, as writing every check-in', () => {
    // Gaps of a polling worker (0-6 s, around the batch window), now and then a long silence.
    const gap = fc.oneof(
      { weight: 20, arbitrary: fc.integer({ min: 0, max: 6000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 400_000 }) },
    );
    assertProperty(
      fc.property(fc.array(gap, { minLength: 50, maxLength: 600 }), (gaps) => {
        const db = new HordeDb(':memory:');
        const owner = userById(db, createUser(db, 'owner', 0, { trusted: true }).id)!;
        const reward = fromKudos(uptimeReward({ maxContextLength: 2048, model: MODEL }));
        let now = Date.UTC(2026, 0, 1);
        // The reference: every check-in counted by the pure rule.
        let worker: UptimeState = { uptimeS: 0, lastRewardUptimeS: 0 };
        let pool: UptimeState = { uptimeS: 0, lastRewardUptimeS: 0 };
        let paid = 0;
        let written = 0;
        // A worker pops every second or so: writing one check-in in several is the point.
        expect(CHECK_IN_BATCH_MS).toBeGreaterThanOrEqual(2000);
        let lastWritten = -1;
        const pop = (): void => {
          const w = checkIn(
            db,
            {
              user: owner,
              name: 'w',
              type: 'text',
              models: [MODEL],
              maxLength: 512,
              maxContextLength: 2048,
              threads: 1,
              bridgeAgent: 'test:1:x',
            },
            now,
            STALE_S,
          );
          const a = accruePooledUptime({ worker, pool, proven: false, paused: false }, now, STALE_S);
          const restarts = a.worker.lastRewardUptimeS !== worker.lastRewardUptimeS;
          worker = a.worker;
          pool = a.pool;
          if (a.pays) paid++;
          if (w.last_check_in !== lastWritten) {
            // Written only once the batch window has passed, or when the check-in pays or restarts the count.
            if (lastWritten >= 0)
              expect(now - lastWritten >= CHECK_IN_BATCH_MS || a.pays || restarts).toBe(true);
            written++;
            lastWritten = w.last_check_in;
          }
          // Paid at this very check-in, as the reference is.
          expect(workerById(db, w.id)!.kudos_uptime).toBe(paid * reward);
        };
        for (const g of gaps) {
          now += g;
          pop();
        }
        // A check-in after the batch window is written: the counts agree again.
        now += CHECK_IN_BATCH_MS;
        pop();
        const row = db.get<{ uptime_s: number; last_check_in: number }>('SELECT * FROM workers')!;
        expect(row.last_check_in).toBe(now);
        expect(row.uptime_s).toBeCloseTo(worker.uptimeS, 6);
        expect(written).toBeGreaterThan(0);
      }),
      { numRuns: 30 },
    );
  });
});
