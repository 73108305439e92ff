import { ANONYMOUS_USER_ID } from '../../../shared/ledger/events';
import type { HordeDb } from './db';
import { hashApiKey, newApiKey } from './keys';

export interface UserRow {
  id: number;
  alias: string;
  created_at: number;
  trusted: number;
  flagged: number;
  moderator: number;
  tokens_used: number;
  tokens_contributed: number;
  text_requests: number;
  interrogation_requests: number;
  text_fulfilled: number;
  interrogation_fulfilled: number;
}

export interface NewUser {
  id: number;
  /** `alias#id`, the AI Horde's unique username. */
  username: string;
  apikey: string;
}

export const usernameOf = (u: Pick<UserRow, 'alias' | 'id'>): string => `${u.alias}#${u.id}`;
export const isAnonymous = (u: Pick<UserRow, 'id'>): boolean => u.id === ANONYMOUS_USER_ID;

const MAX_ALIAS = 30;

/** Trims and checks an alias; the AI Horde caps usernames at 30 characters and forbids '#'. */
export function normaliseAlias(name: string): string {
  const alias = name.trim();
  if (alias.length === 0 || alias.length > MAX_ALIAS || alias.includes('#')) {
    throw new RangeError(`a user name is 1..${MAX_ALIAS} characters without '#': ${JSON.stringify(name)}`);
  }
  return alias;
}

export function createUser(db: HordeDb, name: string, now: number): NewUser {
  const alias = normaliseAlias(name);
  const apikey = newApiKey();
  const r = db.run(
    'INSERT INTO users (alias, apikey_hash, created_at) VALUES (?, ?, ?)',
    alias,
    hashApiKey(apikey),
    now,
  );
  const id = Number(r.lastInsertRowid);
  return { id, username: `${alias}#${id}`, apikey };
}

export function userByApiKey(db: HordeDb, apikey: string): UserRow | undefined {
  return db.get<UserRow>('SELECT * FROM users WHERE apikey_hash = ?', hashApiKey(apikey));
}

export function userById(db: HordeDb, id: number): UserRow | undefined {
  return db.get<UserRow>('SELECT * FROM users WHERE id = ?', id);
}

/**
 * By `alias#id` as the AI Horde resolves it: the number picks the user, and
 * the alias must match (case-insensitively) so a typo cannot send kudos to a
 * stranger who happens to hold that id.
 */
export function userByUsername(db: HordeDb, username: string): UserRow | undefined {
  const m = /^(.*)#(\d+)$/.exec(username.trim());
  if (!m) return undefined;
  const user = userById(db, Number(m[2]));
  if (!user || user.alias.toLowerCase() !== (m[1] ?? '').trim().toLowerCase()) return undefined;
  return user;
}

/** The app's owner account: created on the first call, the same one (and key) afterwards. */
export function ensureOwner(db: HordeDb, name: string, now: number): NewUser {
  return db.tx(() => {
    const row = db.get<{ user_id: number; apikey: string }>(
      'SELECT user_id, apikey FROM local_owner WHERE id = 1',
    );
    if (row) {
      const user = userById(db, row.user_id);
      if (user) return { id: user.id, username: usernameOf(user), apikey: row.apikey };
    }
    const created = createUser(db, name, now);
    db.run(
      'INSERT OR REPLACE INTO local_owner (id, user_id, apikey) VALUES (1, ?, ?)',
      created.id,
      created.apikey,
    );
    return created;
  });
}

export function bumpUserCounter(
  db: HordeDb,
  userId: number,
  column:
    | 'tokens_used'
    | 'tokens_contributed'
    | 'text_requests'
    | 'interrogation_requests'
    | 'text_fulfilled'
    | 'interrogation_fulfilled',
  by: number,
): void {
  // `column` is a closed union, never user input, so interpolating it is safe.
  db.run(`UPDATE users SET ${column} = ${column} + ? WHERE id = ?`, by, userId);
}
