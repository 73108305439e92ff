/**
 * Properties of the ledger over random histories: a history is a list of
 * intents (award, settle, uptime, transfer, hold, release, correction), each
 * turned into an event, validated against the state so far and appended only
 * if valid, as the horde does. Keys are drawn from a small pool so retried
 * (duplicate) keys happen often.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adjustment, jobSettlement, release, reservation, transfer, uptimeReward } from './builders';
import { userAccount, type AccountId, type LedgerEvent } from './events';
import {
  applyEventInPlace,
  available,
  balanceOf,
  clipToCap,
  emptyLedger,
  foldLedger,
  totalOf,
  validateEvent,
  type LedgerRules,
  type LedgerState,
} from './fold';
import { asMilli, type Milli } from './money';
import { isUserAccount } from './accounts';
import { assertProperty } from '../../test/harness/seeds';

const USERS = 5; // user:0 (anonymous) .. user:4
const user = fc.nat(USERS - 1).map((id) => userAccount(id));
const amount = fc.integer({ min: 1, max: 100_000 }).map((n) => asMilli(n));
// Awards are larger than spends so that transfers and holds often pass validation.
const award = fc.integer({ min: 1, max: 1_000_000 }).map((n) => asMilli(n));
// A pool smaller than two histories' worth of events: about one key in four is a retry.
const key = fc.nat(100).map((n) => `k${n}`);
const holdId = fc.nat(6).map((n) => `h${n}`);

// Weighted so that spends are tried often against funded accounts.
const intent = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('award' as const), key, to: user, amount: award }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('correct' as const), key, to: user, amount }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('settle' as const),
      key,
      from: user,
      to: user,
      amount,
      fee: fc.nat(2000),
      hold: fc.option(holdId),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('uptime' as const), key, to: user, amount }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('transfer' as const), key, from: user, to: user, amount }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('hold' as const), key, from: user, amount, hold: holdId }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('release' as const), key, hold: holdId }) },
);
type Intent = typeof intent extends fc.Arbitrary<infer T> ? T : never;

function toEvent(i: Intent, at: number): LedgerEvent {
  switch (i.t) {
    case 'award':
      return adjustment({ key: i.key, account: i.to, amount: i.amount, at });
    case 'correct':
      return adjustment({ key: i.key, account: i.to, amount: asMilli(-i.amount), at });
    case 'settle':
      return jobSettlement({
        key: i.key,
        requester: i.from,
        workerOwner: i.to,
        amount: i.amount,
        fee: asMilli(i.fee),
        holdId: i.hold ?? undefined,
        at,
      });
    case 'uptime':
      return uptimeReward({ key: i.key, workerOwner: i.to, amount: i.amount, at });
    case 'transfer':
      return transfer({ key: i.key, from: i.from, to: i.to, amount: i.amount, at });
    case 'hold':
      return reservation({ key: i.key, holdId: i.hold, account: i.from, amount: i.amount, at });
    case 'release':
      return release({ key: i.key, holdId: i.hold, at });
  }
}

const SPENDS = new Set(['transfer', 'hold', 'correct']);

/** Runs a history through validation; returns the accepted log and checks invariants after every step. */
function admit(intents: Intent[], rules: LedgerRules): { log: LedgerEvent[]; state: LedgerState } {
  const state = emptyLedger();
  const log: LedgerEvent[] = [];
  intents.forEach((i, at) => {
    const payer: AccountId | undefined = 'from' in i ? i.from : i.t === 'correct' ? i.to : undefined;
    const event =
      i.t === 'settle' || i.t === 'uptime' ? clipToCap(state, toEvent(i, at), rules) : toEvent(i, at);
    const verdict = validateEvent(state, event, rules);
    if (!verdict.ok) return;
    const wasDuplicate = state.appliedKeys.has(event.key);
    applyEventInPlace(state, event);
    log.push(event);
    expect(totalOf(state)).toBe(0);
    if (SPENDS.has(i.t) && payer && !wasDuplicate) expect(available(state, payer)).toBeGreaterThanOrEqual(0);
  });
  return { log, state };
}

const sameState = (a: LedgerState, b: LedgerState) => {
  expect(b.balances).toEqual(a.balances);
  expect(b.holds).toEqual(a.holds);
  expect(b.appliedKeys).toEqual(a.appliedKeys);
};

const RUNS = { numRuns: 300 };
const history = fc.array(intent, { maxLength: 60 });

describe('ledger properties', () => {
  it('any sequence of valid events conserves the total, and validated spends never take available below zero', () => {
    assertProperty(
      fc.property(history, (intents) => {
        admit(intents, {});
      }),
      RUNS,
    );
  });

  it('replaying the log rebuilds identical balances, holds and keys', () => {
    assertProperty(
      fc.property(history, (intents) => {
        const { log, state } = admit(intents, {});
        sameState(state, foldLedger(log));
      }),
      RUNS,
    );
  });

  it('replaying in other chunkings, with already-applied events repeated, rebuilds the same state', () => {
    assertProperty(
      fc.property(
        history,
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 10 }),
        (intents, cuts, dups) => {
          const { log, state } = admit(intents, {});
          // Re-insert copies of earlier events after they were applied (a retried append).
          const noisy = [...log];
          for (const [at, which] of dups) {
            if (noisy.length === 0) break;
            const pos = at % (noisy.length + 1);
            if (pos === 0) continue;
            noisy.splice(pos, 0, noisy[which % pos]!);
          }
          const points = [...new Set(cuts.map((c) => c % (noisy.length + 1)))].sort((a, b) => a - b);
          let rebuilt = emptyLedger();
          let from = 0;
          for (const to of [...points, noisy.length]) {
            rebuilt = foldLedger(noisy.slice(from, to), rebuilt);
            from = to;
          }
          sameState(state, rebuilt);
        },
      ),
      RUNS,
    );
  });

  it('with a cap, no credit takes a user above it, and the total still holds', () => {
    const cap = asMilli(300_000);
    assertProperty(
      fc.property(history, (intents) => {
        const { state } = admit(intents, { userCapMilli: cap });
        for (const [account, balance] of state.balances)
          if (isUserAccount(account)) expect(balance).toBeLessThanOrEqual(cap);
      }),
      RUNS,
    );
  });

  it('holds never exceed what was reserved and vanish on release', () => {
    assertProperty(
      fc.property(history, (intents) => {
        const { log, state } = admit(intents, {});
        const reserved = new Map<string, Milli>();
        for (const e of log)
          if (e.kind === 'reservation' && !reserved.has(e.holdId)) reserved.set(e.holdId, e.amount);
        for (const [id, hold] of state.holds) {
          expect(hold.amount).toBeGreaterThan(0);
          expect(hold.amount).toBeLessThanOrEqual(reserved.get(id) ?? 0);
        }
        for (const [account] of state.balances)
          expect(available(state, account)).toBeLessThanOrEqual(balanceOf(state, account));
      }),
      RUNS,
    );
  });
});
