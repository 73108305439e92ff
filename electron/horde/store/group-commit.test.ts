import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HordeDb } from './db';

/**
 * Group commit (HordeDb.groupCommits): the writes of the answers handled in one event-loop turn
 * commit together, and no answer resolves before its writes are committed. What another
 * connection (the CLI, a backup reader) sees is what is on disk.
 */
const cleanup: (() => void)[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const f of cleanup.splice(0).reverse()) f();
});

/** `maxOpenMs` long by default: a busy machine must not split what the test means as one turn. */
function grouped(maxOpenMs = 60_000) {
  const dir = mkdtempSync(path.join(tmpdir(), 'horde-group-'));
  const file = path.join(dir, 'horde.sqlite');
  const db = new HordeDb(file);
  db.sql.exec('CREATE TABLE t (x INTEGER)');
  db.sql.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY)');
  // Checked at COMMIT: the one way to make a commit fail whose statements all succeeded.
  db.sql.exec('CREATE TABLE child (pid INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)');
  db.groupCommits({ maxOpenMs });
  const other = new DatabaseSync(file);
  cleanup.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => db.close(),
    () => other.close(),
  );
  /** The values of t that another connection sees, in order. */
  const committed = () =>
    (other.prepare('SELECT x FROM t ORDER BY x').all() as { x: number }[]).map((r) => r.x);
  /** One API call's handling: `write` in a transaction, then the wait for its commit. */
  const answer = <T>(write: () => T) =>
    db.inAnswer(async () => {
      const out = db.tx(write);
      const seenBeforeAnswer = committed();
      await db.answered();
      return { out, seenBeforeAnswer, seenAfterAnswer: committed() };
    });
  const insert = (x: number) => () => db.run('INSERT INTO t (x) VALUES (?)', x);
  return { db, committed, answer, insert };
}

describe('group commit', () => {
  it('commits the answers of one turn together, each answered only once its write is on disk', async () => {
    const g = grouped();
    const [a, b] = await Promise.all([g.answer(g.insert(1)), g.answer(g.insert(2))]);
    // The second wrote while the first's write was still uncommitted: one transaction for both.
    expect(a.seenBeforeAnswer).toEqual([]);
    expect(b.seenBeforeAnswer).toEqual([]);
    expect(a.seenAfterAnswer).toEqual([1, 2]);
    expect(b.seenAfterAnswer).toEqual([1, 2]);
  });

  it('commits a group open past its bound at its next write, before the turn ends', async () => {
    const g = grouped(2);
    const first = g.answer(g.insert(1));
    // A burst of calls in one turn: the group is not held until its end.
    const until = performance.now() + 5;
    while (performance.now() < until) {
      /* the first call's group grows old */
    }
    const second = g.answer(g.insert(2));
    expect(g.committed()).toEqual([1, 2]);
    await expect(first).resolves.toMatchObject({ seenBeforeAnswer: [] });
    await expect(second).resolves.toMatchObject({ seenBeforeAnswer: [1, 2] });
  });

  it('rolls back a transaction that fails alone and keeps the rest of its group', async () => {
    const g = grouped();
    const failing = g.answer(() => {
      g.db.run('INSERT INTO t (x) VALUES (1)');
      throw new Error('refused after writing');
    });
    const kept = g.answer(g.insert(2));
    await expect(failing).rejects.toThrow('refused after writing');
    expect((await kept).seenAfterAnswer).toEqual([2]);
  });

  it('fails every answer of a group whose commit fails, keeps none of their writes, and goes on', async () => {
    const g = grouped();
    const orphan = g.answer(() => g.db.run('INSERT INTO child (pid) VALUES (99)'));
    const innocent = g.answer(g.insert(1));
    await expect(orphan).rejects.toThrow(/FOREIGN KEY/);
    await expect(innocent).rejects.toThrow(/FOREIGN KEY/);
    expect(g.committed()).toEqual([]);
    expect((await g.answer(g.insert(2))).seenAfterAnswer).toEqual([2]);
  });

  it('commits a write of no answer at once, and the open group before it', async () => {
    const g = grouped();
    const pending = g.answer(g.insert(1));
    // The sweep's timer or an admin call: its caller reads the result as done when it returns.
    g.db.tx(g.insert(2));
    expect(g.committed()).toEqual([1, 2]);
    g.db.run('INSERT INTO t (x) VALUES (3)');
    expect(g.committed()).toEqual([1, 2, 3]);
    await pending;
  });

  it('commits at once a write made after its answer was sent', async () => {
    const g = grouped();
    const late = await g.db.inAnswer(async () => {
      await g.db.answered();
      g.db.tx(g.insert(1));
      return g.committed();
    });
    expect(late).toEqual([1]);
  });

  it('commits each transaction on its own while ungrouped (a backup reads the pages)', async () => {
    const g = grouped();
    const seen = await g.db.ungrouped(async () => (await g.answer(g.insert(1))).seenBeforeAnswer);
    expect(seen).toEqual([1]);
  });

  it('commits at the end of the turn under a fake clock too, and on close', async () => {
    const g = grouped();
    vi.useFakeTimers();
    expect((await g.answer(g.insert(1))).seenAfterAnswer).toEqual([1]);
    vi.useRealTimers();
    void g.answer(g.insert(2));
    g.db.close();
    expect(g.committed()).toEqual([1, 2]);
  });
});
