import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS_API_KEY } from '../../shared/api/common';
import { DEFAULT_LIMITS, makeContext, userOf } from './context';
import { HordeDb } from './store/db';
import { createUser, ensureOwner, renameOwner, userByUsername } from './store/users';

const request = (apikey: string | undefined, ip: string) =>
  ({ headers: apikey ? { apikey } : {}, ip }) as unknown as FastifyRequest;

describe('who is asking', () => {
  it('in LAN mode refuses anonymous use from other machines, not from this one, and not registered users', () => {
    const db = new HordeDb(':memory:');
    const lan = makeContext(db, () => 0, DEFAULT_LIMITS, true);
    const user = createUser(db, 'lan-user', 0);
    expect(() =>
      userOf(lan, request(ANONYMOUS_API_KEY, '192.168.1.20'), { anonymousIfMissing: true }),
    ).toThrow(expect.objectContaining({ rc: 'AnonForbidden' }));
    expect(() => userOf(lan, request(undefined, '192.168.1.20'), { anonymousIfMissing: true })).toThrow(
      expect.objectContaining({ rc: 'AnonForbidden' }),
    );
    expect(userOf(lan, request(ANONYMOUS_API_KEY, '127.0.0.1'), { anonymousIfMissing: true }).id).toBe(0);
    expect(userOf(lan, request(user.apikey, '192.168.1.20'), { anonymousIfMissing: false }).id).toBe(user.id);
    const loopbackOnly = makeContext(db, () => 0, DEFAULT_LIMITS, false);
    expect(userOf(loopbackOnly, request(undefined, '127.0.0.1'), { anonymousIfMissing: true }).id).toBe(0);
    expect(() =>
      userOf(loopbackOnly, request(undefined, '127.0.0.1'), { anonymousIfMissing: false }),
    ).toThrow(expect.objectContaining({ rc: 'InvalidAPIKey' }));
  });

  it('creates the owner account once and returns the same key afterwards', () => {
    const db = new HordeDb(':memory:');
    const first = ensureOwner(db, 'me', 0);
    const again = ensureOwner(db, 'someone else', 5, first.apikey);
    expect(again).toEqual(first);
    expect(first.username).toBe(`me#${first.id}`);
    expect(
      userOf(
        makeContext(db, () => 0, DEFAULT_LIMITS, false),
        request(first.apikey, '127.0.0.1'),
        { anonymousIfMissing: false },
      ).id,
    ).toBe(first.id);
    // Keys are stored hashed only, the owner's too.
    expect(db.get('SELECT 1 AS x FROM users WHERE apikey_hash = ?', first.apikey)).toBeUndefined();
  });

  it('renames the owner: same id and key, the old alias no longer names anyone', () => {
    const db = new HordeDb(':memory:');
    expect(renameOwner(db, 'Ada')).toBeUndefined();
    const first = ensureOwner(db, 'Volunteer', 0);
    expect(renameOwner(db, '  Ada Lovelace ')).toEqual({
      id: first.id,
      username: `Ada Lovelace#${first.id}`,
    });
    expect(userByUsername(db, `Ada Lovelace#${first.id}`)?.id).toBe(first.id);
    expect(userByUsername(db, `Volunteer#${first.id}`)).toBeUndefined();
    expect(ensureOwner(db, 'ignored', 5, first.apikey)).toEqual({
      ...first,
      username: `Ada Lovelace#${first.id}`,
    });
    expect(() => renameOwner(db, 'a#b')).toThrow(RangeError);
    expect(() => renameOwner(db, 'x'.repeat(31))).toThrow(RangeError);
  });

  it('gives the owner a fresh key when the app has lost the old one, keeping the account', () => {
    const db = new HordeDb(':memory:');
    const ctx = makeContext(db, () => 0, DEFAULT_LIMITS, false);
    const first = ensureOwner(db, 'me', 0);
    const rotated = ensureOwner(db, 'me', 5, 'not-the-key');
    expect(rotated.id).toBe(first.id);
    expect(rotated.apikey).not.toBe(first.apikey);
    expect(userOf(ctx, request(rotated.apikey, '127.0.0.1'), { anonymousIfMissing: false }).id).toBe(
      first.id,
    );
    expect(() => userOf(ctx, request(first.apikey, '127.0.0.1'), { anonymousIfMissing: false })).toThrow(
      expect.objectContaining({ rc: 'InvalidAPIKey' }),
    );
  });
});
