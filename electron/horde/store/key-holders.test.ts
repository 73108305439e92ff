import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HordeDb } from './db';
import { raiseFlag } from './flags';
import { KeyHolders } from './key-holders';
import { hashApiKey } from './keys';
import { createUser, ensureOwner } from './users';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function fileDb(): { file: string; db: HordeDb } {
  const dir = mkdtempSync(path.join(tmpdir(), 'key-holders-'));
  const file = path.join(dir, 'horde.sqlite');
  const db = new HordeDb(file);
  cleanup.push(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { file, db };
}

/** How many times the user's row was read by key. */
function rowReads(db: HordeDb): () => number {
  const get = vi.spyOn(db, 'get');
  return () => get.mock.calls.filter(([sql]) => String(sql).includes('WHERE apikey_hash = ?')).length;
}

describe('KeyHolders: users by API key between requests', () => {
  it('reads a user once, then answers from memory while nothing about them changed', () => {
    const { db } = fileDb();
    const alice = createUser(db, 'alice', 0);
    const keys = new KeyHolders(db);
    const reads = rowReads(db);
    for (let i = 0; i < 5; i++)
      expect(keys.get(alice.apikey)).toMatchObject({ id: alice.id, alias: 'alice' });
    expect(reads()).toBe(1);
    // A key nobody holds is asked about again each time (it may be a user created since).
    expect(keys.get('not-a-key')).toBeUndefined();
    expect(keys.get('not-a-key')).toBeUndefined();
    expect(reads()).toBe(3);
  });

  it('refuses a key at once after another connection (the CLI) gave its user a new one', () => {
    const { file, db } = fileDb();
    const owner = ensureOwner(db, 'club', 0);
    const keys = new KeyHolders(db);
    expect(keys.get(owner.apikey)?.id).toBe(owner.id);
    const cli = new HordeDb(file);
    cli.run('UPDATE users SET apikey_hash = ? WHERE id = ?', hashApiKey('fresh-key'), owner.id);
    cli.close();
    expect(keys.get(owner.apikey)).toBeUndefined();
    expect(keys.get('fresh-key')?.id).toBe(owner.id);
  });

  it('shows a flag, a promotion and a deletion on the next request', () => {
    const { db } = fileDb();
    const bob = createUser(db, 'bob', 0);
    const keys = new KeyHolders(db);
    expect(keys.get(bob.apikey)).toMatchObject({ flagged: 0, trusted: 0 });
    raiseFlag(db, bob.id, 'same_address', 'test', 1);
    expect(keys.get(bob.apikey)?.flagged).toBe(1);
    db.run('UPDATE users SET trusted = 1 WHERE id = ?', bob.id);
    expect(keys.get(bob.apikey)?.trusted).toBe(1);
    db.run('DELETE FROM kudos_details WHERE user_id = ?', bob.id);
    db.run('DELETE FROM flags WHERE user_id = ?', bob.id);
    db.run('DELETE FROM users WHERE id = ?', bob.id);
    expect(keys.get(bob.apikey)).toBeUndefined();
  });

  it('forgets what a rolled-back change showed, even when a later change follows before the next request', () => {
    const { db } = fileDb();
    const carol = createUser(db, 'carol', 0);
    const dave = createUser(db, 'dave', 0);
    const keys = new KeyHolders(db);
    expect(keys.get(carol.apikey)?.trusted).toBe(0);
    expect(() =>
      db.tx(() => {
        db.run('UPDATE users SET trusted = 1 WHERE id = ?', carol.id);
        expect(keys.get(carol.apikey)?.trusted).toBe(1);
        throw new Error('the answer failed');
      }),
    ).toThrow('the answer failed');
    db.run('UPDATE users SET flagged = 1 WHERE id = ?', dave.id);
    expect(keys.get(carol.apikey)?.trusted).toBe(0);
  });

  it('remembers a bounded number of keys', () => {
    const db = new HordeDb(':memory:');
    cleanup.push(() => db.close());
    const keys = new KeyHolders(db, 10);
    const users = Array.from({ length: 25 }, (_, i) => createUser(db, `u${i}`, 0));
    for (const u of users) expect(keys.get(u.apikey)?.id).toBe(u.id);
    expect(keys.size).toBe(10);
    expect(keys.get(users[0]!.apikey)?.id).toBe(users[0]!.id);
  });
});
