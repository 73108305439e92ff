import type { AccountId, LedgerEvent, Posting } from '../../../shared/ledger/events';
import { asMilli, type Milli } from '../../../shared/ledger/money';
import { userIdOf } from '../../../shared/ledger/accounts';
import {
  applyEventInPlace,
  emptyLedger,
  foldLedger,
  totalOf,
  validateEvent,
  type LedgerRc,
  type LedgerRules,
  type LedgerState,
} from '../../../shared/ledger/fold';
import type { HordeDb } from './db';

/**
 * The kudos ledger in SQLite: `ledger_events` is append-only (triggers refuse
 * UPDATE and DELETE), and `balances`, `holds` and `kudos_details` are
 * projections written in the same transaction as the event they follow from.
 * The shared ledger code (validation and fold) decides what an event does, on
 * the slice of state it touches, so that `verify`, which folds every event
 * from scratch with the same code, must arrive at the same projection.
 */

/** The AI Horde's kudos_details buckets that a posting lands in. */
type DetailCategory = 'accumulated' | 'gifted' | 'received' | 'admin' | 'uptime';

function categoryOf(event: LedgerEvent, posting: Posting): DetailCategory {
  switch (event.kind) {
    case 'transfer':
      return posting.amount < 0 ? 'gifted' : 'received';
    case 'adjustment':
      return 'admin';
    case 'uptime_reward':
      return 'uptime';
    default:
      return 'accumulated';
  }
}

/** A ledger rule refused the event (not enough kudos, transfer to anonymous, ...). */
export class LedgerRefused extends Error {
  constructor(
    readonly rc: LedgerRc,
    message: string,
  ) {
    super(message);
    this.name = 'LedgerRefused';
  }
}

interface HoldRow {
  hold_id: string;
  account: string;
  amount: number;
}

/** The balances and holds of the accounts `event` touches, and whether its key was applied. */
function sliceFor(db: HordeDb, event: LedgerEvent): { state: LedgerState; holdIds: Set<string> } {
  const state = emptyLedger();
  if (db.get('SELECT 1 AS x FROM ledger_events WHERE key = ?', event.key)) state.appliedKeys.add(event.key);
  const accounts = new Set<AccountId>();
  if (event.kind === 'reservation') accounts.add(event.account);
  else if (event.kind !== 'release') for (const p of event.postings) accounts.add(p.account);
  const holdIds = new Set<string>();
  const addHold = (r: HoldRow): void => {
    state.holds.set(r.hold_id, { account: r.account as AccountId, amount: asMilli(r.amount) });
    holdIds.add(r.hold_id);
  };
  for (const account of accounts) {
    const b = db.get<{ balance: number }>('SELECT balance FROM balances WHERE account = ?', account);
    state.balances.set(account, asMilli(b?.balance ?? 0));
    for (const h of db.all<HoldRow>('SELECT * FROM holds WHERE account = ?', account)) addHold(h);
  }
  if (event.holdId !== undefined) {
    const h = db.get<HoldRow>('SELECT * FROM holds WHERE hold_id = ?', event.holdId);
    if (h) addHold(h);
    holdIds.add(event.holdId);
  }
  return { state, holdIds };
}

/** The ledger state of the accounts an event touches (e.g. for `clipToCap` before appending an earning). */
export function stateForEvent(db: HordeDb, event: LedgerEvent): LedgerState {
  return sliceFor(db, event).state;
}

/** The state of the accounts an event touches, as read for it (`readSlice`), to hand back to `appendEvent`. */
export interface LedgerSlice {
  readonly event: LedgerEvent;
  readonly state: LedgerState;
  readonly holdIds: Set<string>;
}

/**
 * The ledger state of the accounts an event touches (e.g. for `clipToCap`
 * before appending an earning). Read inside the write transaction that
 * appends, and handed to `appendEvent` when the event did not change, it
 * spares reading the same rows twice.
 */
export function readSlice(db: HordeDb, event: LedgerEvent): LedgerSlice {
  return { event, ...sliceFor(db, event) };
}

/**
 * Validates `event` with the shared ledger rules, appends it and updates the
 * projections, in one transaction. Returns false when its key was already
 * applied (a retry changes nothing); throws LedgerRefused when a rule forbids it.
 * `read` is the slice read for this very event in the same transaction
 * (`readSlice`); any other slice is ignored and read again.
 */
export function appendEvent(
  db: HordeDb,
  event: LedgerEvent,
  rules: LedgerRules = {},
  read?: LedgerSlice,
): boolean {
  return db.tx(() => {
    const { state, holdIds } = read?.event === event ? read : sliceFor(db, event);
    const verdict = validateEvent(state, event, rules);
    if (!verdict.ok) throw new LedgerRefused(verdict.rc, verdict.message);
    if (verdict.duplicate) return false;
    db.run(
      'INSERT INTO ledger_events (key, kind, at, body) VALUES (?, ?, ?, ?)',
      event.key,
      event.kind,
      event.at,
      JSON.stringify(event),
    );
    applyEventInPlace(state, event);
    for (const [account, balance] of state.balances) {
      db.run(
        'INSERT INTO balances (account, balance) VALUES (?, ?) ON CONFLICT(account) DO UPDATE SET balance = excluded.balance',
        account,
        balance,
      );
    }
    for (const id of holdIds) {
      const h = state.holds.get(id);
      if (h) {
        db.run(
          'INSERT INTO holds (hold_id, account, amount) VALUES (?, ?, ?) ON CONFLICT(hold_id) DO UPDATE SET amount = excluded.amount',
          id,
          h.account,
          h.amount,
        );
      } else db.run('DELETE FROM holds WHERE hold_id = ?', id);
    }
    if (event.kind !== 'reservation' && event.kind !== 'release') {
      for (const p of event.postings) {
        const uid = userIdOf(p.account);
        if (uid === undefined) continue;
        db.run(
          'INSERT INTO kudos_details (user_id, category, amount) VALUES (?, ?, ?) ON CONFLICT(user_id, category) DO UPDATE SET amount = amount + excluded.amount',
          uid,
          categoryOf(event, p),
          p.amount,
        );
      }
    }
    return true;
  });
}

export function eventByKey(db: HordeDb, key: string): LedgerEvent | undefined {
  const row = db.get<{ body: string }>('SELECT body FROM ledger_events WHERE key = ?', key);
  return row ? (JSON.parse(row.body) as LedgerEvent) : undefined;
}

export function balanceOf(db: HordeDb, account: AccountId): Milli {
  const row = db.get<{ balance: number }>('SELECT balance FROM balances WHERE account = ?', account);
  return asMilli(row?.balance ?? 0);
}

export function heldOf(db: HordeDb, account: AccountId): Milli {
  const row = db.get<{ held: number | null }>(
    'SELECT SUM(amount) AS held FROM holds WHERE account = ?',
    account,
  );
  return asMilli(row?.held ?? 0);
}

/** What the account may still commit: balance minus the holds of its queued requests. */
export function availableOf(db: HordeDb, account: AccountId): Milli {
  return asMilli(balanceOf(db, account) - heldOf(db, account));
}

export function kudosDetailsOf(db: HordeDb, userId: number): Record<DetailCategory, Milli> {
  const out: Record<DetailCategory, Milli> = {
    accumulated: asMilli(0),
    gifted: asMilli(0),
    received: asMilli(0),
    admin: asMilli(0),
    uptime: asMilli(0),
  };
  for (const r of db.all<{ category: DetailCategory; amount: number }>(
    'SELECT category, amount FROM kudos_details WHERE user_id = ?',
    userId,
  )) {
    out[r.category] = asMilli(r.amount);
  }
  return out;
}

export interface LedgerDifference {
  /** The account, or `hold <id>` for a hold. */
  account: string;
  /** Milli-kudos the stored projection says. */
  stored: number;
  /** Milli-kudos folding the events gives. */
  rebuilt: number;
}

export interface VerifyReport {
  ok: boolean;
  events: number;
  /** Sum over every account, system accounts included, in milli-kudos: 0 when kudos are conserved. */
  total: number;
  differences: LedgerDifference[];
}

function* storedEvents(db: HordeDb): Generator<LedgerEvent> {
  for (const row of db.sql.prepare('SELECT body FROM ledger_events ORDER BY seq').iterate()) {
    yield JSON.parse(String((row as { body: unknown }).body)) as LedgerEvent;
  }
}

/**
 * Rebuilds every balance and hold from the events with the shared fold and
 * compares with the stored projections. Runs in one transaction so a
 * concurrent writer (the server, while the CLI verifies) cannot make the two
 * sides disagree mid-read.
 */
export function verifyLedger(db: HordeDb): VerifyReport {
  return db.tx(() => {
    let events = 0;
    const counted = (function* () {
      for (const e of storedEvents(db)) {
        events++;
        yield e;
      }
    })();
    const rebuilt = foldLedger(counted);
    const differences: LedgerDifference[] = [];
    const stored = new Map(
      db
        .all<{ account: string; balance: number }>('SELECT account, balance FROM balances')
        .map((r) => [r.account, r.balance]),
    );
    for (const account of new Set<string>([...rebuilt.balances.keys(), ...stored.keys()])) {
      const a = stored.get(account) ?? 0;
      const b = rebuilt.balances.get(account as AccountId) ?? 0;
      if (a !== b) differences.push({ account, stored: a, rebuilt: b });
    }
    const storedHolds = new Map(db.all<HoldRow>('SELECT * FROM holds').map((r) => [r.hold_id, r]));
    for (const id of new Set<string>([...rebuilt.holds.keys(), ...storedHolds.keys()])) {
      const a = storedHolds.get(id);
      const b = rebuilt.holds.get(id);
      if (a?.amount !== b?.amount || (a && b && a.account !== b.account)) {
        differences.push({ account: `hold ${id}`, stored: a?.amount ?? 0, rebuilt: b?.amount ?? 0 });
      }
    }
    const total = totalOf(rebuilt);
    return { ok: differences.length === 0 && total === 0, events, total, differences };
  });
}
