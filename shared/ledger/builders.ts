/**
 * Constructors for each kind of ledger event, balanced by construction.
 * Amounts are milli-kudos (`fromKudos` at the edge); each builder refuses an
 * amount that is not a positive whole number of milli-kudos, so a bad figure
 * fails where it is made rather than at validation.
 */
import {
  evaluatingAccount,
  userAccount,
  type AccountId,
  type Posting,
  type PostingEvent,
  type ReleaseEvent,
  type ReservationEvent,
} from './events';
import { asMilli, type Milli } from './money';

interface Common {
  /** Idempotency key: derive it from what makes the event unique (e.g. `settle:<job id>`), never from the clock. */
  key: string;
  /** Milliseconds since the epoch. */
  at: number;
  memo?: string;
}

function positive(name: string, amount: Milli): Milli {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    throw new RangeError(`${name} must be a positive whole number of milli-kudos: ${amount}`);
  return amount;
}

const neg = (amount: Milli): Milli => asMilli(-amount);

function postingEvent(
  kind: PostingEvent['kind'],
  common: Common,
  postings: Posting[],
  holdId?: string,
): PostingEvent {
  const event: PostingEvent = { key: common.key, kind, at: common.at, postings };
  if (common.memo !== undefined) event.memo = common.memo;
  if (holdId !== undefined) event.holdId = holdId;
  return event;
}

/**
 * A finished job paid: the requester pays `amount` plus `fee`, the worker's
 * owner earns `amount`, and the fee (the horde's per-job burn) goes back to
 * `system:mint`. With `holdId` the requester's payment draws on that hold.
 * With `held` (an untrusted owner), that part of the earning goes to the
 * owner's evaluation account (`evaluatingTo`) instead of the balance.
 */
export function jobSettlement(
  args: Common & {
    requester: AccountId;
    workerOwner: AccountId;
    amount: Milli;
    fee?: Milli;
    holdId?: string;
    held?: Milli;
    evaluatingTo?: AccountId;
  },
): PostingEvent {
  const amount = positive('amount', args.amount);
  const fee = args.fee === undefined || args.fee === 0 ? 0 : positive('fee', args.fee);
  const held = args.held === undefined || args.held === 0 ? 0 : positive('held', args.held);
  if (held > amount) throw new RangeError(`held (${held}) exceeds the amount earned (${amount})`);
  if (held > 0 && args.evaluatingTo === undefined)
    throw new RangeError('a held share needs the evaluation account it goes to');
  const postings: Posting[] = [{ account: args.requester, amount: asMilli(-(amount + fee)) }];
  if (amount - held > 0) postings.push({ account: args.workerOwner, amount: asMilli(amount - held) });
  if (held > 0 && args.evaluatingTo !== undefined)
    postings.push({ account: args.evaluatingTo, amount: asMilli(held) });
  if (fee > 0) postings.push({ account: 'system:mint', amount: asMilli(fee) });
  return postingEvent('job_settlement', args, postings, args.holdId);
}

/**
 * A delivered image paid: the requester pays `charge` (the worker's worth
 * plus the horde's burns; 0 for a censored image), the worker's owner earns
 * `reward`, and `system:mint` takes or gives the difference. Undefined when
 * both are 0 (nothing moves).
 */
export function imageSettlement(
  args: Common & {
    requester: AccountId;
    workerOwner: AccountId;
    charge: Milli;
    reward: Milli;
    holdId?: string;
  },
): PostingEvent | undefined {
  for (const [name, v] of [
    ['charge', args.charge],
    ['reward', args.reward],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0)
      throw new RangeError(`${name} must be a whole number of milli-kudos ≥ 0: ${v}`);
  }
  if (args.charge === 0 && args.reward === 0) return undefined;
  const postings: Posting[] = [];
  if (args.charge > 0) postings.push({ account: args.requester, amount: neg(args.charge) });
  if (args.reward > 0) postings.push({ account: args.workerOwner, amount: args.reward });
  const diff = args.charge - args.reward;
  if (diff !== 0) postings.push({ account: 'system:mint', amount: asMilli(diff) });
  return postingEvent('job_settlement', args, postings, args.charge > 0 ? args.holdId : undefined);
}

/** Kudos for uptime, created by `system:mint`. */
export function uptimeReward(args: Common & { workerOwner: AccountId; amount: Milli }): PostingEvent {
  const amount = positive('amount', args.amount);
  return postingEvent('uptime_reward', args, [
    { account: 'system:mint', amount: neg(amount) },
    { account: args.workerOwner, amount },
  ]);
}

/** Trust earned: the user's kudos held in evaluation become spendable, in one balanced event. */
export function evaluationPromotion(args: Common & { userId: number; amount: Milli }): PostingEvent {
  const amount = positive('amount', args.amount);
  return postingEvent('evaluation_promotion', args, [
    { account: evaluatingAccount(args.userId), amount: neg(amount) },
    { account: userAccount(args.userId), amount },
  ]);
}

/** A user gives kudos to another user. */
export function transfer(
  args: Common & { from: AccountId; to: AccountId; amount: Milli; holdId?: string },
): PostingEvent {
  const amount = positive('amount', args.amount);
  return postingEvent(
    'transfer',
    args,
    [
      { account: args.from, amount: neg(amount) },
      { account: args.to, amount },
    ],
    args.holdId,
  );
}

/** An admin award (positive) or correction (negative), balanced against `system:admin`. */
export function adjustment(args: Common & { account: AccountId; amount: Milli }): PostingEvent {
  if (!Number.isSafeInteger(args.amount) || args.amount === 0) {
    throw new RangeError(`an adjustment is a non-zero whole number of milli-kudos: ${args.amount}`);
  }
  return postingEvent('adjustment', args, [
    { account: 'system:admin', amount: neg(args.amount) },
    { account: args.account, amount: args.amount },
  ]);
}

/** Holds `amount` of the account's balance under `holdId` (e.g. `upfront:<request id>`). */
export function reservation(
  args: Common & { holdId: string; account: AccountId; amount: Milli },
): ReservationEvent {
  const event: ReservationEvent = {
    key: args.key,
    kind: 'reservation',
    at: args.at,
    holdId: args.holdId,
    account: args.account,
    amount: positive('amount', args.amount),
  };
  if (args.memo !== undefined) event.memo = args.memo;
  return event;
}

/** Ends a hold: what is left of it becomes available again. */
export function release(args: Common & { holdId: string }): ReleaseEvent {
  const event: ReleaseEvent = { key: args.key, kind: 'release', at: args.at, holdId: args.holdId };
  if (args.memo !== undefined) event.memo = args.memo;
  return event;
}
