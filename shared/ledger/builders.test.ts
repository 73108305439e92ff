import { describe, expect, it } from 'vitest';
import { adjustment, jobSettlement, release, reservation, transfer, uptimeReward } from './builders';
import { userAccount, type PostingEvent } from './events';
import { fromKudos } from './money';

const alice = userAccount(1);
const bob = userAccount(2);
const sum = (e: PostingEvent) => e.postings.reduce((s, p) => s + p.amount, 0);

describe('event builders', () => {
  it('a settlement moves the job’s kudos from requester to worker owner', () => {
    const e = jobSettlement({
      key: 'settle:j1',
      requester: alice,
      workerOwner: bob,
      amount: fromKudos(12.5),
      at: 1,
    });
    expect(e.kind).toBe('job_settlement');
    expect(e.postings).toEqual([
      { account: alice, amount: -fromKudos(12.5) },
      { account: bob, amount: fromKudos(12.5) },
    ]);
    expect(sum(e)).toBe(0);
  });

  it('a settlement with a fee burns it to system:mint, and can draw on a hold', () => {
    const e = jobSettlement({
      key: 's',
      requester: alice,
      workerOwner: bob,
      amount: fromKudos(10),
      fee: fromKudos(1),
      at: 1,
      holdId: 'upfront:r1',
    });
    expect(e.postings).toContainEqual({ account: alice, amount: -fromKudos(11) });
    expect(e.postings).toContainEqual({ account: 'system:mint', amount: fromKudos(1) });
    expect(e.holdId).toBe('upfront:r1');
    expect(sum(e)).toBe(0);
  });

  it('uptime rewards come out of system:mint, adjustments out of system:admin', () => {
    const u = uptimeReward({ key: 'u', workerOwner: bob, amount: fromKudos(20), at: 1, memo: 'uptime' });
    expect(u.postings).toContainEqual({ account: 'system:mint', amount: -fromKudos(20) });
    expect(u.memo).toBe('uptime');
    const a = adjustment({ key: 'a', account: alice, amount: fromKudos(-5), at: 1 });
    expect(a.postings).toContainEqual({ account: 'system:admin', amount: fromKudos(5) });
    expect(sum(u)).toBe(0);
    expect(sum(a)).toBe(0);
  });

  it('a transfer is balanced between two users', () => {
    const t = transfer({ key: 't', from: alice, to: bob, amount: fromKudos(3), at: 1 });
    expect(sum(t)).toBe(0);
    expect(t.postings).toContainEqual({ account: bob, amount: fromKudos(3) });
  });

  it('reservation and release name the hold', () => {
    expect(reservation({ key: 'r', holdId: 'h', account: alice, amount: fromKudos(1), at: 1 })).toMatchObject(
      { kind: 'reservation', holdId: 'h' },
    );
    expect(release({ key: 'x', holdId: 'h', at: 2 })).toMatchObject({ kind: 'release', holdId: 'h' });
  });

  it('refuses amounts that are not positive whole milli-kudos', () => {
    expect(() => transfer({ key: 't', from: alice, to: bob, amount: fromKudos(0), at: 1 })).toThrow(
      RangeError,
    );
    expect(() => transfer({ key: 't', from: alice, to: bob, amount: -fromKudos(1), at: 1 } as never)).toThrow(
      RangeError,
    );
    expect(() => reservation({ key: 'r', holdId: 'h', account: alice, amount: 1.5 as never, at: 1 })).toThrow(
      RangeError,
    );
    expect(() => adjustment({ key: 'a', account: alice, amount: fromKudos(0), at: 1 })).toThrow(RangeError);
  });
});
