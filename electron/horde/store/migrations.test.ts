import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { asMilli } from '../../../shared/ledger/money';
import { HordeDb } from './db';
import { MIGRATIONS } from './migrations';
import { enqueueText, popText, textStatus, type LifecycleLimits } from './text-queue';
import { createUser, userById } from './users';
import { checkIn } from './workers';

const limits: LifecycleLimits = {
  textJobTtlS: 150,
  requestTtlS: 1200,
  maxFaults: 3,
  workerStaleS: 300,
  ledger: {},
};

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

/** Opens `file` with only the migrations up to `version` known, as an older release would. */
function openAt(file: string, version: number): HordeDb {
  const later = MIGRATIONS.filter((m) => m.version > version);
  for (const m of later) MIGRATIONS.splice(MIGRATIONS.indexOf(m), 1);
  try {
    return new HordeDb(file);
  } finally {
    MIGRATIONS.push(...later);
  }
}

describe('migration 22 (the queue indexes of issue 20)', () => {
  it("keeps a horde's queue as it was: same requests, same order, same positions", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'horde-migrate-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'horde.sqlite');
    const old = openAt(file, 21);
    const requester = userById(old, createUser(old, 'req', 0, { trusted: true }).id)!;
    const ids = [
      { at: 1, priority: 0, models: ['a'] },
      { at: 2, priority: 5, models: [] },
      { at: 3, priority: 5, models: ['a', 'b'] },
      { at: 4, priority: 0, models: ['b'] },
    ].map((r) =>
      enqueueText(
        old,
        {
          user: requester,
          prompt: `at ${r.at}`,
          params: {},
          models: r.models,
          workers: [],
          workerBlacklist: false,
          n: 1,
          maxLength: 64,
          maxContextLength: 1024,
          extraPriority: r.priority,
          kudosPerJob: asMilli(1000),
        },
        r.at,
        limits,
      ),
    );
    const positionsBefore = ids.map((id) => textStatus(old, id, 10, limits).queue_position);
    old.close();

    const db = new HordeDb(file);
    cleanup.push(() => db.close());
    expect(
      db.get<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations')!.v,
    ).toBeGreaterThanOrEqual(22);
    expect(ids.map((id) => textStatus(db, id, 10, limits).queue_position)).toEqual(positionsBefore);
    const owner = userById(db, createUser(db, 'own', 0, { trusted: true }).id)!;
    const w = checkIn(
      db,
      {
        user: owner,
        name: 'w',
        type: 'text',
        models: ['a', 'b'],
        maxLength: 512,
        maxContextLength: 2048,
        threads: 1,
        bridgeAgent: 't',
      },
      0,
      300,
    );
    const pops = ids.map(
      () =>
        popText(
          db,
          w,
          { models: ['a', 'b'], maxLength: 512, maxContextLength: 2048, amount: 1, priorityUserIds: [] },
          20,
          limits,
        ).popped?.payload.prompt,
    );
    expect(pops).toEqual(['at 2', 'at 3', 'at 1', 'at 4']);
    // Each popped request's rows left the pop index with it, whatever models it had.
    expect(db.get<{ n: number }>('SELECT COUNT(*) AS n FROM text_queue')!.n).toBe(0);
  });
});
