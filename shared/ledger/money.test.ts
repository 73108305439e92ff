import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ZERO, addMilli, asMilli, fromKudos, roundKudos, sumKudos, toKudos, type Milli } from './money';
import { adjustment, uptimeReward } from './builders';
import { userAccount } from './events';
import { balanceOf, foldLedger, totalOf } from './fold';
import { assertProperty } from '../../test/harness/seeds';

describe('money', () => {
  it('rounds kudos to two decimals where x * 100 would flip a digit, ties away from zero', () => {
    // 1.005 * 100 is 100.49999999999999 in floats: Math.round(x * 100) / 100 shows 1 kudos.
    expect(Math.round(1.005 * 100) / 100).toBe(1);
    expect(roundKudos(1.005)).toBe(1.01);
    expect(roundKudos(-0.125)).toBe(-0.13);
    expect(roundKudos(-0.004)).toBe(0);
    expect(Object.is(roundKudos(-0.004), 0)).toBe(true);
    expect(roundKudos(4.75)).toBe(4.75);
  });

  it('sums ten thousand cents to exactly 100 kudos', () => {
    expect(sumKudos(Array.from({ length: 10_000 }, () => 0.01))).toBe(100);
  });

  it('adds ten thousand cents to exactly 100 kudos, where floats drift', () => {
    let float = 0;
    let milli = ZERO;
    for (let i = 0; i < 10_000; i++) {
      float += 0.01;
      milli = addMilli(milli, fromKudos(0.01));
    }
    expect(float).not.toBe(100);
    expect(milli).toBe(fromKudos(100));
    expect(toKudos(milli)).toBe(100);
  });

  it('sums of two-decimal kudos amounts are exact', () => {
    assertProperty(
      fc.property(
        fc.array(fc.integer({ min: -10_000_000, max: 10_000_000 }), { maxLength: 200 }),
        (cents) => {
          const total = cents.reduce<Milli>((acc, c) => addMilli(acc, fromKudos(c / 100)), ZERO);
          expect(total).toBe(cents.reduce((a, c) => a + c, 0) * 10);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a worker paid many small uptime rewards holds exactly their sum', () => {
    const owner = userAccount(7);
    const reward = fromKudos(0.07);
    const count = 1000;
    const events = Array.from({ length: count }, (_, i) =>
      uptimeReward({ key: `u${i}`, workerOwner: owner, amount: reward, at: i }),
    );
    const s = foldLedger(events);
    expect(balanceOf(s, owner)).toBe(reward * count);
    expect(totalOf(s)).toBe(0);
  });

  it('rounds half away from zero to the milli and refuses what is not a number', () => {
    expect(fromKudos(0.0005)).toBe(1);
    expect(fromKudos(-0.0005)).toBe(-1);
    expect(() => fromKudos(Number.NaN)).toThrow(RangeError);
    expect(() => asMilli(0.5)).toThrow(RangeError);
    expect(() =>
      foldLedger([adjustment({ key: 'a', account: userAccount(1), amount: asMilli(1), at: 0 })]),
    ).not.toThrow();
  });
});
