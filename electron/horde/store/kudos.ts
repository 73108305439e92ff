import { evaluatingAccount, userAccount } from '../../../shared/ledger/events';
import { asMilli, type Milli } from '../../../shared/ledger/money';
import { splitJobReward } from '../../../shared/kudos/trust';
import type { PostingEvent } from '../../../shared/ledger/events';
import {
  adjustment,
  jobSettlement,
  release,
  reservation,
  transfer,
  uptimeReward,
} from '../../../shared/ledger/builders';
import { clipToCap, type LedgerRules } from '../../../shared/ledger/fold';
import type { HordeDb } from './db';
import { appendEvent, readSlice } from './ledger';

/**
 * The kudos moves the horde makes, each one balanced ledger event whose
 * idempotency key comes from what caused it (the job id, the transfer's
 * Idempotency-Key, the worker's uptime mark), so doing it twice moves kudos
 * once. `rules.userCapMilli` is the anti-hoarding cap: earnings above it are
 * burned back to `system:mint`.
 */

/** Whether the user's earnings are held in evaluation: a registered user not (yet) trusted. */
export function earnsIntoEvaluation(db: HordeDb, userId: number): boolean {
  if (userId === 0) return false;
  const row = db.get<{ trusted: number }>('SELECT trusted FROM users WHERE id = ?', userId);
  return row !== undefined && row.trusted !== 1;
}

/**
 * An earning event with the owner's share split as trust requires: for an
 * untrusted owner, half of what the event credits them goes to their
 * evaluation account instead (`splitJobReward`). For settlements built
 * elsewhere (the image routes' `imageSettlement`).
 */
export function withEvaluationShare(db: HordeDb, event: PostingEvent, ownerId: number): PostingEvent {
  if (!earnsIntoEvaluation(db, ownerId)) return event;
  const owner = userAccount(ownerId);
  const credit = event.postings.filter((p) => p.account === owner).reduce((sum, p) => sum + p.amount, 0);
  if (credit <= 0) return event;
  const { held } = splitJobReward(credit, false);
  if (held === 0) return event;
  const postings = event.postings.filter((p) => p.account !== owner);
  if (credit - held > 0) postings.push({ account: owner, amount: asMilli(credit - held) });
  postings.push({ account: evaluatingAccount(ownerId), amount: asMilli(held) });
  return { ...event, postings };
}

/**
 * Requester −k, worker owner +k, drawing on the request's upfront hold if it
 * has one. An untrusted owner gets half of k now and half held in evaluation
 * (the AI Horde's `record_contributions`).
 */
export function settleJob(
  db: HordeDb,
  o: {
    jobId: string;
    requesterId: number;
    workerOwnerId: number;
    amount: Milli;
    at: number;
    memo: string;
    holdId?: string | null;
  },
  rules: LedgerRules = {},
): boolean {
  if (o.amount <= 0) return false;
  const { held } = splitJobReward(o.amount, !earnsIntoEvaluation(db, o.workerOwnerId));
  const event = jobSettlement({
    key: `settle:${o.jobId}`,
    at: o.at,
    memo: o.memo,
    requester: userAccount(o.requesterId),
    workerOwner: userAccount(o.workerOwnerId),
    amount: o.amount,
    ...(held > 0 ? { held: asMilli(held), evaluatingTo: evaluatingAccount(o.workerOwnerId) } : {}),
    ...(o.holdId ? { holdId: o.holdId } : {}),
  });
  return appendClipped(db, event, rules);
}

/**
 * Appends an earning clipped to the cap (`clipToCap`). The accounts' state is
 * read once, in the transaction that appends: when the cap changes nothing,
 * the append validates on that same read instead of reading the rows again.
 */
function appendClipped(db: HordeDb, event: PostingEvent, rules: LedgerRules): boolean {
  return db.tx(() => {
    const read = readSlice(db, event);
    return appendEvent(db, clipToCap(read.state, event, rules), rules, read);
  });
}

/** Uptime from `system:mint`: to the owner's balance, or all of it into evaluation for an untrusted owner. */
export function uptimeCredit(
  db: HordeDb,
  o: { key: string; ownerId: number; amount: Milli; at: number; memo: string },
  rules: LedgerRules = {},
): boolean {
  if (o.amount <= 0) return false;
  const event = uptimeReward({
    key: `uptime:${o.key}`,
    at: o.at,
    memo: o.memo,
    workerOwner: earnsIntoEvaluation(db, o.ownerId) ? evaluatingAccount(o.ownerId) : userAccount(o.ownerId),
    amount: o.amount,
  });
  return appendClipped(db, event, rules);
}

export function transferKudos(
  db: HordeDb,
  o: { key: string; fromId: number; toId: number; amount: Milli; at: number; memo: string },
  rules: LedgerRules = {},
): boolean {
  return appendEvent(
    db,
    transfer({
      key: o.key,
      at: o.at,
      memo: o.memo,
      from: userAccount(o.fromId),
      to: userAccount(o.toId),
      amount: o.amount,
    }),
    rules,
  );
}

/** An admin award (or, with a negative amount, a correction) against `system:admin`. */
export function adminAdjustment(
  db: HordeDb,
  o: { key: string; userId: number; amount: Milli; at: number; memo: string },
): boolean {
  return appendEvent(
    db,
    adjustment({ key: o.key, at: o.at, memo: o.memo, account: userAccount(o.userId), amount: o.amount }),
  );
}

/** Holds kudos for a request; throws LedgerRefused('KudosUpfront') when the user's available kudos do not cover it. */
export function holdKudos(
  db: HordeDb,
  o: { holdId: string; userId: number; amount: Milli; at: number; memo: string },
): boolean {
  return appendEvent(
    db,
    reservation({
      key: `hold:${o.holdId}`,
      at: o.at,
      memo: o.memo,
      holdId: o.holdId,
      account: userAccount(o.userId),
      amount: o.amount,
    }),
  );
}

export function releaseHold(db: HordeDb, o: { holdId: string; at: number; memo: string }): boolean {
  if (!db.get('SELECT 1 AS x FROM holds WHERE hold_id = ?', o.holdId)) return false;
  return appendEvent(db, release({ key: `release:${o.holdId}`, at: o.at, memo: o.memo, holdId: o.holdId }));
}
