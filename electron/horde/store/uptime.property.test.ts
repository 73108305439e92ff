/**
 * Uptime against farming, on the real store (SQLite in memory): any sequence
 * of check-ins and pops, by any number of workers of one user claiming any
 * context, pays at most one worker's uptime (one reward per 600 s of wall
 * time, at the best reward the model allows), nothing of it spendable while
 * the user is untrusted; the ledger stays conserved and `verify` clean; and
 * one worker alone earns exactly what the uptime rule paid before.
 *
 * Fixed seeds run in CI, plus one fresh seed printed for replay
 * (UPTIME_SEED=<seed> runs that seed alone).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  accrueUptime,
  uptimeReward,
  UPTIME_INTERVAL_S,
  type UptimeState,
} from '../../../shared/kudos/uptime';
import { evaluatingAccount, userAccount } from '../../../shared/ledger/events';
import { asMilli, fromKudos } from '../../../shared/ledger/money';
import { HordeError } from '../../../shared/api/horde-error';
import { HordeDb } from './db';
import { enqueueText, popText, sweepText, type LifecycleLimits } from './text-queue';
import { createUser, userById, type UserRow } from './users';
import { checkIn, recordFulfilment, type WorkerRow } from './workers';
import { balanceOf, verifyLedger } from './ledger';

const FIXED_SEEDS = [1, 42, 20_261_201];
const fresh = Number(process.env.UPTIME_SEED ?? Date.now() % 2_147_483_647);
const SEEDS = process.env.UPTIME_SEED ? [fresh] : [...FIXED_SEEDS, fresh];
console.log(`uptime.property: fresh seed=${fresh} (replay with UPTIME_SEED=${fresh})`);

const STALE_S = 300;
const MODELS = ['gpt2', 'Gryphe/MythoMax-L2-13b', 'koboldcpp/made-up-70B'] as const;
const limits: LifecycleLimits = {
  textJobTtlS: 150,
  requestTtlS: 1200,
  maxFaults: 3,
  workerStaleS: STALE_S,
  ledger: {},
};

/** The best reward one check-in can earn with this model, whatever context it claims. */
const bestReward = (model: string) => fromKudos(uptimeReward({ maxContextLength: 10_000_000, model }));

const step = fc.record({
  worker: fc.nat(39),
  /** Seconds since the previous step: bursts (0) to long silences (past stale). */
  dt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 91, max: 400 })),
  claim: fc.oneof(fc.constant(1_000_000), fc.integer({ min: 0, max: 300_000 })),
  /** A pop that takes a job (never finished) rather than a bare check-in. */
  takesJob: fc.boolean(),
});

function world(trusted: boolean) {
  const db = new HordeDb(':memory:');
  const requester = userById(db, createUser(db, 'requester', 0, { trusted: true }).id)!;
  const farmer = userById(db, createUser(db, 'farmer', 0, { trusted }).id)!;
  return { db, requester, farmer };
}

function pop(db: HordeDb, user: UserRow, name: string, model: string, claim: number, now: number) {
  return checkIn(
    db,
    {
      user,
      name,
      type: 'text',
      models: [model],
      maxLength: 512,
      maxContextLength: claim,
      threads: 1,
      bridgeAgent: 'farm:1:x',
    },
    now,
    STALE_S,
  );
}

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function runFarm(trusted: boolean, model: string, seq: Step[]) {
  const { db, requester, farmer } = world(trusted);
  let now = Date.UTC(2026, 0, 1);
  const first = now;
  let refused = 0;
  for (const s of seq) {
    now += s.dt * 1000;
    sweepText(db, now, limits);
    if (s.takesJob) {
      enqueueText(
        db,
        {
          user: requester,
          prompt: 'p',
          params: {},
          models: [],
          workers: [],
          workerBlacklist: false,
          n: 1,
          maxLength: 16,
          maxContextLength: 1024,
          extraPriority: 0,
          kudosPerJob: asMilli(1000),
        },
        now,
        limits,
      );
    }
    let worker: WorkerRow;
    try {
      worker = pop(db, userById(db, farmer.id)!, `farm-${s.worker}`, model, s.claim, now);
    } catch (err) {
      expect(err).toBeInstanceOf(HordeError);
      expect((err as HordeError).rc).toMatch(/^TooManyWorkers/);
      refused++;
      continue;
    }
    if (s.takesJob) {
      popText(
        db,
        worker,
        {
          models: [model],
          maxLength: 512,
          maxContextLength: s.claim,
          amount: 1,
          priorityUserIds: [],
          onlyPriority: false,
        },
        now,
        limits,
      );
    }
  }
  return { db, farmer, elapsedS: (now - first) / 1000, refused };
}

describe('uptime against farming (store, property)', () => {
  for (const seed of SEEDS) {
    it(`workers of one user that only pop earn at most one worker's uptime, none spendable untrusted (seed ${seed})`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...MODELS),
          fc.boolean(),
          fc.array(step, { minLength: 1, maxLength: 120 }),
          (model, trusted, seq) => {
            const { db, farmer, elapsedS, refused } = runFarm(trusted, model, seq);
            const spendable = balanceOf(db, userAccount(farmer.id));
            const held = balanceOf(db, evaluatingAccount(farmer.id));
            const bound = Math.floor(elapsedS / UPTIME_INTERVAL_S) * bestReward(model);
            expect(spendable + held).toBeLessThanOrEqual(bound);
            if (!trusted) expect(spendable).toBe(0);
            else expect(held).toBe(0);
            const workers = new Set(seq.map((s) => s.worker)).size;
            if (!trusted && workers > 3) expect(refused).toBeGreaterThan(0);
            const report = verifyLedger(db);
            expect(report).toMatchObject({ ok: true, total: 0, differences: [] });
            db.close();
          },
        ),
        { seed, numRuns: 60 },
      );
    });
  }

  for (const seed of SEEDS) {
    it(`one worker alone earns exactly what the uptime rule pays, proven or not (seed ${seed})`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...MODELS),
          fc.array(
            fc.record({
              dt: fc.integer({ min: 0, max: 400 }),
              completes: fc.boolean(),
            }),
            { minLength: 1, maxLength: 150 },
          ),
          (model, seq) => {
            const { db, farmer } = world(true);
            let now = Date.UTC(2026, 0, 1);
            let expected = 0;
            let state: UptimeState = { uptimeS: 0, lastRewardUptimeS: 0 };
            const each = fromKudos(uptimeReward({ maxContextLength: 1024, model }));
            for (const s of seq) {
              now += s.dt * 1000;
              const w = pop(db, userById(db, farmer.id)!, 'honest', model, 1024, now);
              const r = accrueUptime(state, now, STALE_S);
              state = r.state;
              expected += r.intervals * each;
              if (s.completes) recordFulfilment(db, w.id, 0, 0, 0, now);
            }
            expect(balanceOf(db, userAccount(farmer.id))).toBe(expected);
            db.close();
          },
        ),
        { seed, numRuns: 60 },
      );
    });
  }
});
