import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHordeEntry, type Bundle } from '../harness/bundle';
import { CrashChecker } from '../harness/check';
import { NoAnswer, closeIdleSockets } from '../harness/http';
import { killAllHordes, standbyHorde, type HordeChild, type StandbyHorde } from '../harness/launcher';
import type { HordeChildOptions } from '../harness/protocol';
import { Rng, countFromEnv } from '../harness/rng';
import { describeSeeds, seedRuns } from '../harness/seeds';
import { Workload, type WorkerSpec } from '../harness/workload';

/**
 * Crash safety of the embedded horde's ledger: a child-process horde on a
 * real SQLite file is driven by a seeded random workload and SIGKILLed at
 * random moments, CRASH_KILLS times (200 by default, thousands for a long
 * run), split among the fixed seeds and one fresh one (harness/seeds.ts).
 * After every restart the database is checked (see harness/check.ts).
 * Replay a failure with CRASH_SEED=<the printed seed> (all the kills on it).
 */

const KILLS = countFromEnv('CRASH_KILLS', 200);
const SEED_RUNS = seedRuns('crash', KILLS);
/** Concurrent clients per life, so that kills land while several requests are in flight. */
const CLIENTS = 4;
/** Most answers in one life: short lives keep the whole run within the CI budget. */
const MAX_ANSWERS_PER_LIFE = 40;
const VERIFY_EVERY = 10;
/** Advance the horde's clock between lives (exercises job timeouts and uptime) when it takes one. */
const USE_CLOCK = process.env.CRASH_CLOCK !== '0';

let bundle: Bundle;
let dir: string;

beforeAll(async () => {
  bundle = await bundleHordeEntry({ minify: true });
  dir = mkdtempSync(path.join(tmpdir(), 'horde-crash-'));
});

afterAll(async () => {
  await killAllHordes();
  closeIdleSockets();
  bundle?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the ledger survives SIGKILL at random moments', () => {
  console.log(`reliability-crash: ${describeSeeds('crash', SEED_RUNS)}`);
  for (const { seed: SEED, count: LIVES, fresh } of SEED_RUNS) {
    it(
      `${LIVES} kills under a random workload lose and duplicate nothing (seed ${SEED}${fresh ? ', fresh' : ''})`,
      async () => {
        const started = Date.now();
        console.log(`reliability-crash: seed=${SEED} kills=${LIVES} (replay with CRASH_SEED=${SEED})`);
        const rng = new Rng(SEED);
        const dbPath = path.join(dir, `horde-${SEED}.sqlite`);
        let clockOffsetMs = 0;
        const checker = new CrashChecker(dbPath);
        let restarts = 0;
        // The horde's own verify() folds the whole ledger: every VERIFY_EVERY restarts, and at the end.
        // The test's own (incremental) check runs after every restart.
        const opts = (verify = ++restarts % VERIFY_EVERY === 0): HordeChildOptions => ({
          dbPath,
          verifyOnStart: verify,
          ...(USE_CLOCK ? { useClock: true, clockOffsetMs } : {}),
        });

        // The next horde always waits in standby (code loaded, database untouched), so a restart
        // costs opening the database and listening, not loading node modules.
        let next: StandbyHorde = standbyHorde(bundle.file);
        const restart = async (o: HordeChildOptions): Promise<HordeChild> => {
          const c = await next.start(o);
          next = standbyHorde(bundle.file);
          return c;
        };
        let child = await restart({
          ...opts(),
          setup: {
            users: [
              { name: 'req-a', award: 500 },
              { name: 'req-b', award: 500 },
              { name: 'req-c', award: 50 },
              { name: 'owner-x', award: 100 },
              { name: 'owner-y', award: 0 },
            ],
          },
        });
        const users = child.ready.users;
        expect(users).toHaveLength(5);
        const workers: WorkerSpec[] = [
          { name: 'harness-worker-x1', owner: users[3]! },
          { name: 'harness-worker-x2', owner: users[3]! },
          { name: 'harness-worker-y1', owner: users[4]! },
        ];
        const w = new Workload(rng, users.slice(0, 3), workers);

        let restartMs = 0;
        let childStartMs = 0;
        let childVerifyMs = 0;
        let checkMs = 0;
        let kills = 0;
        for (let life = 0; life < LIVES; life++) {
          w.life = life;
          w.url = child.url;
          // The kill comes after a random number of answers (0: while the first requests are in
          // flight), either at once, with requests mid-way, or a few milliseconds later.
          const target = rng.chance(0.15) ? 0 : rng.int(1, MAX_ANSWERS_PER_LIFE);
          const delayMs = rng.chance(0.5) ? 0 : rng.int(0, 4);
          const victim = child;
          let killed: Promise<void> | undefined;
          const killNow = (): void => {
            if (killed) return;
            w.onAnswer = undefined;
            killed =
              delayMs === 0
                ? victim.kill()
                : new Promise((r) => setTimeout(r, delayMs)).then(() => victim.kill());
          };
          let answers = 0;
          w.onAnswer = () => {
            if (++answers >= target) killNow();
          };
          const clients = Array.from({ length: CLIENTS }, async () => {
            // Bounded: each client stops at its first unanswered request, or after 200 answers.
            for (let i = 0; i < 200 && w.url !== null; i++) {
              try {
                await w.run(w.nextOp());
              } catch (e) {
                if (e instanceof NoAnswer) return;
                throw e;
              }
            }
          });
          if (target === 0) setTimeout(killNow, rng.int(0, 3));
          // A backstop in case the clients stop early: the kill must happen every life.
          const backstop = setTimeout(killNow, 5_000);
          await Promise.race([Promise.all(clients), new Promise((r) => setTimeout(r, 5_000))]);
          killNow();
          clearTimeout(backstop);
          await killed;
          kills++;
          w.url = null;
          await Promise.all(clients);

          // The horde's clock moves on between lives: mostly 10-90 s (workers stay online, so every
          // 600 s of check-ins earns an uptime reward); now and then past the 150 s job deadline
          // (jobs in hand are aborted and requeued); rarely past the 300 s stale limit.
          if (USE_CLOCK) {
            const step = rng.weighted<[number, number]>([
              [[10, 90], 0.88],
              [[151, 290], 0.1],
              [[301, 400], 0.02],
            ]);
            clockOffsetMs += rng.int(step[0], step[1]) * 1000;
            if (step[0] > 150) w.clockJumps.add(life + 1);
          }
          const t0 = Date.now();
          child = await restart(opts());
          restartMs += Date.now() - t0;
          childStartMs += child.ready.timings.startMs;
          childVerifyMs += child.ready.timings.verifyMs;
          const t1 = Date.now();
          const { problems } = checker.check(w, child.ready);
          checkMs += Date.now() - t1;
          expect(problems, `after kill ${kills} (seed ${SEED})`).toEqual([]);
          expect(w.violations, `during life ${life} (seed ${SEED})`).toEqual([]);
        }

        // Last life: every unanswered request is retried to an answer, every job in hand submitted.
        w.life = LIVES;
        w.url = child.url;
        const deadline = Date.now() + 60_000;
        await w.drainPending(deadline);
        while (w.inHand.length > 0 && Date.now() < deadline) {
          const job = w.inHand.shift()!;
          await w.run({ kind: 'submit', worker: job.worker, jobId: job.jobId, state: 'ok', attempts: 0 });
        }
        await w.drainPending(deadline);
        const final = checker.check(w, child.ready);
        expect(final.problems).toEqual([]);
        expect(w.violations).toEqual([]);
        // And a clean close leaves a database that verifies on the next start.
        await child.close();
        child = await restart(opts(true));
        expect(child.ready.verify?.ok).toBe(true);
        expect(checker.check(w, child.ready).problems).toEqual([]);
        await child.close();
        await next.kill();

        const applied = [...w.transfers.values()].filter((t) => t.applied).length;
        const settled = [...w.submits.values()].filter((s) => (s.rewardMilli ?? 0) > 0).length;
        console.log(
          `reliability-crash: seed=${SEED} kills=${kills} answered=${w.counters.answered} ` +
            `unanswered=${w.counters.unanswered} retries=${w.counters.retriesSent} transfers=${w.transfers.size} ` +
            `(applied ${applied}) requests=${w.requests.size} pops=${w.popped.size} settled=${settled} ` +
            `events=${final.stats.events} ${JSON.stringify(final.stats.byKind)} restart=${Math.round(restartMs / Math.max(1, kills))}ms/kill ` +
            `(open+listen ${Math.round(childStartMs / Math.max(1, kills))}ms, verify ${Math.round(childVerifyMs / Math.max(1, kills))}ms) ` +
            `check=${Math.round(checkMs / Math.max(1, kills))}ms/kill total=${Date.now() - started}ms ` +
            `status=${JSON.stringify(w.counters.byStatus)}`,
        );
        expect(kills).toBe(LIVES);
        // The workload must have done real work, or the kills proved nothing.
        expect(applied).toBeGreaterThan(0);
        expect(final.stats.byKind.job_settlement ?? 0).toBeGreaterThan(0);
        expect(final.stats.byKind.reservation ?? 0).toBeGreaterThan(0);
      },
      // The budget grows with CRASH_KILLS: about 0.5 s a kill on an idle 2-core machine, and
      // several times that when other test files share the cores.
      // The whole run's budget for each seed's share: a slow shared machine must not cut a seed off.
      Math.max(300_000, KILLS * 3_000),
    );
  }
});
