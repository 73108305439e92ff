import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { fromKudos } from '../../shared/ledger/money';
import { DEFAULT_LIMITS, makeContext } from './context';
import { buildServer } from './server';
import { HordeDb } from './store/db';
import { verifyLedger } from './store/ledger';
import { createUser } from './store/users';

/**
 * Issue 15: a write that finds the disk full answers with rc InsufficientStorage (HTTP 507) and a
 * message saying where, and leaves nothing half-written. The full disk is SQLite's own
 * SQLITE_FULL, injected with `PRAGMA max_page_count` (the database cannot grow past it).
 */
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function horde(o: { lan?: boolean } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'horde-full-'));
  const db = new HordeDb(path.join(dir, 'horde.sqlite'));
  const ctx = makeContext(
    db,
    Date.now,
    DEFAULT_LIMITS,
    o.lan ?? false,
    path.join(dir, 'horde.sqlite.images'),
  );
  const app: FastifyInstance = await buildServer(ctx, { logger: false, bindHost: '127.0.0.1' });
  cleanup.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => db.close(),
    () => app.close(),
  );
  const user = createUser(db, 'writer', Date.now(), { startingKudos: fromKudos(500), trusted: true });
  const fill = () => {
    const pages = (db.get<{ page_count: number }>('PRAGMA page_count') ?? { page_count: 0 }).page_count;
    db.sql.exec(`PRAGMA max_page_count = ${pages + 1}`);
  };
  const room = () => db.sql.exec('PRAGMA max_page_count = 1073741823');
  const ask = (prompt: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v2/generate/text/async',
      headers: { apikey: user.apikey, 'content-type': 'application/json', host: '127.0.0.1' },
      payload: { prompt, params: { max_length: 64, max_context_length: 1024 } },
    });
  return { dir, db, fill, room, ask };
}

describe('the embedded horde on a full disk', () => {
  it('answers InsufficientStorage naming the folder, keeps nothing of the call, and works once there is room', async () => {
    const h = await horde();
    const before = h.db.all('SELECT * FROM text_requests').length;
    const events = h.db.all('SELECT * FROM ledger_events').length;
    h.fill();
    const prompt = 'a long prompt that needs new pages '.repeat(1500);
    const full = await h.ask(prompt);
    expect(full.statusCode).toBe(507);
    const body = full.json<{ rc: string; message: string }>();
    expect(body.rc).toBe('InsufficientStorage');
    expect(body.message).toContain(`the disk that holds ${h.dir}`);
    expect(body.message).toContain('nothing of this call was saved');
    // Rolled back whole: no request, no hold, no ledger event, the ledger still balances.
    expect(h.db.all('SELECT * FROM text_requests')).toHaveLength(before);
    expect(h.db.all('SELECT * FROM holds')).toHaveLength(0);
    expect(h.db.all('SELECT * FROM ledger_events')).toHaveLength(events);
    expect(verifyLedger(h.db).ok).toBe(true);
    expect(readdirSync(h.dir).filter((n) => n.endsWith('.part') || n.endsWith('.tmp'))).toEqual([]);

    h.room();
    const ok = await h.ask(prompt);
    expect(ok.statusCode).toBe(202);
    expect(h.db.all('SELECT * FROM text_requests')).toHaveLength(before + 1);
  });

  it('keeps the call that fit and refuses the one that did not when both share one commit', async () => {
    const h = await horde();
    const before = h.db.all('SELECT * FROM text_requests').length;
    h.fill();
    // One group whatever the machine's pace (the server's bound is 2 ms).
    h.db.groupCommits({ maxOpenMs: 60_000 });
    // Transaction control runs through HordeDb's prepared `control` statements.
    const control = h.db['control'].bind(h.db);
    const statements: string[] = [];
    h.db['control'] = (sql: Parameters<typeof control>[0]) => {
      statements.push(sql);
      control(sql);
    };
    const [small, big] = await Promise.all([
      h.ask('a short prompt'),
      h.ask('a long prompt that needs new pages '.repeat(1500)),
    ]);
    // Handled in one turn: one transaction (HordeDb.groupCommits), a savepoint for each call.
    const group = statements.slice(statements.lastIndexOf('BEGIN IMMEDIATE'));
    expect(group.filter((sql) => sql === 'SAVEPOINT answer')).toHaveLength(2);
    expect(big.statusCode).toBe(507);
    expect(big.json<{ rc: string }>().rc).toBe('InsufficientStorage');
    expect(small.statusCode).toBe(202);
    const kept = h.db.all<{ id: string }>('SELECT id FROM text_requests');
    expect(kept).toHaveLength(before + 1);
    expect(kept.map((r) => r.id)).toContain(small.json<{ id: string }>().id);
    expect(verifyLedger(h.db).ok).toBe(true);
  });

  it('does not tell clients on the LAN where its files are', async () => {
    const h = await horde({ lan: true });
    h.fill();
    const full = await h.ask('x'.repeat(60_000));
    expect(full.statusCode).toBe(507);
    expect(full.json<{ message: string }>().message).not.toContain(h.dir);
  });
});
