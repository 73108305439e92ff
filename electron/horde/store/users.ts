import { ANONYMOUS_USER_ID } from '../../../shared/ledger/events';
import type { Milli } from '../../../shared/ledger/money';
import type { HordeDb } from './db';
import { hashApiKey, newApiKey } from './keys';
import { adminAdjustment } from './kudos';

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

/** What a request's API key says about its user: who they are, not their running counters (key-holders.ts). */
export type KeyHolder = Readonly<
  Pick<UserRow, 'id' | 'alias' | 'created_at' | 'trusted' | 'flagged' | 'moderator'>
>;

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

export interface NewUserOptions {
  /** Trusted from the start (the app's owner; an admin's choice): earnings are never held in evaluation. */
  trusted?: boolean;
  /** Starting kudos, minted as one balanced event (`starting:<id>`) with the account; 0 or absent: none. */
  startingKudos?: Milli;
}

/** A registered user, with its starting kudos, in one transaction. */
export function createUser(db: HordeDb, name: string, now: number, o: NewUserOptions = {}): NewUser {
  const alias = normaliseAlias(name);
  return db.tx(() => {
    const apikey = newApiKey();
    const r = db.run(
      'INSERT INTO users (alias, apikey_hash, created_at, trusted) VALUES (?, ?, ?, ?)',
      alias,
      hashApiKey(apikey),
      now,
      o.trusted ? 1 : 0,
    );
    const id = Number(r.lastInsertRowid);
    if (o.startingKudos !== undefined && o.startingKudos > 0) {
      adminAdjustment(db, {
        key: `starting:${id}`,
        userId: id,
        amount: o.startingKudos,
        at: now,
        memo: 'starting kudos of a registered user',
      });
    }
    return { id, username: `${alias}#${id}`, apikey };
  });
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

/**
 * The app's owner account: created on the first call (trusted, with the starting kudos), the same account afterwards.
 * The horde keeps only the key's hash, like every other key; the app keeps the key
 * itself in its secret store and passes it back as `knownKey`. When the app has lost
 * it (a wiped secret store), the owner gets a fresh key: the account and its kudos stay.
 */
export function ensureOwner(
  db: HordeDb,
  name: string,
  now: number,
  knownKey?: string,
  startingKudos?: Milli,
): NewUser {
  return db.tx(() => {
    const row = db.get<{ user_id: number }>('SELECT user_id FROM local_owner WHERE id = 1');
    const user = row ? userById(db, row.user_id) : undefined;
    if (user) {
      const stored = db.get<{ apikey_hash: string }>('SELECT apikey_hash FROM users WHERE id = ?', user.id);
      if (knownKey !== undefined && stored?.apikey_hash === hashApiKey(knownKey)) {
        return { id: user.id, username: usernameOf(user), apikey: knownKey };
      }
      const apikey = newApiKey();
      db.run('UPDATE users SET apikey_hash = ? WHERE id = ?', hashApiKey(apikey), user.id);
      return { id: user.id, username: usernameOf(user), apikey };
    }
    // The owner runs this horde: trusted from the start, with the starting kudos of a registered user.
    const created = createUser(db, name, now, {
      trusted: true,
      ...(startingKudos !== undefined ? { startingKudos } : {}),
    });
    db.run('INSERT OR REPLACE INTO local_owner (id, user_id) VALUES (1, ?)', created.id);
    return created;
  });
}

/**
 * A new alias for the app's owner (the id, key, kudos and history stay): the owner picks the
 * name others see. Undefined when this horde has no owner yet.
 */
export function renameOwner(db: HordeDb, name: string): { id: number; username: string } | undefined {
  const alias = normaliseAlias(name);
  return db.tx(() => {
    const row = db.get<{ user_id: number }>('SELECT user_id FROM local_owner WHERE id = 1');
    if (!row) return undefined;
    db.run('UPDATE users SET alias = ? WHERE id = ?', alias, row.user_id);
    return { id: row.user_id, username: usernameOf({ alias, id: row.user_id }) };
  });
}

export type UserCounter =
  | 'tokens_used'
  | 'tokens_contributed'
  | 'text_requests'
  | 'interrogation_requests'
  | 'text_fulfilled'
  | 'interrogation_fulfilled'
  | 'image_requests'
  | 'image_fulfilled';

export function bumpUserCounter(db: HordeDb, userId: number, column: UserCounter, by: number): void {
  // `column` is a closed union, never user input, so interpolating it is safe.
  db.run(`UPDATE users SET ${column} = ${column} + ? WHERE id = ?`, by, userId);
}

/** Several counters of one user in one statement (a settled job moves two of the worker owner's). */
export function bumpUserCounters(
  db: HordeDb,
  userId: number,
  by: Readonly<Partial<Record<UserCounter, number>>>,
): void {
  const entries = Object.entries(by) as [UserCounter, number][];
  if (entries.length === 0) return;
  // The columns are the closed union's keys, never user input.
  const set = entries.map(([c]) => `${c} = ${c} + ?`).join(', ');
  db.run(`UPDATE users SET ${set} WHERE id = ?`, ...entries.map(([, n]) => n), userId);
}
