import { describe, expect, it } from 'vitest';
import { DEFAULT_TRUST_RULE, earnsTrust, splitJobReward } from './trust';

const DAY = 86_400_000;
const subject = { trusted: false, flagged: false, anonymous: false, jobsCompleted: 10, createdAt: 0 };

describe('trust', () => {
  it('needs both the jobs and the account age, and never comes to a flagged or anonymous user', () => {
    const week = DEFAULT_TRUST_RULE.minAgeDays * DAY;
    expect(earnsTrust(subject, week)).toBe(true);
    expect(earnsTrust(subject, week - 1)).toBe(false);
    expect(earnsTrust({ ...subject, jobsCompleted: DEFAULT_TRUST_RULE.minJobs - 1 }, week)).toBe(false);
    expect(earnsTrust({ ...subject, flagged: true }, week)).toBe(false);
    expect(earnsTrust({ ...subject, anonymous: true }, week)).toBe(false);
    expect(earnsTrust({ ...subject, trusted: true, jobsCompleted: 0 }, 0)).toBe(true);
  });

  it('holds half of an untrusted owner’s job reward, in whole milli-kudos that add up', () => {
    expect(splitJobReward(1001, false)).toEqual({ spendable: 500, held: 501 });
    expect(splitJobReward(1000, true)).toEqual({ spendable: 1000, held: 0 });
    for (const n of [0, 1, 2, 3, 999, 123_457]) {
      const { spendable, held } = splitJobReward(n, false);
      expect(spendable + held).toBe(n);
    }
    expect(() => splitJobReward(1.5, false)).toThrow(RangeError);
  });
});
