import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { HordeDb } from './db';

/**
 * The checkpointer thread (HordeDb.checkpointInBackground): the WAL's pages reach the database
 * file without the server's commits doing it, the WAL still restarts and stays bounded, and
 * nothing committed is lost on the way.
 */
const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function openDb() {
  const dir = mkdtempSync(path.join(tmpdir(), 'horde-ckpt-'));
  const file = path.join(dir, 'horde.sqlite');
  const db = new HordeDb(file);
  db.sql.exec('CREATE TABLE t (x INTEGER PRIMARY KEY, pad BLOB)');
  cleanup.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => db.close(),
  );
  return { db, file };
}

/** `n` commits of `pagesEach` pages of new rows (4 KiB pages: one 3.5 KiB row a page). */
function write(db: HordeDb, from: number, n: number, pagesEach: number): void {
  for (let i = 0; i < n; i++)
    db.tx(() => {
      for (let k = 0; k < pagesEach; k++)
        db.run('INSERT INTO t (x, pad) VALUES (?, randomblob(3500))', from + i * pagesEach + k);
    });
}

/**
 * Frames in the WAL now: `mxFrame` of the WAL index's header (bytes 16-19 of the -shm file, in the
 * machine's byte order), read from the file so that the test itself checkpoints nothing.
 */
function walFrames(file: string): number {
  const fd = openSync(`${file}-shm`, 'r');
  try {
    const header = Buffer.alloc(48);
    readSync(fd, header, 0, 48, 0);
    return os.endianness() === 'LE' ? header.readUInt32LE(16) : header.readUInt32BE(16);
  } finally {
    closeSync(fd);
  }
}

describe('background checkpoints', () => {
  it('copy committed pages into the database file while the server only commits, and rest while it does not', async () => {
    const { db, file } = openDb();
    // No checkpoint by the server's own commits within this test's writes.
    const c = db.checkpointInBackground({ everyMs: 20, fallbackPages: 1_000_000 })!;
    const before = statSync(file).size;
    expect(c.passes).toBe(0);
    write(db, 0, 20, 10);
    // Bounded: a pass follows the last commit by 20 ms, later on a loaded machine.
    for (let i = 0; i < 250 && !(c.last?.log && c.last.checkpointed === c.last.log && c.last.log >= 200); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(c.lastError).toBeUndefined();
    expect(c.last!.log).toBeGreaterThanOrEqual(200);
    expect(c.last!.checkpointed).toBe(c.last!.log);
    // The rows are in the main file now, not only in the WAL.
    expect(statSync(file).size).toBeGreaterThan(before + 200 * 3500);
    // Nothing committed, nothing to do: no pass at all (an idle horde costs no CPU).
    const passes = c.passes;
    await new Promise((r) => setTimeout(r, 300));
    expect(c.passes).toBe(passes);
    // A write of its own, outside any transaction, wakes it too.
    db.run('INSERT INTO t (x) VALUES (-1)');
    await c.nextPass();
    expect(c.passes).toBe(passes + 1);
  });

  it('let the WAL restart, so it stays bounded however long the server writes', () => {
    const { db, file } = openDb();
    const fallbackPages = 300;
    db.checkpointInBackground({ everyMs: 20, fallbackPages });
    // Writes with no pause between them, as a busy server's: the thread never finds the WAL at
    // rest, and only a checkpoint of the server's own lets it restart.
    const rounds = 60;
    let most = 0;
    for (let round = 0; round < rounds; round++) {
      write(db, round * 200, 20, 10);
      most = Math.max(most, walFrames(file));
    }
    // 12,000 pages written; without the server's own checkpoint the WAL held them all.
    expect(most).toBeLessThan((rounds * 200) / 3);
    expect(db.get<{ n: number }>('SELECT COUNT(*) AS n FROM t')!.n).toBe(rounds * 200);
  });

  it('keep every committed row through a stop, and leave no WAL behind once all is closed', async () => {
    const { db, file } = openDb();
    db.checkpointInBackground({ everyMs: 1 });
    write(db, 0, 50, 4);
    await db.stopBackgroundCheckpoints();
    db.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const other = new DatabaseSync(file, { readOnly: true });
    try {
      expect((other.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(200);
    } finally {
      other.close();
    }
  });

  it('cut a WAL that one large transaction grew back to its limit once it restarts', () => {
    const { db, file } = openDb();
    // 80 MiB in one transaction: the WAL file grows past the 64 MiB limit.
    db.tx(() => {
      for (let k = 0; k < (80 * 1024 * 1024) / 4096; k++)
        db.run('INSERT INTO t (x, pad) VALUES (?, randomblob(3500))', k);
    });
    const grown = statSync(`${file}-wal`).size;
    expect(grown).toBeGreaterThan(64 * 1024 * 1024);
    db.sql.exec('PRAGMA wal_checkpoint(PASSIVE)');
    db.run('INSERT INTO t (x) VALUES (-1)');
    expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(64 * 1024 * 1024);
  });
});
