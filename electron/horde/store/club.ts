import { randomBytes } from 'node:crypto';
import { tokenFromBytes } from '../../../shared/club/invite-code';
import type {
  ClubSettings,
  InviteState,
  InviteView,
  JoinPolicy,
  MemberView,
  NewInvite,
} from '../../../shared/club/types';
import { JOIN_POLICIES } from '../../../shared/club/types';
import { evaluatingAccount, userAccount } from '../../../shared/ledger/events';
import { asMilli, fromKudos, toKudos, type Milli } from '../../../shared/ledger/money';
import type { HordeDb } from './db';
import { hashApiKey } from './keys';
import { usernameOf, userById } from './users';

/**
 * The club side of the horde's database: invites (one-time, bounded in time,
 * revocable; only the token's hash is kept, as for API keys), the owner's
 * settings for the horde, and the members' list. Pure storage: who may call
 * these is the caller's business (the owner's app, never HTTP, except
 * `redeemInvite`, which is how a new member joins).
 */

/** How long an invite is valid unless the owner says otherwise, and the most it may be. */
export const DEFAULT_INVITE_HOURS = 24;
export const MAX_INVITE_HOURS = 24 * 7;

interface InviteRow {
  id: number;
  token_hash: string;
  note: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by: number | null;
  revoked_at: number | null;
}

function stateOf(r: InviteRow, now: number): InviteState {
  if (r.used_at !== null) return 'used';
  if (r.revoked_at !== null) return 'revoked';
  return r.expires_at <= now ? 'expired' : 'open';
}

function inviteView(db: HordeDb, r: InviteRow, now: number): InviteView {
  const user = r.used_by !== null ? userById(db, r.used_by) : undefined;
  return {
    id: r.id,
    note: r.note,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    state: stateOf(r, now),
    usedBy: user ? usernameOf(user) : null,
  };
}

export function createInvite(db: HordeDb, now: number, o: { hours?: number; note?: string } = {}): NewInvite {
  const hours = o.hours ?? DEFAULT_INVITE_HOURS;
  if (!(hours > 0 && hours <= MAX_INVITE_HOURS)) {
    throw new RangeError(`an invite is valid for more than 0 and at most ${MAX_INVITE_HOURS} hours`);
  }
  const token = tokenFromBytes(randomBytes(16));
  const r = db.run(
    'INSERT INTO club_invites (token_hash, note, created_at, expires_at) VALUES (?, ?, ?, ?)',
    hashApiKey(token),
    (o.note ?? '').slice(0, 100),
    now,
    now + Math.round(hours * 3_600_000),
  );
  const row = db.get<InviteRow>('SELECT * FROM club_invites WHERE id = ?', Number(r.lastInsertRowid));
  return { ...inviteView(db, row as InviteRow, now), token };
}

/** Newest first; used, expired and revoked ones too (the owner sees what became of each). */
export function listInvites(db: HordeDb, now: number, limit = 50): InviteView[] {
  return db
    .all<InviteRow>('SELECT * FROM club_invites ORDER BY created_at DESC, id DESC LIMIT ?', limit)
    .map((r) => inviteView(db, r, now));
}

/** Revokes an open invite; false when there is no open invite with this id. */
export function revokeInvite(db: HordeDb, id: number, now: number): boolean {
  const r = db.run(
    'UPDATE club_invites SET revoked_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?',
    now,
    id,
    now,
  );
  return Number(r.changes) === 1;
}

/**
 * Marks the invite with this token used by `userId`, inside the caller's
 * transaction (the member is created in the same one). Answers the state that
 * refused it, or 'open' when it was taken now: a used, expired or revoked
 * invite never registers anyone, and two joins racing for one token register
 * one member (the UPDATE's condition decides).
 */
export function takeInvite(
  db: HordeDb,
  token: string,
  now: number,
  userId: () => number,
): InviteState | 'unknown' {
  const row = db.get<InviteRow>('SELECT * FROM club_invites WHERE token_hash = ?', hashApiKey(token));
  if (!row) return 'unknown';
  const state = stateOf(row, now);
  if (state !== 'open') return state;
  const id = userId();
  const r = db.run(
    'UPDATE club_invites SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL',
    now,
    id,
    row.id,
  );
  return Number(r.changes) === 1 ? 'open' : 'used';
}

// ─── settings ───────────────────────────────────────────────────────────

/** The owner's saved settings over `defaults` (the horde's limits); a damaged value keeps its default. */
export function readClubSettings(db: HordeDb, defaults: ClubSettings): ClubSettings {
  const out = { ...defaults };
  for (const r of db.all<{ name: string; value: string }>('SELECT name, value FROM club_settings')) {
    let v: unknown;
    try {
      v = JSON.parse(r.value);
    } catch {
      continue;
    }
    // Saved as float kudos (the file format of earlier versions); the settings are milli-kudos.
    if (r.name === 'startingKudos' && typeof v === 'number' && Number.isFinite(v) && v >= 0)
      out.startingKudos = fromKudos(v);
    if (r.name === 'kudosCap' && (v === null || (typeof v === 'number' && Number.isFinite(v) && v > 0)))
      out.kudosCap = v === null ? null : fromKudos(v);
    if (r.name === 'join' && JOIN_POLICIES.includes(v as JoinPolicy)) out.join = v as JoinPolicy;
  }
  return out;
}

export function saveClubSettings(db: HordeDb, patch: Partial<ClubSettings>): void {
  db.tx(() => {
    for (const [name, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      // Kudos are kept as float kudos, as earlier versions wrote them.
      const stored =
        (name === 'startingKudos' || name === 'kudosCap') && typeof value === 'number'
          ? toKudos(value as Milli)
          : value;
      db.run(
        'INSERT INTO club_settings (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
        name,
        JSON.stringify(stored),
      );
    }
  });
}

// ─── members ────────────────────────────────────────────────────────────

interface MemberRow {
  id: number;
  alias: string;
  created_at: number;
  trusted: number;
  flagged: number;
  kudos: number | null;
  evaluating: number | null;
  workers: number;
  online: number;
  last_check_in: number | null;
  last_request: number | null;
  last_address: number | null;
  owner: number;
}

/** Every registered user with kudos, workers and when last seen, the owner first, then by id. */
export function listMembers(db: HordeDb, now: number, staleS: number): MemberView[] {
  const rows = db.all<MemberRow>(
    `SELECT u.id, u.alias, u.created_at, u.trusted, u.flagged,
       (SELECT balance FROM balances WHERE account = ?1 || u.id) AS kudos,
       (SELECT balance FROM balances WHERE account = ?2 || u.id) AS evaluating,
       (SELECT COUNT(*) FROM workers w WHERE w.owner_id = u.id) AS workers,
       (SELECT COUNT(*) FROM workers w WHERE w.owner_id = u.id AND w.last_check_in >= ?3) AS online,
       (SELECT MAX(last_check_in) FROM workers w WHERE w.owner_id = u.id) AS last_check_in,
       (SELECT MAX(at) FROM (
          SELECT MAX(created_at) AS at FROM text_requests WHERE user_id = u.id
          UNION ALL SELECT MAX(created_at) FROM interrogations WHERE user_id = u.id
          UNION ALL SELECT MAX(created_at) FROM image_requests WHERE user_id = u.id)) AS last_request,
       (SELECT MAX(last_seen) FROM user_addresses a WHERE a.user_id = u.id) AS last_address,
       EXISTS (SELECT 1 FROM local_owner o WHERE o.user_id = u.id) AS owner
     FROM users u WHERE u.id <> 0
     ORDER BY owner DESC, u.id`,
    // The account names of shared/ledger/events.ts without the id: `user:` and `evaluating:`.
    userAccount(0).slice(0, -1),
    evaluatingAccount(0).slice(0, -1),
    now - staleS * 1000,
  );
  return rows.map((r) => {
    const seen = [r.last_check_in, r.last_request, r.last_address].filter((t): t is number => t !== null);
    return {
      id: r.id,
      username: usernameOf(r),
      kudos: asMilli(r.kudos ?? 0),
      evaluatingKudos: asMilli(r.evaluating ?? 0),
      workers: r.workers,
      workersOnline: r.online,
      lastSeen: seen.length > 0 ? Math.max(...seen) : null,
      trusted: r.trusted === 1,
      flagged: r.flagged === 1,
      owner: r.owner === 1,
      createdAt: r.created_at,
    };
  });
}
