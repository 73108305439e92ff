import { execFile } from 'node:child_process';
import { DatabaseSync } from 'node:sqlite';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromKudos } from '../../shared/ledger/money';
import { openTestHorde, type TestHorde } from './horde-testkit';

/** The admin CLI, run as `npm run horde` runs it, on the database of a horde that is serving. */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [tsx, 'electron/horde/cli.ts', ...args], {
      cwd: root,
      timeout: 60_000,
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: e.code ?? -1, out: e.stdout ?? '' };
  }
}

let t: TestHorde;
beforeAll(async () => {
  t = await openTestHorde();
});
afterAll(async () => {
  await t.close();
});

describe('horde CLI against a running horde', () => {
  it('adds a user and awards kudos the server sees at once, and verify passes', async () => {
    const added = await cli('--db', t.dbPath, 'user', 'add', 'cli-user');
    expect(added.code).toBe(0);
    const user = JSON.parse(added.out) as { id: number; username: string; apikey: string };
    expect(user.username).toBe(`cli-user#${user.id}`);
    // A registered user starts with the 25 starting kudos (the CLI uses the horde's defaults).
    const fresh = await t.call('GET', '/find_user', { key: user.apikey });
    expect(fromKudos(fresh.body.kudos)).toBe(fromKudos(25));

    const award = await cli('--db', t.dbPath, 'kudos', 'award', user.username, '12.5', '--reason', 'welcome');
    expect(award.code).toBe(0);
    const me = await t.call('GET', '/find_user', { key: user.apikey });
    expect(me.status).toBe(200);
    expect(fromKudos(me.body.kudos)).toBe(fromKudos(25 + 12.5));

    const verify = await cli('--db', t.dbPath, 'verify');
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.out)).toMatchObject({ ok: true, total: 0, differences: [] });
  });

  it('verify exits 1 and names the account when a balance disagrees with the events', async () => {
    const u = t.user('tampered', 7);
    // Tamper with the projection behind the horde's back (the events table refuses edits).
    const db = new DatabaseSync(t.dbPath, { timeout: 5000 });
    db.prepare('UPDATE balances SET balance = balance + 1 WHERE account = ?').run(`user:${u.id}`);
    expect(() => db.prepare('DELETE FROM ledger_events').run()).toThrow(/append-only/);
    db.close();
    const verify = await cli('--db', t.dbPath, 'verify');
    expect(verify.code).toBe(1);
    expect(JSON.parse(verify.out).differences).toEqual([
      { account: `user:${u.id}`, stored: fromKudos(7) + 1, rebuilt: fromKudos(7) },
    ]);
  });

  it('lists flags with their reason, clears one, and trusts a user, all while the server runs', async () => {
    const alts = [1, 2, 3].map((i) => t.user(`cli-alt${i}`, 0, { trusted: false }));
    for (const u of alts) {
      await t.call('POST', '/generate/text/pop', {
        key: u.apikey,
        body: { name: `cli-w-${u.id}`, models: ['m'], max_length: 64, max_context_length: 1024 },
      });
    }
    const listed = await cli('--db', t.dbPath, 'flags', 'list');
    expect(listed.code).toBe(0);
    const flags = JSON.parse(listed.out) as { id: number; username: string; code: string; reason: string }[];
    expect(flags.map((f) => f.username).sort()).toEqual(alts.map((u) => u.username).sort());
    expect(flags[0]?.reason).toMatch(/new \(untrusted\) accounts acted from address/);

    const cleared = await cli('--db', t.dbPath, 'flags', 'clear', String(flags[0]!.id));
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.out)).toMatchObject({ id: flags[0]!.id, clearedAt: expect.any(Number) });
    const after = JSON.parse((await cli('--db', t.dbPath, 'flags', 'list')).out) as { id: number }[];
    expect(after.map((f) => f.id)).not.toContain(flags[0]!.id);
    expect(after).toHaveLength(flags.length - 1);
    expect((await cli('--db', t.dbPath, 'flags', 'clear', String(flags[0]!.id))).code).toBe(1);

    const unflagged = alts.find((u) => u.username === flags[0]!.username)!;
    expect((await t.call('GET', '/find_user', { key: unflagged.apikey })).body).toMatchObject({
      flagged: false,
      trusted: false,
    });
    expect((await cli('--db', t.dbPath, 'user', 'trust', unflagged.username)).code).toBe(0);
    expect((await t.call('GET', '/find_user', { key: unflagged.apikey })).body.trusted).toBe(true);
  });
});
