import type { HordeDb } from './db';
import { DAY_MS, HOUR_MS, fair, type FairRules } from './fair';
import { usernameOf, userById } from './users';

/**
 * Flags: what the kudos documentation calls suspicious activity, raised by
 * the horde itself from what it sees (never from what a caller asks for), and
 * cleared only by the admin (CLI). A flagged user keeps a thousandth of their
 * priority (`extraPriority`), earns no uptime, cannot send or receive kudos
 * and is never promoted out of evaluation, as on the AI Horde. The anonymous
 * user and the app's owner (the horde's admin) are never flagged.
 */
export type FlagCode = 'same_address' | 'unfinished_jobs' | 'funnel';

export interface FlagView {
  id: number;
  userId: number;
  username: string;
  code: FlagCode;
  reason: string;
  /** Epoch ms. */
  createdAt: number;
  clearedAt: number | null;
  /** The owner looked at it and kept it (the user stays flagged). */
  confirmedAt: number | null;
  /** Why the owner cleared or confirmed it. */
  resolution: string | null;
}

interface FlagRow {
  id: number;
  user_id: number;
  code: FlagCode;
  reason: string;
  created_at: number;
  cleared_at: number | null;
  confirmed_at: number | null;
  resolution: string | null;
}

function exempt(db: HordeDb, userId: number): boolean {
  if (userId === 0) return true;
  return !!db.get('SELECT 1 AS x FROM local_owner WHERE user_id = ?', userId);
}

/** Raises a flag unless the user already has an open one with this code; true when a new flag was raised. */
export function raiseFlag(db: HordeDb, userId: number, code: FlagCode, reason: string, now: number): boolean {
  return db.tx(() => {
    if (exempt(db, userId)) return false;
    if (
      db.get('SELECT 1 AS x FROM flags WHERE user_id = ? AND code = ? AND cleared_at IS NULL', userId, code)
    )
      return false;
    db.run(
      'INSERT INTO flags (user_id, code, reason, created_at) VALUES (?, ?, ?, ?)',
      userId,
      code,
      reason,
      now,
    );
    db.run('UPDATE users SET flagged = 1 WHERE id = ?', userId);
    return true;
  });
}

function view(db: HordeDb, r: FlagRow): FlagView {
  const user = userById(db, r.user_id);
  return {
    id: r.id,
    userId: r.user_id,
    username: user ? usernameOf(user) : `#${r.user_id}`,
    code: r.code,
    reason: r.reason,
    createdAt: r.created_at,
    clearedAt: r.cleared_at,
    confirmedAt: r.confirmed_at,
    resolution: r.resolution,
  };
}

/** Open flags (or every flag with `all`), oldest first. */
export function listFlags(db: HordeDb, o: { all?: boolean } = {}): FlagView[] {
  const rows = db.all<FlagRow>(
    `SELECT * FROM flags ${o.all ? '' : 'WHERE cleared_at IS NULL'} ORDER BY created_at, id`,
  );
  return rows.map((r) => view(db, r));
}

/**
 * Clears one open flag; the user is unflagged once none is left open. Their
 * workers' uptime counts start again from their next check-in.
 */
export function clearFlag(db: HordeDb, id: number, now: number, resolution?: string): FlagView | undefined {
  return db.tx(() => {
    const row = db.get<FlagRow>('SELECT * FROM flags WHERE id = ? AND cleared_at IS NULL', id);
    if (!row) return undefined;
    db.run('UPDATE flags SET cleared_at = ?, resolution = ? WHERE id = ?', now, resolution ?? null, id);
    const open = db.get('SELECT 1 AS x FROM flags WHERE user_id = ? AND cleared_at IS NULL', row.user_id);
    if (!open) db.run('UPDATE users SET flagged = 0 WHERE id = ?', row.user_id);
    return view(db, { ...row, cleared_at: now, resolution: resolution ?? null });
  });
}

/**
 * The owner keeps an open flag: it stays open (the user stays flagged) and is
 * marked confirmed with the owner's reason. Undefined when no such open flag.
 */
export function confirmFlag(db: HordeDb, id: number, now: number, resolution: string): FlagView | undefined {
  return db.tx(() => {
    const row = db.get<FlagRow>('SELECT * FROM flags WHERE id = ? AND cleared_at IS NULL', id);
    if (!row) return undefined;
    db.run('UPDATE flags SET confirmed_at = ?, resolution = ? WHERE id = ?', now, resolution, id);
    return view(db, { ...row, confirmed_at: now, resolution });
  });
}

/**
 * A registered user acted from `ip` (a worker's check-in, a transfer). When
 * `sameAddressUsers` untrusted accounts or more acted from one address within
 * a day, they are flagged: several new accounts on one address collecting
 * uptime or starting kudos. Trusted accounts (a household's established
 * members) and the owner neither count nor get flagged.
 */
export function noteAddress(db: HordeDb, userId: number, ip: string, now: number, rules: FairRules): void {
  if (exempt(db, userId)) return;
  db.run(
    'INSERT INTO user_addresses (user_id, ip, last_seen) VALUES (?, ?, ?) ON CONFLICT(ip, user_id) DO UPDATE SET last_seen = excluded.last_seen',
    userId,
    ip,
    now,
  );
  const users = db.all<{ id: number }>(
    `SELECT u.id FROM user_addresses a JOIN users u ON u.id = a.user_id
     WHERE a.ip = ? AND a.last_seen >= ? AND u.trusted = 0 AND u.id <> 0
       AND u.id NOT IN (SELECT user_id FROM local_owner)`,
    ip,
    now - DAY_MS,
  );
  if (users.length < fair(rules, 'sameAddressUsers')) return;
  for (const u of users) {
    raiseFlag(
      db,
      u.id,
      'same_address',
      `${users.length} new (untrusted) accounts acted from address ${ip} within a day (workers or transfers)`,
      now,
    );
  }
}

/**
 * A worker left a popped job unfinished (timed out, or reported faulted).
 * Counted per hour; a worker that leaves `unfinishedJobsFlag` jobs in an hour
 * and finishes none in that time gets its owner flagged (the AI Horde puts
 * such a worker into maintenance and raises a suspicion).
 */
export function noteUnfinishedJob(db: HordeDb, workerId: string, now: number, rules: FairRules): void {
  const w = db.get<{
    owner_id: number;
    name: string;
    aborts_since: number;
    aborts_recent: number;
    last_completed_at: number | null;
  }>(
    'SELECT owner_id, name, aborts_since, aborts_recent, last_completed_at FROM workers WHERE id = ?',
    workerId,
  );
  if (!w) return;
  const fresh = now - w.aborts_since > HOUR_MS;
  const since = fresh ? now : w.aborts_since;
  const recent = (fresh ? 0 : w.aborts_recent) + 1;
  db.run('UPDATE workers SET aborts_since = ?, aborts_recent = ? WHERE id = ?', since, recent, workerId);
  const finishedSince = w.last_completed_at !== null && w.last_completed_at >= since;
  if (recent >= fair(rules, 'unfinishedJobsFlag') && !finishedSince) {
    raiseFlag(
      db,
      w.owner_id,
      'unfinished_jobs',
      `worker ${w.name} left ${recent} popped jobs unfinished within an hour and finished none`,
      now,
    );
  }
}

/**
 * An untrusted account sent kudos to `toId`. Kudos an untrusted account can
 * spend are newly minted (starting kudos, half of its first jobs); when
 * `funnelSenders` such accounts send to one account within a day, that
 * account is flagged. Returns whether `toId` is flagged for it now.
 */
export function noteNewAccountTransfer(
  db: HordeDb,
  fromId: number,
  toId: number,
  now: number,
  rules: FairRules,
): boolean {
  db.run('INSERT INTO new_account_transfers (from_id, to_id, at) VALUES (?, ?, ?)', fromId, toId, now);
  const senders = db.get<{ n: number }>(
    'SELECT COUNT(DISTINCT from_id) AS n FROM new_account_transfers WHERE to_id = ? AND at >= ?',
    toId,
    now - DAY_MS,
  );
  if ((senders?.n ?? 0) < fair(rules, 'funnelSenders')) return false;
  return raiseFlag(
    db,
    toId,
    'funnel',
    `received kudos from ${senders?.n ?? 0} new (untrusted) accounts within a day`,
    now,
  );
}
