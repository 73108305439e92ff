import { DatabaseSync } from 'node:sqlite';

/**
 * Reads the horde's SQLite file directly (read-only) and checks the ledger
 * with a fold written here, independently of the horde's own code, so a bug
 * shared by the horde's fold and its verify() cannot hide itself.
 *
 * Open it only while a horde process holds the database: opening a WAL
 * database with write access after a crash would run recovery and checkpoint
 * it, which is the horde's job on restart, not the test's.
 */

interface Posting {
  account: string;
  amount: number;
}

export interface StoredEvent {
  seq: number;
  key: string;
  kind: string;
  at: number;
  body: {
    key?: string;
    kind?: string;
    postings?: Posting[];
    holdId?: string;
    account?: string;
    amount?: number;
    memo?: string;
  };
}

export interface LedgerSnapshot {
  events: StoredEvent[];
  /** From the `balances` projection table. */
  balances: Map<string, number>;
  /** From the `holds` projection table: hold id → [account, amount]. */
  holds: Map<string, { account: string; amount: number }>;
  /** Events in the table (all of them, not only those read). */
  eventCount: number;
  lastSeq: number;
}

export function readLedger(dbPath: string, afterSeq = 0): LedgerSnapshot {
  const db = openReadOnly(dbPath);
  try {
    return readLedgerFrom(db, afterSeq);
  } finally {
    db.close();
  }
}

export function openReadOnly(dbPath: string): DatabaseSync {
  return new DatabaseSync(dbPath, { readOnly: true, timeout: 5_000 });
}

/** Events after `afterSeq` (all by default) and the whole projections, in one read transaction. */
export function readLedgerFrom(db: DatabaseSync, afterSeq = 0): LedgerSnapshot {
  {
    // One read transaction so the events and the projections are one consistent snapshot.
    db.exec('BEGIN');
    const events = (
      db
        .prepare('SELECT seq, key, kind, at, body FROM ledger_events WHERE seq > ? ORDER BY seq')
        .all(afterSeq) as {
        seq: number;
        key: string;
        kind: string;
        at: number;
        body: string;
      }[]
    ).map((r) => ({ ...r, body: JSON.parse(r.body) as StoredEvent['body'] }));
    const balances = new Map(
      (
        db.prepare('SELECT account, balance FROM balances').all() as { account: string; balance: number }[]
      ).map((r) => [r.account, Number(r.balance)] as const),
    );
    const holds = new Map(
      (
        db.prepare('SELECT hold_id, account, amount FROM holds').all() as {
          hold_id: string;
          account: string;
          amount: number;
        }[]
      ).map((r) => [r.hold_id, { account: r.account, amount: Number(r.amount) }] as const),
    );
    const count = db.prepare('SELECT COUNT(*) AS n, MAX(seq) AS last FROM ledger_events').get() as {
      n: number;
      last: number | null;
    };
    db.exec('COMMIT');
    return { events, balances, holds, eventCount: Number(count.n), lastSeq: Number(count.last ?? 0) };
  }
}

/** Runs a read-only query on the horde database (for test-specific checks). */
export function queryDb<T>(dbPath: string, sql: string, ...params: (string | number)[]): T[] {
  const db = openReadOnly(dbPath);
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export interface FoldResult {
  balances: Map<string, number>;
  holds: Map<string, { account: string; amount: number }>;
}

/** The ledger rules as DESIGN.md and shared/ledger/events.ts state them, folded from scratch. */
export function foldEvents(events: readonly StoredEvent[], into?: FoldResult): FoldResult {
  const balances = into?.balances ?? new Map<string, number>();
  const holds = into?.holds ?? new Map<string, { account: string; amount: number }>();
  for (const e of events) {
    const b = e.body;
    if (e.kind === 'reservation') {
      holds.set(b.holdId!, { account: b.account!, amount: b.amount! });
    } else if (e.kind === 'release') {
      holds.delete(b.holdId!);
    } else {
      for (const p of b.postings ?? []) {
        balances.set(p.account, (balances.get(p.account) ?? 0) + p.amount);
        // A debit drawn on a hold shrinks the hold by as much, never below zero.
        if (b.holdId !== undefined && p.amount < 0) {
          const h = holds.get(b.holdId);
          if (h && h.account === p.account) h.amount = Math.max(0, h.amount + p.amount);
        }
      }
    }
  }
  return { balances, holds };
}

/** Every violation of the ledger invariants found in a snapshot; empty when it is sound. */
export function ledgerViolations(snap: LedgerSnapshot): string[] {
  const watcher = new LedgerWatcher();
  return watcher.absorb(snap);
}

/**
 * The same checks as `ledgerViolations`, done incrementally across many
 * snapshots of one growing database: each call reads only the events
 * appended since the last, folds them into a running state, and compares
 * that state with the whole stored projection. The ledger is append-only
 * (triggers refuse UPDATE and DELETE), and the row count and last seq are
 * checked, so nothing folded earlier can have changed under the watcher.
 */
export class LedgerWatcher {
  private readonly fold: FoldResult = { balances: new Map(), holds: new Map() };
  private readonly keys = new Set<string>();
  lastSeq = 0;
  eventCount = 0;
  /** Every event seen, in order (the crash checker indexes them). */
  readonly events: StoredEvent[] = [];

  read(db: DatabaseSync): { snap: LedgerSnapshot; problems: string[] } {
    const snap = readLedgerFrom(db, this.lastSeq);
    return { snap, problems: this.absorb(snap) };
  }

  absorb(snap: LedgerSnapshot): string[] {
    const problems: string[] = [];
    for (const e of snap.events) {
      if (e.seq <= this.lastSeq) problems.push(`event seq ${e.seq} is not after ${this.lastSeq}`);
      this.lastSeq = e.seq;
      if (this.keys.has(e.key)) problems.push(`idempotency key applied twice: ${e.key}`);
      this.keys.add(e.key);
      if (e.body.key !== undefined && e.body.key !== e.key)
        problems.push(`event ${e.seq}: body key ${e.body.key} ≠ row key ${e.key}`);
      if (e.kind !== 'reservation' && e.kind !== 'release') {
        const postings = e.body.postings ?? [];
        const sum = postings.reduce((s, p) => s + p.amount, 0);
        if (sum !== 0) problems.push(`event ${e.key} (${e.kind}) is unbalanced: legs sum to ${sum}`);
        for (const p of postings) {
          if (!Number.isSafeInteger(p.amount))
            problems.push(`event ${e.key}: amount ${p.amount} is not integer milli-kudos`);
        }
      }
      this.events.push(e);
    }
    this.eventCount += snap.events.length;
    if (snap.eventCount !== this.eventCount || snap.lastSeq !== this.lastSeq) {
      problems.push(
        `the ledger table has ${snap.eventCount} events up to seq ${snap.lastSeq}; ${this.eventCount} up to ${this.lastSeq} were read (a row changed or vanished)`,
      );
    }
    foldEvents(snap.events, this.fold);
    const accounts = new Set([...this.fold.balances.keys(), ...snap.balances.keys()]);
    let total = 0;
    for (const a of accounts) {
      const replayed = this.fold.balances.get(a) ?? 0;
      const stored = snap.balances.get(a) ?? 0;
      total += stored;
      if (replayed !== stored)
        problems.push(`balance of ${a}: events replay to ${replayed}, stored ${stored}`);
    }
    if (total !== 0) problems.push(`total over all accounts (system ones included) is ${total}, not 0`);
    const holdIds = new Set([...this.fold.holds.keys(), ...snap.holds.keys()]);
    for (const id of holdIds) {
      const r = this.fold.holds.get(id);
      const s = snap.holds.get(id);
      // A hold shrunk to zero and a removed hold both leave nothing to spend against.
      if ((r?.amount ?? 0) !== (s?.amount ?? 0) || (r && s && r.amount > 0 && r.account !== s.account)) {
        problems.push(`hold ${id}: events replay to ${JSON.stringify(r)}, stored ${JSON.stringify(s)}`);
      }
    }
    return problems;
  }
}

/** Sum of all stored balances (the conserved total, 0 when every event is balanced). */
export function totalOfBalances(snap: LedgerSnapshot): number {
  let t = 0;
  for (const v of snap.balances.values()) t += v;
  return t;
}
