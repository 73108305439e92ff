import { describe, expect, it } from 'vitest';
import { FALLBACK_OWNER_NAME, friendlyOwnerName, gecosName } from './owner-name';

describe('the owner’s default name on the embedded horde', () => {
  it('is the person’s display name when the OS has one', () => {
    expect(friendlyOwnerName({ username: 'ada', displayName: 'Ada Lovelace' })).toBe('Ada Lovelace');
  });

  it('is the login name with a capital when there is no display name', () => {
    expect(friendlyOwnerName({ username: 'ada' })).toBe('Ada');
    expect(friendlyOwnerName({ username: 'ada', displayName: '   ' })).toBe('Ada');
  });

  it('never names an administrator account', () => {
    for (const username of ['root', 'Administrator', 'admin', 'user'])
      expect(friendlyOwnerName({ username })).toBe(FALLBACK_OWNER_NAME);
    expect(friendlyOwnerName({ username: 'root', displayName: 'root' })).toBe(FALLBACK_OWNER_NAME);
    expect(friendlyOwnerName({})).toBe(FALLBACK_OWNER_NAME);
  });

  it('fits the horde’s username rule: at most 30 characters, no #', () => {
    const name = friendlyOwnerName({ displayName: 'Ada #1 Augusta King, Countess of Lovelace' });
    expect(name.length).toBeLessThanOrEqual(30);
    expect(name).not.toContain('#');
    expect(name.startsWith('Ada 1 Augusta King')).toBe(true);
  });

  it('reads the full name from the GECOS field of the user’s passwd line', () => {
    const passwd = [
      'root:x:0:0:root:/root:/bin/bash',
      'ada:x:1000:1000:Ada Lovelace,,,:/home/ada:/bin/bash',
      'bob:x:1001:1001::/home/bob:/bin/sh',
    ].join('\n');
    expect(gecosName(passwd, 1000)).toBe('Ada Lovelace');
    expect(gecosName(passwd, 1001)).toBeUndefined();
    expect(gecosName(passwd, 4242)).toBeUndefined();
  });
});
