/**
 * Ledger: job settlements per second through the horde's own path
 * (`settleJob`: read the accounts' slice, validate with the shared fold,
 * append the event, update the projections, one transaction each) against raw
 * SQLite writing the same rows — the event row, both balances, both
 * kudos_details buckets — with prepared statements, one transaction each, on
 * the same schema and pragmas. Rounds alternate, each on fresh files.
 */
import { DatabaseSync } from 'node:sqlite';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HordeDb } from '../electron/horde/store/db';
import { adminAdjustment, settleJob } from '../electron/horde/store/kudos';
import { verifyLedger } from '../electron/horde/store/ledger';
import { MIGRATIONS } from '../electron/horde/store/migrations';
import { createUser } from '../electron/horde/store/users';
import { jobSettlement } from '../shared/ledger/builders';
import { userAccount } from '../shared/ledger/events';
import { asMilli, fromKudos } from '../shared/ledger/money';
import { row, type BenchResult } from './report';
import { summarize } from './stats';

const AMOUNT = asMilli(2_345);

export interface LedgerOptions {
  settlements: number;
  rounds: number;
  log: (line: string) => void;
}

function horde(file: string, n: number, round: number): { perSecond: number; verified: boolean } {
  const db = new HordeDb(file);
  try {
    const requester = createUser(db, 'ledger-requester', Date.now());
    const owner = createUser(db, 'ledger-owner', Date.now());
    adminAdjustment(db, {
      key: `fund:${round}`,
      userId: requester.id,
      amount: fromKudos(1e9),
      at: Date.now(),
      memo: 'bench',
    });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      settleJob(db, {
        jobId: `job-${round}-${i}`,
        requesterId: requester.id,
        workerOwnerId: owner.id,
        amount: AMOUNT,
        at: Date.now(),
        memo: `text job ${i} of the ledger bench`,
      });
    }
    const seconds = (performance.now() - t0) / 1000;
    return { perSecond: n / seconds, verified: verifyLedger(db).ok };
  } finally {
    db.close();
  }
}

function raw(file: string, n: number, round: number): number {
  const db = new DatabaseSync(file);
  try {
    // The horde's pragmas (HordeDb's constructor) and its schema, so only the code path differs.
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    db.exec('PRAGMA busy_timeout = 5000');
    for (const m of MIGRATIONS) db.exec(m.sql);
    const requesterId = 1;
    const ownerId = 2;
    const event = db.prepare('INSERT INTO ledger_events (key, kind, at, body) VALUES (?, ?, ?, ?)');
    const balance = db.prepare(
      'INSERT INTO balances (account, balance) VALUES (?, ?) ON CONFLICT(account) DO UPDATE SET balance = balance + excluded.balance',
    );
    const detail = db.prepare(
      'INSERT INTO kudos_details (user_id, category, amount) VALUES (?, ?, ?) ON CONFLICT(user_id, category) DO UPDATE SET amount = amount + excluded.amount',
    );
    balance.run(userAccount(requesterId), fromKudos(1e9));
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const e = jobSettlement({
        key: `settle:job-${round}-${i}`,
        at: Date.now(),
        memo: `text job ${i} of the ledger bench`,
        requester: userAccount(requesterId),
        workerOwner: userAccount(ownerId),
        amount: AMOUNT,
      });
      db.exec('BEGIN IMMEDIATE');
      event.run(e.key, e.kind, e.at, JSON.stringify(e));
      balance.run(userAccount(requesterId), -AMOUNT);
      balance.run(userAccount(ownerId), AMOUNT);
      detail.run(requesterId, 'accumulated', -AMOUNT);
      detail.run(ownerId, 'accumulated', AMOUNT);
      db.exec('COMMIT');
    }
    return n / ((performance.now() - t0) / 1000);
  } finally {
    db.close();
  }
}

export async function benchLedger(o: LedgerOptions): Promise<BenchResult> {
  const started = performance.now();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ledger-bench-'));
  const project: number[] = [];
  const reference: number[] = [];
  let verified = true;
  try {
    for (let r = 0; r < o.rounds; r++) {
      // Alternate which goes first, so a slow second on the shared machine hits both alike.
      const runHorde = (): void => {
        const h = horde(path.join(dir, `horde-${r}.sqlite`), o.settlements, r);
        project.push(h.perSecond);
        verified &&= h.verified;
      };
      const runRaw = (): void => {
        reference.push(raw(path.join(dir, `raw-${r}.sqlite`), o.settlements, r));
      };
      if (r % 2 === 0) {
        runHorde();
        runRaw();
      } else {
        runRaw();
        runHorde();
      }
      o.log(
        `  ledger round ${r + 1}: horde ${project.at(-1)?.toFixed(0)}/s, raw ${reference.at(-1)?.toFixed(0)}/s`,
      );
      // Let timers and I/O callbacks run between rounds.
      await new Promise((res) => setImmediate(res));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const p = summarize(project);
  const q = summarize(reference);
  return {
    name: 'ledger',
    rows: [
      row({
        bench: 'ledger',
        metric: 'settlements/s (one transaction each)',
        unit: '/s',
        project: p,
        referenceLabel: 'raw node:sqlite, same rows',
        reference: q,
        target: { text: '≥ 0.5×', pass: p.n > 0 && q.n > 0 ? p.median / q.median >= 0.5 : undefined },
        note: `settleJob, ${o.settlements} per round × ${o.rounds}; ledger verify after each round: ${verified ? 'ok' : 'FAILED'}`,
      }),
    ],
    details: { settlements: o.settlements, rounds: o.rounds, project, reference, verified },
    seconds: (performance.now() - started) / 1000,
  };
}
