/**
 * The projection the ledger folds to, and the questions asked of it.
 * Kept apart from the fold so validation can read a state without a cycle.
 */
import type { AccountId } from './events';
import { asMilli, ZERO, type Milli } from './money';

export interface Hold {
  account: AccountId;
  /** What is still held (a settlement drawing on the hold shrinks it). */
  amount: Milli;
}

export interface LedgerState {
  /** Every account an event has touched, zero balances included. */
  balances: Map<AccountId, Milli>;
  /** Open holds by hold id. */
  holds: Map<string, Hold>;
  /** Idempotency keys of the events applied so far. */
  appliedKeys: Set<string>;
}

export function emptyLedger(): LedgerState {
  return { balances: new Map(), holds: new Map(), appliedKeys: new Set() };
}

export function balanceOf(state: LedgerState, account: AccountId): Milli {
  return state.balances.get(account) ?? ZERO;
}

/** The sum of the account's open holds. */
export function heldOf(state: LedgerState, account: AccountId): Milli {
  let held = 0;
  for (const hold of state.holds.values()) if (hold.account === account) held += hold.amount;
  return asMilli(held);
}

/** What the account can spend now: balance − open holds. */
export function available(state: LedgerState, account: AccountId): Milli {
  return asMilli(balanceOf(state, account) - heldOf(state, account));
}

/** The sum over all accounts, system ones included: zero in any state built from valid events. */
export function totalOf(state: LedgerState): Milli {
  let total = 0;
  for (const amount of state.balances.values()) total += amount;
  return asMilli(total);
}
