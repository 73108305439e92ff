/**
 * Whether an event may be appended to the ledger, given the state it would
 * apply to. The horde validates before it appends; the fold only re-checks
 * what no stored event can break (balance, integer amounts, known accounts).
 */
import {
  isAccountId,
  isCappedAccount,
  isEvaluatingAccount,
  isUserAccount,
  ANONYMOUS_ACCOUNT,
} from './accounts';
import type { AccountId, LedgerEvent, PostingEvent } from './events';
import type { Milli } from './money';
import { available, balanceOf, type LedgerState } from './state';

export interface LedgerRules {
  /**
   * The most milli-kudos a user account may hold (anti-hoarding); undefined
   * for no cap. An event that would credit a user above it is refused, so a
   * transfer to a capped user leaves the sender's kudos with the sender. For
   * earnings (settlements, uptime), call `clipToCap` first: the worker is
   * paid up to the cap and the excess is burned back to `system:mint`, so
   * the requester still pays the job's full price and nobody hoards.
   */
  userCapMilli?: Milli;
}

export type LedgerRc =
  | 'KudosUpfront'
  | 'KudosTransferToAnon'
  | 'KudosTransferToSelf'
  | 'KudosTransferNotEnough'
  | 'InvalidKudosTransferAmount'
  | 'InsufficientKudos'
  | 'UnbalancedEvent'
  | 'KudosCapExceeded'
  | 'InvalidAmount'
  | 'InvalidAccount'
  | 'InvalidEvent'
  | 'DuplicateHold';

export type LedgerValidation = { ok: true; duplicate?: true } | { ok: false; rc: LedgerRc; message: string };

export type LedgerProblem = { rc: LedgerRc; message: string };

const problem = (rc: LedgerRc, message: string): LedgerProblem => ({ rc, message });

/** What makes an event unusable whatever the state: missing key, unknown account, fractional or unbalanced amounts. */
export function structuralProblem(event: LedgerEvent): LedgerProblem | undefined {
  if (typeof event.key !== 'string' || event.key === '')
    return problem('InvalidEvent', 'an event needs an idempotency key');
  if (!Number.isFinite(event.at)) return problem('InvalidEvent', `event ${event.key} has no valid time`);
  switch (event.kind) {
    case 'job_settlement':
    case 'uptime_reward':
    case 'transfer':
    case 'adjustment':
    case 'evaluation_promotion': {
      if (!Array.isArray(event.postings))
        return problem('InvalidEvent', `event ${event.key} has no postings`);
      let sum = 0;
      for (const posting of event.postings) {
        if (!isAccountId(posting.account))
          return problem('InvalidAccount', `unknown account ${String(posting.account)}`);
        if (!Number.isSafeInteger(posting.amount)) {
          return problem(
            'InvalidAmount',
            `amounts are whole milli-kudos: ${posting.amount} on ${posting.account}`,
          );
        }
        sum += posting.amount;
      }
      if (sum !== 0)
        return problem('UnbalancedEvent', `the postings of ${event.key} sum to ${sum} milli-kudos, not 0`);
      return undefined;
    }
    case 'reservation':
      if (!event.holdId) return problem('InvalidEvent', `reservation ${event.key} has no hold id`);
      if (!isAccountId(event.account) || !isUserAccount(event.account)) {
        return problem('InvalidAccount', `only user accounts can hold kudos, not ${String(event.account)}`);
      }
      if (!Number.isSafeInteger(event.amount) || event.amount <= 0) {
        return problem('InvalidAmount', `a hold is a positive whole number of milli-kudos: ${event.amount}`);
      }
      return undefined;
    case 'release':
      return event.holdId ? undefined : problem('InvalidEvent', `release ${event.key} has no hold id`);
    default:
      return problem('InvalidEvent', `unknown event kind ${String((event as { kind: unknown }).kind)}`);
  }
}

/** The net change each account sees from an event's postings (an account may appear in several). */
export function netChanges(event: PostingEvent): Map<AccountId, number> {
  const net = new Map<AccountId, number>();
  for (const { account, amount } of event.postings) net.set(account, (net.get(account) ?? 0) + amount);
  return net;
}

/** How much of a debit on `account` the event's hold covers (the hold shrinks by it, so `available` does not). */
function holdCover(state: LedgerState, event: PostingEvent, account: AccountId, debit: number): number {
  if (event.holdId === undefined) return 0;
  const hold = state.holds.get(event.holdId);
  return hold && hold.account === account ? Math.min(hold.amount, debit) : 0;
}

function transferProblem(state: LedgerState, event: PostingEvent): LedgerProblem | undefined {
  const [a, b] = event.postings;
  if (event.postings.length !== 2 || !a || !b)
    return problem('InvalidEvent', 'a transfer moves kudos from one user to another');
  const [from, to] = a.amount < 0 ? [a, b] : [b, a];
  if (!isUserAccount(from.account) || !isUserAccount(to.account)) {
    return problem('InvalidAccount', 'transfers are between users');
  }
  if (to.amount <= 0) return problem('InvalidKudosTransferAmount', 'Transfer amount must be positive.');
  if (to.account === ANONYMOUS_ACCOUNT) {
    return problem(
      'KudosTransferToAnon',
      'Tried to burn kudos via sending to Anonymous. Assuming PEBKAC and aborting.',
    );
  }
  if (to.account === from.account) return problem('KudosTransferToSelf', 'Cannot send kudos to yourself.');
  const spendable = available(state, from.account) + holdCover(state, event, from.account, to.amount);
  if (spendable < to.amount) return problem('KudosTransferNotEnough', 'Not enough kudos.');
  return undefined;
}

function capProblem(
  state: LedgerState,
  net: Map<AccountId, number>,
  rules: LedgerRules,
): LedgerProblem | undefined {
  if (rules.userCapMilli === undefined) return undefined;
  for (const [account, delta] of net) {
    if (delta > 0 && isCappedAccount(account) && balanceOf(state, account) + delta > rules.userCapMilli) {
      return problem(
        'KudosCapExceeded',
        `${account} would hold more than the cap of ${rules.userCapMilli} milli-kudos`,
      );
    }
  }
  return undefined;
}

/** Evaluation accounts only fill up and empty into their user's balance: never below zero. */
function evaluationProblem(state: LedgerState, net: Map<AccountId, number>): LedgerProblem | undefined {
  for (const [account, delta] of net) {
    if (delta < 0 && isEvaluatingAccount(account) && balanceOf(state, account) + delta < 0) {
      return problem('InsufficientKudos', `${account} holds ${balanceOf(state, account)} milli-kudos`);
    }
  }
  return undefined;
}

/** A promotion moves one user's evaluation kudos to the same user's balance (any excess over the cap burned). */
function promotionProblem(state: LedgerState, event: PostingEvent): LedgerProblem | undefined {
  const net = netChanges(event);
  const from = [...net].filter(([a, d]) => d < 0 && isEvaluatingAccount(a));
  const to = [...net].filter(([a, d]) => d > 0 && isUserAccount(a));
  const others = [...net].filter(
    ([a, d]) => d !== 0 && !isEvaluatingAccount(a) && !isUserAccount(a) && a !== 'system:mint',
  );
  const [source] = from;
  const [target] = to;
  if (from.length !== 1 || to.length > 1 || others.length > 0 || !source) {
    return problem('InvalidEvent', 'a promotion moves evaluation kudos to the same user');
  }
  if (target && target[0].slice(5) !== source[0].slice(11)) {
    return problem('InvalidAccount', `a promotion cannot move ${source[0]} to ${target[0]}`);
  }
  return evaluationProblem(state, net);
}

/**
 * Checks an event against the state it would apply to:
 * - an event whose key was already applied is fine and will change nothing;
 * - postings balance to zero in whole milli-kudos, on known accounts;
 * - a transfer or reservation never takes a user's `available` below zero
 *   (`KudosTransferNotEnough`, `KudosUpfront`), nor does a negative adjustment
 *   (`InsufficientKudos`); system accounts may go negative;
 * - a job settlement is not floor-checked: the worker earns its kudos whatever
 *   the requester held (admission already asked for upfront kudos where due),
 *   so a requester's balance can go below zero, as on the AI Horde;
 * - transfers to the anonymous user are refused (`KudosTransferToAnon`);
 * - no credit takes a user (or the user's evaluation account) above
 *   `rules.userCapMilli` (`KudosCapExceeded`);
 * - an evaluation account never goes below zero, and a promotion moves one
 *   user's evaluation kudos to that same user.
 */
export function validateEvent(
  state: LedgerState,
  event: LedgerEvent,
  rules: LedgerRules = {},
): LedgerValidation {
  if (state.appliedKeys.has(event.key)) return { ok: true, duplicate: true };
  const structural = structuralProblem(event);
  if (structural) return { ok: false, ...structural };
  const fail = (p: LedgerProblem | undefined): LedgerValidation => (p ? { ok: false, ...p } : { ok: true });
  switch (event.kind) {
    case 'reservation':
      if (state.holds.has(event.holdId))
        return fail(problem('DuplicateHold', `hold ${event.holdId} is already open`));
      if (available(state, event.account) < event.amount) {
        return fail(problem('KudosUpfront', `${event.account} cannot hold ${event.amount} milli-kudos`));
      }
      return { ok: true };
    case 'release':
      // Releasing a hold that is gone is a no-op, as on the server: a cleanup may run twice.
      return { ok: true };
    case 'transfer': {
      const p = transferProblem(state, event);
      return fail(p ?? capProblem(state, netChanges(event), rules));
    }
    case 'adjustment': {
      const net = netChanges(event);
      for (const [account, delta] of net) {
        if (delta < 0 && isUserAccount(account)) {
          const after = available(state, account) + delta + holdCover(state, event, account, -delta);
          if (after < 0)
            return fail(
              problem(
                'InsufficientKudos',
                `${account} has ${available(state, account)} milli-kudos available`,
              ),
            );
        }
      }
      return fail(capProblem(state, net, rules));
    }
    case 'evaluation_promotion':
      return fail(promotionProblem(state, event) ?? capProblem(state, netChanges(event), rules));
    case 'job_settlement':
    case 'uptime_reward': {
      const net = netChanges(event);
      return fail(evaluationProblem(state, net) ?? capProblem(state, net, rules));
    }
  }
}

/**
 * The event with every user credit cut to what the cap leaves room for; the
 * excess goes to `system:mint` (burned), keeping the event balanced. Meant
 * for earnings; events without a cap rule come back unchanged.
 */
export function clipToCap<E extends LedgerEvent>(state: LedgerState, event: E, rules: LedgerRules): E {
  if (rules.userCapMilli === undefined || !('postings' in event)) return event;
  const cap = rules.userCapMilli;
  const net = netChanges(event);
  let burned = 0;
  for (const [account, delta] of net) {
    if (delta <= 0 || !isCappedAccount(account)) continue;
    const room = Math.max(0, cap - balanceOf(state, account));
    if (delta > room) {
      net.set(account, room);
      burned += delta - room;
    }
  }
  if (burned === 0) return event;
  net.set('system:mint', (net.get('system:mint') ?? 0) + burned);
  const postings = [...net]
    .filter(([, amount]) => amount !== 0)
    .map(([account, amount]) => ({ account, amount: amount as Milli }));
  return { ...event, postings };
}
