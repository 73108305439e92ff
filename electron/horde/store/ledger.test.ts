import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { userAccount } from '../../../shared/ledger/events';
import { asMilli, fromKudos } from '../../../shared/ledger/money';
import { HordeDb } from './db';
import { adminAdjustment, holdKudos, releaseHold, settleJob, transferKudos, uptimeCredit } from './kudos';
import { availableOf, balanceOf, heldOf, LedgerRefused, verifyLedger } from './ledger';
import { createUser } from './users';
import { assertProperty } from '../../../test/harness/seeds';

function setup() {
  const db = new HordeDb(':memory:');
  // Trusted: these tests are about the ledger; evaluation has its own (evaluation.test.ts).
  const a = createUser(db, 'a', 0, { trusted: true }).id;
  const b = createUser(db, 'b', 0, { trusted: true }).id;
  return { db, a, b };
}

describe('SQLite ledger', () => {
  it('applies an event once however often it is appended', () => {
    const { db, a } = setup();
    const award = { key: 'award:1', userId: a, amount: fromKudos(10), at: 1, memo: 'x' };
    expect(adminAdjustment(db, award)).toBe(true);
    expect(adminAdjustment(db, award)).toBe(false);
    expect(balanceOf(db, userAccount(a))).toBe(fromKudos(10));
    expect(balanceOf(db, 'system:admin')).toBe(-fromKudos(10));
  });

  it('refuses an overdrawing transfer and a hold beyond what is available', () => {
    const { db, a, b } = setup();
    adminAdjustment(db, { key: 'award', userId: a, amount: fromKudos(5), at: 1, memo: '' });
    holdKudos(db, { holdId: 'h1', userId: a, amount: fromKudos(3), at: 1, memo: '' });
    expect(availableOf(db, userAccount(a))).toBe(fromKudos(2));
    const send = () =>
      transferKudos(db, { key: 't1', fromId: a, toId: b, amount: fromKudos(3), at: 2, memo: '' });
    expect(send).toThrow(LedgerRefused);
    expect(() => holdKudos(db, { holdId: 'h2', userId: a, amount: fromKudos(3), at: 2, memo: '' })).toThrow(
      expect.objectContaining({ rc: 'KudosUpfront' }),
    );
    releaseHold(db, { holdId: 'h1', at: 3, memo: '' });
    expect(send()).toBe(true);
    expect(balanceOf(db, userAccount(b))).toBe(fromKudos(3));
  });

  it('shrinks a hold by what a settlement draws on it', () => {
    const { db, a, b } = setup();
    adminAdjustment(db, { key: 'award', userId: a, amount: fromKudos(10), at: 1, memo: '' });
    holdKudos(db, { holdId: 'up', userId: a, amount: fromKudos(4), at: 1, memo: '' });
    settleJob(db, {
      jobId: 'j1',
      requesterId: a,
      workerOwnerId: b,
      amount: fromKudos(1),
      at: 2,
      memo: '',
      holdId: 'up',
    });
    expect(heldOf(db, userAccount(a))).toBe(fromKudos(3));
    expect(availableOf(db, userAccount(a))).toBe(fromKudos(6));
    expect(verifyLedger(db)).toMatchObject({ ok: true, total: 0, differences: [] });
  });

  it('burns earnings above the kudos cap back to the mint', () => {
    const { db, a, b } = setup();
    const rules = { userCapMilli: fromKudos(5) };
    uptimeCredit(db, { key: 'u1', ownerId: b, amount: fromKudos(4), at: 1, memo: '' }, rules);
    settleJob(
      db,
      { jobId: 'j', requesterId: a, workerOwnerId: b, amount: fromKudos(3), at: 2, memo: '' },
      rules,
    );
    expect(balanceOf(db, userAccount(b))).toBe(fromKudos(5));
    expect(balanceOf(db, userAccount(a))).toBe(-fromKudos(3));
    expect(verifyLedger(db).ok).toBe(true);
  });

  it('verify finds a projection that disagrees with the events', () => {
    const { db, a } = setup();
    adminAdjustment(db, { key: 'award', userId: a, amount: fromKudos(2), at: 1, memo: '' });
    db.run('UPDATE balances SET balance = balance + 5 WHERE account = ?', userAccount(a));
    expect(verifyLedger(db)).toMatchObject({
      ok: false,
      differences: [{ account: userAccount(a), stored: fromKudos(2) + 5, rebuilt: fromKudos(2) }],
    });
  });

  it('keeps every balance equal to the fold of its events, and the total at zero, under any mix of moves', () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('award' as const), amount: fc.integer({ min: 1, max: 50_000 }) }),
      fc.record({
        t: fc.constant('settle' as const),
        amount: fc.integer({ min: 1, max: 20_000 }),
        hold: fc.boolean(),
      }),
      fc.record({ t: fc.constant('transfer' as const), amount: fc.integer({ min: 1, max: 20_000 }) }),
      fc.record({ t: fc.constant('hold' as const), amount: fc.integer({ min: 1, max: 20_000 }) }),
      fc.record({ t: fc.constant('release' as const) }),
    );
    assertProperty(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const { db, a, b } = setup();
        ops.forEach((o, i) => {
          try {
            if (o.t === 'award')
              adminAdjustment(db, { key: `aw${i}`, userId: a, amount: asMilli(o.amount), at: i, memo: '' });
            if (o.t === 'settle') {
              settleJob(db, {
                jobId: `j${i}`,
                requesterId: a,
                workerOwnerId: b,
                amount: asMilli(o.amount),
                at: i,
                memo: '',
                holdId: o.hold ? 'h' : null,
              });
            }
            if (o.t === 'transfer')
              transferKudos(db, {
                key: `t${i}`,
                fromId: b,
                toId: a,
                amount: asMilli(o.amount),
                at: i,
                memo: '',
              });
            if (o.t === 'hold')
              holdKudos(db, { holdId: 'h', userId: a, amount: asMilli(o.amount), at: i, memo: '' });
            if (o.t === 'release') releaseHold(db, { holdId: 'h', at: i, memo: '' });
          } catch (err) {
            if (!(err instanceof LedgerRefused)) throw err;
          }
        });
        expect(verifyLedger(db)).toMatchObject({ ok: true, total: 0, differences: [] });
      }),
      { numRuns: 60 },
    );
  });
});
