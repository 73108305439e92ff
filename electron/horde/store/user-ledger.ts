import type { LedgerEventKind, PostingEvent } from '../../../shared/ledger/events';
import { toKudos } from '../../../shared/ledger/money';
import { userAccount } from '../../../shared/ledger/events';
import { userIdOf } from '../../../shared/ledger/accounts';
import type { HordeDb } from './db';
import { userById, usernameOf } from './users';

/** One kudos change on one user's account, as the app's journal records it. */
export interface UserLedgerLine {
  /** The event's position in the ledger: read on from here with `afterSeq`. */
  seq: number;
  /** The event's idempotency key and the posting's index in it: unique per change. */
  key: string;
  index: number;
  kind: Exclude<LedgerEventKind, 'reservation' | 'release'>;
  at: number;
  /** Signed kudos (two decimals). */
  kudos: number;
  memo?: string;
  /** The other user of a transfer, "alias#id". */
  counterparty?: string;
  /** The requester's request a job settlement was for. */
  requestId?: string;
  /** The job a settlement paid. */
  jobId?: string;
  /** A settlement the user paid to their own worker: both sides are this account, the balance did not grow. */
  selfPaid?: true;
}

/**
 * Every kudos change on a user's account after `afterSeq`, oldest first, up
 * to `limit` events: what the app needs to make its journal explain the
 * balance (paid and earned jobs, uptime, transfers both ways, awards and the
 * starting kudos). Holds are not changes of the balance and are left out.
 */
export function userLedger(db: HordeDb, userId: number, afterSeq: number, limit = 500): UserLedgerLine[] {
  const account = userAccount(userId);
  // The body is the event's JSON: a LIKE on the account narrows the scan before parsing.
  const rows = db.all<{ seq: number; body: string }>(
    `SELECT seq, body FROM ledger_events WHERE seq > ? AND kind NOT IN ('reservation', 'release')
     AND body LIKE ? ORDER BY seq LIMIT ?`,
    afterSeq,
    `%"account":"${account}"%`,
    limit,
  );
  const out: UserLedgerLine[] = [];
  for (const row of rows) {
    const event = JSON.parse(row.body) as PostingEvent;
    event.postings.forEach((p, index) => {
      if (p.account !== account || p.amount === 0) return;
      const line: UserLedgerLine = {
        seq: row.seq,
        key: event.key,
        index,
        kind: event.kind,
        at: event.at,
        kudos: toKudos(p.amount),
        ...(event.memo !== undefined ? { memo: event.memo } : {}),
      };
      if (event.kind === 'transfer') {
        const other = event.postings.find((q) => q.account !== account);
        const otherId = other ? userIdOf(other.account) : undefined;
        const user = otherId !== undefined ? userById(db, otherId) : undefined;
        if (user) line.counterparty = usernameOf(user);
      }
      if (event.kind === 'job_settlement') {
        line.jobId = event.key.replace(/^settle:/, '');
        const request = /\bof request (\S+)/.exec(event.memo ?? '')?.[1];
        if (request) line.requestId = request;
        const mine = event.postings.filter((q) => q.account === account);
        if (mine.some((q) => q.amount < 0) && mine.some((q) => q.amount > 0)) line.selfPaid = true;
      }
      out.push(line);
    });
  }
  return out;
}

/** The newest event's position, to know when a reader has caught up. */
export function lastSeq(db: HordeDb): number {
  return db.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM ledger_events')?.seq ?? 0;
}

/** A request the user submitted, as the embedded horde holds it. */
export interface UserRequestRow {
  id: string;
  kind: 'text' | 'alchemy';
  at: number;
}

/** The user's requests created at or after `since` (ms), oldest first: what a crash may have cut the answer of. */
export function userRequestsSince(db: HordeDb, userId: number, since: number): UserRequestRow[] {
  const text = db
    .all<{ id: string; at: number }>(
      'SELECT id, created_at AS at FROM text_requests WHERE user_id = ? AND created_at >= ?',
      userId,
      since,
    )
    .map((r) => ({ id: r.id, at: r.at, kind: 'text' as const }));
  const alchemy = db
    .all<{ id: string; at: number }>(
      'SELECT id, created_at AS at FROM interrogations WHERE user_id = ? AND created_at >= ?',
      userId,
      since,
    )
    .map((r) => ({ id: r.id, at: r.at, kind: 'alchemy' as const }));
  return [...text, ...alchemy].sort((a, b) => a.at - b.at);
}
