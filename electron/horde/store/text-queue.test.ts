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
