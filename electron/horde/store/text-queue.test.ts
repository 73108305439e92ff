import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareQueue } from '../../../shared/kudos/priority';
import { asMilli } from '../../../shared/ledger/money';
import { HordeDb } from './db';
import {
  cancelText,
  enqueueText,
  popText,
  queuedTextRequests,
  submitText,
  sweepText,
  textStatus,
  type LifecycleLimits,
} from './text-queue';
import { createUser, userById, type UserRow } from './users';
import { checkIn, type WorkerRow } from './workers';
import { queueAhead } from './positions';
import { assertProperty } from '../../../test/harness/seeds';

const limits: LifecycleLimits = {
  textJobTtlS: 150,
  requestTtlS: 1200,
  maxFaults: 3,
  workerStaleS: 300,
  ledger: {},
};

function setup() {
  const db = new HordeDb(':memory:');
  const mk = (name: string): UserRow => userById(db, createUser(db, name, 0, { trusted: true }).id)!;
  const requester = mk('req');
  const owner = mk('own');
  const worker = (name: string, models: string[], maxLength = 512, maxContextLength = 2048): WorkerRow =>
    checkIn(
      db,
      {
        user: owner,
        name,
        type: 'text',
        models,
        maxLength,
        maxContextLength,
        threads: 1,
        bridgeAgent: 'test',
      },
      0,
      300,
    );
  const enqueue = (o: {
    prompt?: string;
    models?: string[];
    priority?: number;
    at?: number;
    n?: number;
    maxLength?: number;
    workers?: string[];
    blacklist?: boolean;
  }) =>
    enqueueText(
      db,
      {
        user: requester,
        prompt: o.prompt ?? 'p',
        params: {},
        models: o.models ?? [],
        workers: o.workers ?? [],
        workerBlacklist: o.blacklist ?? false,
        n: o.n ?? 1,
        maxLength: o.maxLength ?? 64,
        maxContextLength: 1024,
        extraPriority: o.priority ?? 0,
        kudosPerJob: asMilli(1000),
      },
      o.at ?? 0,
      limits,
    );
  const pop = (w: WorkerRow, at = 1, amount = 1) =>
    popText(
      db,
      w,
      {
        models: JSON.parse(w.models) as string[],
        maxLength: w.max_length,
        maxContextLength: w.max_context_length,
        amount,
        priorityUserIds: [],
      },
      at,
      limits,
    );
  return { db, requester, owner, worker, enqueue, pop };
}

describe('queued request count', () => {
  it('follows every way a request enters or leaves the queue', () => {
    const s = setup();
    const counted = () =>
      s.db.get<{ c: number }>("SELECT COUNT(*) AS c FROM text_requests WHERE status = 'queued'")?.c;
    const w = s.worker('w', ['m']);
    const ids = [1, 2, 3, 4].map((at) => s.enqueue({ at }));
    expect(queuedTextRequests(s.db)).toBe(4);
    const popped = s.pop(w, 10).popped!;
    expect(queuedTextRequests(s.db)).toBe(counted());
    cancelText(s.db, ids[3]!, 11);
    expect(queuedTextRequests(s.db)).toBe(counted());
    // The popped job times out and goes back to the queue; the others expire.
    sweepText(s.db, 10 + (limits.textJobTtlS + 1) * 1000, limits);
    expect(queuedTextRequests(s.db)).toBe(counted());
    sweepText(s.db, (limits.requestTtlS + 60) * 1000, limits);
    expect(queuedTextRequests(s.db)).toBe(counted());
    expect(queuedTextRequests(s.db)).toBe(0);
    expect(popped.jobIds).toHaveLength(1);
  });
});

describe('text queue pop', () => {
  it('serves requests of the same priority and millisecond in the order they came', () => {
    const s = setup();
    const prompts = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const prompt of prompts) s.enqueue({ prompt, models: ['m'], at: 7 });
    const w = s.worker('w', ['m']);
    expect(prompts.slice(0, 3).map(() => s.pop(w).popped?.payload.prompt)).toEqual(['a', 'b', 'c']);
    // The same through a priority user's own index.
    const popFor = (ids: number[]) =>
      popText(
        s.db,
        w,
        { models: ['m'], maxLength: 512, maxContextLength: 2048, amount: 1, priorityUserIds: ids },
        20,
        limits,
      ).popped?.payload.prompt;
    expect([1, 2, 3].map(() => popFor([s.requester.id]))).toEqual(['d', 'e', 'f']);
  });

  it("serves its priority users' requests first, in queue order across them and their models", () => {
    const s = setup();
    const other = userById(s.db, createUser(s.db, 'other', 0, { trusted: true }).id)!;
    const asUser = (user: UserRow, prompt: string, at: number, priority = 0, models: string[] = ['m']) =>
      enqueueText(
        s.db,
        {
          user,
          prompt,
          params: {},
          models,
          workers: [],
          workerBlacklist: false,
          n: 1,
          maxLength: 64,
          maxContextLength: 1024,
          extraPriority: priority,
          kudosPerJob: asMilli(1000),
        },
        at,
        limits,
      );
    asUser(s.requester, 'stranger-oldest', 1, 50);
    asUser(other, 'other-new', 9);
    asUser(s.owner, 'owner-any-model', 5, 0, []);
    asUser(other, 'other-high', 8, 3);
    asUser(s.owner, 'owner-old', 2);
    const w = s.worker('w', ['m']);
    const popAll = (priorityUserIds: number[], onlyPriority = false) =>
      popText(
        s.db,
        w,
        { models: ['m'], maxLength: 512, maxContextLength: 2048, amount: 1, priorityUserIds, onlyPriority },
        20,
        limits,
      ).popped?.payload.prompt;
    // The two priority users' requests first, by priority then age, whichever model index holds
    // them; then the rest of the queue.
    expect([1, 2, 3, 4].map(() => popAll([s.owner.id, other.id, s.owner.id]))).toEqual([
      'other-high',
      'owner-old',
      'owner-any-model',
      'other-new',
    ]);
    expect(popAll([s.owner.id], true)).toBeUndefined();
    expect(popAll([s.owner.id])).toBe('stranger-oldest');
  });

  it('serves the highest priority first, then the oldest', () => {
    const s = setup();
    s.enqueue({ prompt: 'old-low', priority: 1, at: 1 });
    s.enqueue({ prompt: 'new-high', priority: 9, at: 5 });
    s.enqueue({ prompt: 'old-high', priority: 9, at: 2 });
    const w = s.worker('w', ['m']);
    expect([1, 2, 3].map(() => s.pop(w).popped?.payload.prompt)).toEqual(['old-high', 'new-high', 'old-low']);
    expect(s.pop(w).popped).toBeUndefined();
  });

  it('matches models, limits and worker lists, and says why it skipped', () => {
    const s = setup();
    const small = s.worker('small', ['a'], 64, 2048);
    const other = s.worker('other', ['b']);
    s.enqueue({ prompt: 'for-a', models: ['a', 'c'], maxLength: 64 });
    s.enqueue({ prompt: 'too-long', models: ['a'], maxLength: 128, priority: 5 });
    s.enqueue({ prompt: 'not-small', workers: [small.id], blacklist: true, priority: 9 });
    expect(s.pop(other).popped?.payload.prompt).toBe('not-small');
    expect(s.pop(small).popped?.payload.prompt).toBe('for-a');
    const empty = s.pop(small);
    expect(empty.popped).toBeUndefined();
    expect(empty.skipped).toEqual({ max_length: 1 });
    expect(s.pop(other).skipped).toEqual({ models: 1 });
  });

  it('hands out n generations, several per pop when the worker asks for them', () => {
    const s = setup();
    const id = s.enqueue({ n: 3 });
    const w = s.worker('w', ['m']);
    expect(s.pop(w, 1, 2).popped?.jobIds).toHaveLength(2);
    expect(s.pop(w, 1, 2).popped?.jobIds).toHaveLength(1);
    expect(s.pop(w).popped).toBeUndefined();
    expect(textStatus(s.db, id, 1, limits)).toMatchObject({ processing: 3, waiting: 0 });
  });

  it('takes a cancelled request out of the queue and puts a timed-out slot back', () => {
    const s = setup();
    const w = s.worker('w', ['m']);
    const cancelled = s.enqueue({ prompt: 'cancelled', priority: 5 });
    s.enqueue({ prompt: 'kept' });
    cancelText(s.db, cancelled, 1);
    const first = s.pop(w, 1).popped!;
    expect(first.payload.prompt).toBe('kept');
    expect(s.pop(w, 2).popped).toBeUndefined();
    expect(sweepText(s.db, 1 + limits.textJobTtlS * 1000 + 1, limits).abortedJobs).toBe(1);
    const again = s.pop(w, 1 + limits.textJobTtlS * 1000 + 2).popped!;
    expect(again.payload.prompt).toBe('kept');
    expect(again.jobIds[0]).not.toBe(first.jobIds[0]);
  });

  it('faults a request on its third failed job', () => {
    const s = setup();
    const id = s.enqueue({});
    const w = s.worker('w', ['m']);
    for (let i = 0; i < limits.maxFaults; i++) {
      const job = s.pop(w).popped!;
      submitText(
        s.db,
        { jobId: job.jobIds[0]!, user: s.owner, generation: '', state: 'faulted', seed: 0 },
        2,
        limits,
      );
    }
    expect(textStatus(s.db, id, 3, limits)).toMatchObject({
      faulted: true,
      done: true,
      restarted: limits.maxFaults,
    });
    expect(s.pop(w).popped).toBeUndefined();
  });

  it('pops fitting requests in the order compareQueue gives, whatever was queued', () => {
    const req = fc.record({
      priority: fc.integer({ min: -100, max: 100 }),
      at: fc.integer({ min: 0, max: 1000 }),
      model: fc.constantFrom('a', 'b', ''),
    });
    assertProperty(
      fc.property(fc.array(req, { maxLength: 25 }), (reqs) => {
        const s = setup();
        reqs.forEach((r, i) =>
          s.enqueue({ prompt: String(i), priority: r.priority, at: r.at, models: r.model ? [r.model] : [] }),
        );
        const w = s.worker('w', ['a']);
        const fits = reqs
          .map((r, i) => ({ ...r, i }))
          .filter((r) => r.model !== 'b')
          .sort((x, y) =>
            compareQueue(
              { extraPriority: x.priority, createdAt: x.at },
              { extraPriority: y.priority, createdAt: y.at },
            ),
          );
        const popped: number[] = [];
        for (let p = s.pop(w).popped; p; p = s.pop(w).popped) popped.push(Number(p.payload.prompt));
        // Equal priority and age may come in either order; compare the (priority, age) sequence.
        const key = (i: number) => `${reqs[i]!.priority}/${reqs[i]!.at}`;
        expect(popped.map(key)).toEqual(fits.map((f) => key(f.i)));
      }),
      { numRuns: 40 },
    );
  });
});

describe('queue position in the status', () => {
  /** What the status said before positions were kept: a count of the queue ahead. */
  const counted = (db: HordeDb, id: string): { position: number; tokens: number } => {
    const r = db.get<{ extra_priority: number; created_at: number }>(
      'SELECT extra_priority, created_at FROM text_requests WHERE id = ?',
      id,
    )!;
    const a = db.get<{ c: number; t: number | null }>(
      `SELECT COUNT(*) AS c, SUM(max_length * n) AS t FROM text_requests
       WHERE status = 'queued' AND (extra_priority > ? OR (extra_priority = ? AND created_at < ?))`,
      r.extra_priority,
      r.extra_priority,
      r.created_at,
    )!;
    return { position: a.c + 1, tokens: a.t ?? 0 };
  };

  it('is the count of the requests ahead after any mix of enqueues, pops, cancels, faults and timeouts', () => {
    const op = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          k: fc.constant('enqueue' as const),
          priority: fc.integer({ min: 0, max: 3 }),
          at: fc.integer({ min: 0, max: 20 }),
          n: fc.integer({ min: 1, max: 3 }),
          maxLength: fc.constantFrom(16, 64),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({ k: fc.constant('pop' as const), amount: fc.integer({ min: 1, max: 2 }) }),
      },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('fault' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('timeout' as const) }) },
      { weight: 3, arbitrary: fc.record({ k: fc.constant('poll' as const), pick: fc.nat() }) },
    );
    assertProperty(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const s = setup();
        const w = s.worker('w', ['m']);
        const ids: string[] = [];
        const jobs: string[] = [];
        let now = 100;
        const check = (id: string): void => {
          const st = textStatus(s.db, id, now, limits);
          const queued =
            s.db.get<{ status: string }>('SELECT status FROM text_requests WHERE id = ?', id)?.status ===
            'queued';
          if (!queued) return;
          const want = counted(s.db, id);
          expect(st.queue_position).toBe(want.position);
          const r = s.db.get<{ id: string; extra_priority: number; created_at: number }>(
            'SELECT id, extra_priority, created_at FROM text_requests WHERE id = ?',
            id,
          )!;
          expect(queueAhead(s.db, r, now).tokensAhead).toBe(want.tokens);
        };
        for (const o of ops) {
          now += 1;
          if (o.k === 'enqueue')
            ids.push(s.enqueue({ priority: o.priority, at: o.at, n: o.n, maxLength: o.maxLength }));
          else if (o.k === 'pop') jobs.push(...(s.pop(w, now, o.amount).popped?.jobIds ?? []));
          else if (o.k === 'cancel' && ids.length > 0) cancelText(s.db, ids[o.pick % ids.length]!, now);
          else if (o.k === 'fault' && jobs.length > 0) {
            const [job] = jobs.splice(o.pick % jobs.length, 1);
            try {
              submitText(
                s.db,
                { jobId: job!, user: s.owner, generation: '', state: 'faulted', seed: 0 },
                now,
                limits,
              );
            } catch {
              // A job already ended (cancelled request, timed out) answers with an error; nothing to check here.
            }
          } else if (o.k === 'timeout') {
            now += limits.textJobTtlS * 1000 + 1;
            sweepText(s.db, now, limits);
          } else if (o.k === 'poll' && ids.length > 0) check(ids[o.pick % ids.length]!);
        }
        // Then every request, head first, so each first count starts from a kept position just ahead of it.
        const inOrder = s.db
          .all<{ id: string }>(
            "SELECT id FROM text_requests WHERE status = 'queued' ORDER BY extra_priority DESC, created_at",
          )
          .map((r) => r.id);
        for (const id of [...inOrder, ...ids]) check(id);
      }),
      { numRuns: 60 },
    );
  });
});
