import { describe, expect, it } from 'vitest';
import {
  adjustment,
  evaluationPromotion,
  jobSettlement,
  release,
  reservation,
  transfer,
  uptimeReward,
} from './builders';
import { evaluatingAccount, userAccount, type LedgerEvent } from './events';
import {
  LedgerError,
  applyEvent,
  available,
  balanceOf,
  clipToCap,
  emptyLedger,
  foldLedger,
  totalOf,
  validateEvent,
} from './fold';
import { fromKudos } from './money';

const anon = userAccount(0);
const alice = userAccount(1);
const bob = userAccount(2);
const k = fromKudos;

/** Alice starts with 100 kudos from an admin award. */
const funded = () => foldLedger([adjustment({ key: 'award', account: alice, amount: k(100), at: 0 })]);

describe('foldLedger', () => {
  it('settles a job: requester pays, worker owner earns, the total stays zero', () => {
    const s = foldLedger([
      adjustment({ key: 'award', account: alice, amount: k(100), at: 0 }),
      jobSettlement({ key: 'settle:1', requester: alice, workerOwner: bob, amount: k(40), at: 1 }),
    ]);
    expect(balanceOf(s, alice)).toBe(k(60));
    expect(balanceOf(s, bob)).toBe(k(40));
    expect(totalOf(s)).toBe(0);
  });

  it('ignores an event whose key was already applied', () => {
    const settle = jobSettlement({
      key: 'settle:1',
      requester: alice,
      workerOwner: bob,
      amount: k(40),
      at: 1,
    });
    const s = foldLedger([
      adjustment({ key: 'award', account: alice, amount: k(100), at: 0 }),
      settle,
      settle,
    ]);
    expect(balanceOf(s, bob)).toBe(k(40));
  });

  it('available is balance minus open holds; release gives it back', () => {
    let s = funded();
    s = applyEvent(s, reservation({ key: 'r1', holdId: 'upfront:a', account: alice, amount: k(30), at: 1 }));
    expect(balanceOf(s, alice)).toBe(k(100));
    expect(available(s, alice)).toBe(k(70));
    s = applyEvent(s, release({ key: 'x1', holdId: 'upfront:a', at: 2 }));
    expect(available(s, alice)).toBe(k(100));
  });

  it('a settlement drawing on a hold shrinks the hold, so the money is not counted twice', () => {
    let s = funded();
    s = applyEvent(s, reservation({ key: 'r1', holdId: 'upfront:a', account: alice, amount: k(30), at: 1 }));
    s = applyEvent(
      s,
      jobSettlement({
        key: 's1',
        requester: alice,
        workerOwner: bob,
        amount: k(10),
        at: 2,
        holdId: 'upfront:a',
      }),
    );
    expect(balanceOf(s, alice)).toBe(k(90));
    expect(available(s, alice)).toBe(k(70));
    s = applyEvent(
      s,
      jobSettlement({
        key: 's2',
        requester: alice,
        workerOwner: bob,
        amount: k(25),
        at: 3,
        holdId: 'upfront:a',
      }),
    );
    expect(s.holds.has('upfront:a')).toBe(false);
    expect(available(s, alice)).toBe(k(65));
  });

  it('applyEvent leaves the state it was given untouched', () => {
    const s = funded();
    const before = balanceOf(s, alice);
    const after = applyEvent(s, transfer({ key: 't', from: alice, to: bob, amount: k(5), at: 1 }));
    expect(balanceOf(s, alice)).toBe(before);
    expect(balanceOf(after, alice)).toBe(k(95));
  });

  it('throws on an event no valid log can hold', () => {
    const bad: LedgerEvent = {
      key: 'bad',
      kind: 'adjustment',
      at: 0,
      postings: [{ account: alice, amount: k(1) }],
    };
    expect(() => foldLedger([bad])).toThrow(LedgerError);
  });
});

describe('validateEvent', () => {
  it('accepts a transfer the sender can cover and refuses one they cannot', () => {
    const s = funded();
    expect(validateEvent(s, transfer({ key: 't', from: alice, to: bob, amount: k(100), at: 1 }))).toEqual({
      ok: true,
    });
    expect(
      validateEvent(s, transfer({ key: 't', from: alice, to: bob, amount: k(100.001), at: 1 })),
    ).toMatchObject({
      ok: false,
      rc: 'KudosTransferNotEnough',
    });
  });

  it('counts holds against what can be transferred', () => {
    const s = applyEvent(
      funded(),
      reservation({ key: 'r', holdId: 'h', account: alice, amount: k(60), at: 1 }),
    );
    expect(
      validateEvent(s, transfer({ key: 't', from: alice, to: bob, amount: k(41), at: 2 })),
    ).toMatchObject({ ok: false });
    expect(validateEvent(s, transfer({ key: 't', from: alice, to: bob, amount: k(40), at: 2 }))).toEqual({
      ok: true,
    });
  });

  it('lets a transfer draw on a hold the sender placed for it (the server reserves, then moves)', () => {
    const s = applyEvent(
      funded(),
      reservation({ key: 'r', holdId: 'transfer:1', account: alice, amount: k(80), at: 1 }),
    );
    const t = transfer({ key: 't', from: alice, to: bob, amount: k(80), at: 2, holdId: 'transfer:1' });
    expect(validateEvent(s, t)).toEqual({ ok: true });
    const after = applyEvent(s, t);
    expect(after.holds.has('transfer:1')).toBe(false);
    expect(available(after, alice)).toBe(k(20));
  });

  it('refuses transfers to the anonymous user and to oneself', () => {
    const s = funded();
    expect(
      validateEvent(s, transfer({ key: 't', from: alice, to: anon, amount: k(1), at: 1 })),
    ).toMatchObject({ ok: false, rc: 'KudosTransferToAnon' });
    expect(
      validateEvent(s, transfer({ key: 't', from: alice, to: alice, amount: k(1), at: 1 })),
    ).toMatchObject({ ok: false, rc: 'KudosTransferToSelf' });
  });

  it('refuses a reservation beyond available with KudosUpfront, and a second hold with the same id', () => {
    let s = funded();
    expect(
      validateEvent(s, reservation({ key: 'r', holdId: 'h', account: alice, amount: k(100.5), at: 1 })),
    ).toMatchObject({
      ok: false,
      rc: 'KudosUpfront',
    });
    s = applyEvent(s, reservation({ key: 'r', holdId: 'h', account: alice, amount: k(10), at: 1 }));
    expect(
      validateEvent(s, reservation({ key: 'r2', holdId: 'h', account: alice, amount: k(10), at: 2 })),
    ).toMatchObject({
      ok: false,
      rc: 'DuplicateHold',
    });
  });

  it('refuses a negative adjustment below zero but lets a settlement take the requester negative', () => {
    const s = funded();
    expect(validateEvent(s, adjustment({ key: 'a', account: alice, amount: k(-101), at: 1 }))).toMatchObject({
      ok: false,
      rc: 'InsufficientKudos',
    });
    const settle = jobSettlement({ key: 's', requester: alice, workerOwner: bob, amount: k(150), at: 1 });
    expect(validateEvent(s, settle)).toEqual({ ok: true });
    expect(balanceOf(applyEvent(s, settle), alice)).toBe(k(-50));
  });

  it('lets system accounts go negative', () => {
    expect(
      validateEvent(emptyLedger(), uptimeReward({ key: 'u', workerOwner: bob, amount: k(20), at: 1 })),
    ).toEqual({ ok: true });
  });

  it('refuses unbalanced or fractional postings', () => {
    const s = emptyLedger();
    const unbalanced: LedgerEvent = {
      key: 'u',
      kind: 'adjustment',
      at: 0,
      postings: [{ account: alice, amount: k(1) }],
    };
    expect(validateEvent(s, unbalanced)).toMatchObject({ ok: false, rc: 'UnbalancedEvent' });
    const fractional = {
      key: 'f',
      kind: 'adjustment',
      at: 0,
      postings: [
        { account: alice, amount: 0.5 },
        { account: 'system:admin', amount: -0.5 },
      ],
    } as LedgerEvent;
    expect(validateEvent(s, fractional)).toMatchObject({ ok: false, rc: 'InvalidAmount' });
  });

  it('says an already-applied key is a harmless duplicate', () => {
    expect(
      validateEvent(funded(), adjustment({ key: 'award', account: alice, amount: k(100), at: 0 })),
    ).toEqual({ ok: true, duplicate: true });
  });
});

describe('the per-user cap', () => {
  const rules = { userCapMilli: k(1000) };

  it('refuses a transfer that would take the recipient over the cap', () => {
    const s = foldLedger([
      adjustment({ key: 'a1', account: alice, amount: k(500), at: 0 }),
      adjustment({ key: 'a2', account: bob, amount: k(900), at: 0 }),
    ]);
    expect(
      validateEvent(s, transfer({ key: 't', from: alice, to: bob, amount: k(100), at: 1 }), rules),
    ).toEqual({ ok: true });
    expect(
      validateEvent(s, transfer({ key: 't', from: alice, to: bob, amount: k(101), at: 1 }), rules),
    ).toMatchObject({
      ok: false,
      rc: 'KudosCapExceeded',
    });
  });

  it('clips earnings to the cap and burns the excess, so the requester still pays in full', () => {
    const s = foldLedger([
      adjustment({ key: 'a1', account: alice, amount: k(500), at: 0 }),
      adjustment({ key: 'a2', account: bob, amount: k(990), at: 0 }),
    ]);
    const settle = jobSettlement({ key: 's', requester: alice, workerOwner: bob, amount: k(40), at: 1 });
    expect(validateEvent(s, settle, rules)).toMatchObject({ ok: false, rc: 'KudosCapExceeded' });
    const clipped = clipToCap(s, settle, rules);
    expect(validateEvent(s, clipped, rules)).toEqual({ ok: true });
    const after = applyEvent(s, clipped);
    expect(balanceOf(after, bob)).toBe(rules.userCapMilli);
    expect(balanceOf(after, alice)).toBe(k(460));
    expect(totalOf(after)).toBe(0);
  });

  it('leaves events alone when there is no cap or room enough', () => {
    const settle = jobSettlement({ key: 's', requester: alice, workerOwner: bob, amount: k(40), at: 1 });
    expect(clipToCap(funded(), settle, {})).toBe(settle);
    expect(clipToCap(funded(), settle, rules)).toBe(settle);
  });
});

describe('evaluation accounts', () => {
  const evalAlice = evaluatingAccount(1);
  it('hold an untrusted share apart and release it to the same user in one balanced event', () => {
    let s = funded();
    s = applyEvent(
      s,
      jobSettlement({
        key: 's',
        requester: alice,
        workerOwner: bob,
        amount: k(10),
        held: k(5),
        evaluatingTo: evaluatingAccount(2),
        at: 1,
      }),
    );
    expect(balanceOf(s, bob)).toBe(k(5));
    expect(balanceOf(s, evaluatingAccount(2))).toBe(k(5));
    const promote = evaluationPromotion({ key: 'p', userId: 2, amount: k(5), at: 2 });
    expect(validateEvent(s, promote)).toEqual({ ok: true });
    s = applyEvent(s, promote);
    expect(balanceOf(s, bob)).toBe(k(10));
    expect(balanceOf(s, evaluatingAccount(2))).toBe(0);
    expect(totalOf(s)).toBe(0);
  });

  it('cannot be overdrawn, transferred from, or promoted to another user', () => {
    const s = foldLedger([uptimeReward({ key: 'u', workerOwner: evalAlice, amount: k(3), at: 0 })]);
    expect(validateEvent(s, evaluationPromotion({ key: 'p', userId: 1, amount: k(4), at: 1 }))).toMatchObject(
      { ok: false, rc: 'InsufficientKudos' },
    );
    expect(
      validateEvent(s, transfer({ key: 't', from: evalAlice, to: bob, amount: k(1), at: 1 })),
    ).toMatchObject({
      ok: false,
      rc: 'InvalidAccount',
    });
    const crossed = {
      ...evaluationPromotion({ key: 'x', userId: 1, amount: k(1), at: 1 }),
      postings: [
        { account: evalAlice, amount: k(-1) },
        { account: bob, amount: k(1) },
      ],
    };
    expect(validateEvent(s, crossed)).toMatchObject({ ok: false, rc: 'InvalidAccount' });
  });

  it('count against the cap like the balance', () => {
    const s = foldLedger([uptimeReward({ key: 'u', workerOwner: evalAlice, amount: k(990), at: 0 })]);
    const more = uptimeReward({ key: 'u2', workerOwner: evalAlice, amount: k(20), at: 1 });
    const rules = { userCapMilli: k(1000) };
    expect(validateEvent(s, more, rules)).toMatchObject({ ok: false, rc: 'KudosCapExceeded' });
    expect(balanceOf(applyEvent(s, clipToCap(s, more, rules)), evalAlice)).toBe(k(1000));
  });
});
