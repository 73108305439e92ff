/**
 * The ledger fold: events in, balances and holds out. The ledger is
 * append-only; balances are a projection that any replay of the same
 * events rebuilds exactly, in any chunking, with any duplicates.
 *
 * `applyEvent` is pure (copy-on-write): it returns a new state and never
 * touches the one given, so a caller can try an event and drop the result.
 * Copying costs O(accounts + holds) per event, so `foldLedger` and the horde's
 * projection use `applyEventInPlace`, which mutates the state it is given.
 */
import type { LedgerEvent, PostingEvent } from './events';
import { asMilli } from './money';
import { balanceOf, emptyLedger, type LedgerState } from './state';
import { netChanges, structuralProblem, type LedgerRc } from './validate';

export { validateEvent, clipToCap, structuralProblem, netChanges } from './validate';
export type { LedgerRules, LedgerRc, LedgerValidation, LedgerProblem } from './validate';
export { available, balanceOf, heldOf, totalOf, emptyLedger } from './state';
export type { LedgerState, Hold } from './state';

/** Thrown when an event could never have been valid (unbalanced, fractional, unknown account): the log is corrupt. */
export class LedgerError extends Error {
  constructor(
    readonly rc: LedgerRc,
    message: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

export function cloneLedger(state: LedgerState): LedgerState {
  return {
    balances: new Map(state.balances),
    holds: new Map(state.holds),
    appliedKeys: new Set(state.appliedKeys),
  };
}

function applyPostings(state: LedgerState, event: PostingEvent): void {
  for (const { account, amount } of event.postings) {
    state.balances.set(account, asMilli(balanceOf(state, account) + amount));
  }
  if (event.holdId === undefined) return;
  const hold = state.holds.get(event.holdId);
  if (!hold) return;
  const debit = -(netChanges(event).get(hold.account) ?? 0);
  if (debit <= 0) return;
  const left = hold.amount - Math.min(hold.amount, debit);
  if (left === 0) state.holds.delete(event.holdId);
  else state.holds.set(event.holdId, { account: hold.account, amount: asMilli(left) });
}

/**
 * Applies one event to `state` itself and returns it. An event whose key was
 * applied before changes nothing; so does a reservation for a hold id that is
 * already open, and a release of a hold that is not.
 * @throws LedgerError for a structurally invalid event.
 */
export function applyEventInPlace(state: LedgerState, event: LedgerEvent): LedgerState {
  if (state.appliedKeys.has(event.key)) return state;
  const structural = structuralProblem(event);
  if (structural) throw new LedgerError(structural.rc, structural.message);
  switch (event.kind) {
    case 'reservation':
      if (!state.holds.has(event.holdId))
        state.holds.set(event.holdId, { account: event.account, amount: event.amount });
      break;
    case 'release':
      state.holds.delete(event.holdId);
      break;
    default:
      applyPostings(state, event);
  }
  state.appliedKeys.add(event.key);
  return state;
}

/** Applies one event without touching `state`: a new state comes back (the same one for a duplicate key). */
export function applyEvent(state: LedgerState, event: LedgerEvent): LedgerState {
  if (state.appliedKeys.has(event.key)) return state;
  return applyEventInPlace(cloneLedger(state), event);
}

/** Folds events into a state, from empty or from a copy of `from` (which is left as it was). */
export function foldLedger(events: Iterable<LedgerEvent>, from?: LedgerState): LedgerState {
  const state = from ? cloneLedger(from) : emptyLedger();
  for (const event of events) applyEventInPlace(state, event);
  return state;
}
