import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  TOKEN_ALPHABET,
  TOKEN_LENGTH,
  formatInviteCode,
  normaliseToken,
  parseInviteCode,
  tokenFromBytes,
} from './invite-code';

describe('invite codes', () => {
  it('reads back what it writes, for any address and token', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: TOKEN_LENGTH, maxLength: TOKEN_LENGTH }),
        fc.oneof(fc.ipV4(), fc.constant('::1'), fc.constant('fe80::1'), fc.constant('club-pc.local')),
        fc.integer({ min: 1, max: 65535 }),
        (bytes, host, port) => {
          const token = tokenFromBytes(bytes);
          const parsed = parseInviteCode(formatInviteCode(host, port, token));
          expect(parsed).toEqual({
            url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/api`,
            host,
            port,
            token,
          });
        },
      ),
      { seed: 21, numRuns: 300 },
    );
  });

  it('forgives what people get wrong when typing', () => {
    const token = 'K7QM3XPA9ZT1';
    expect(normaliseToken('k7qm 3xpa 9zti')).toBe(token);
    expect(normaliseToken('K7QM-3XPA-9ZTL')).toBe(token);
    expect(normaliseToken('K7QM-3XPA-9ZT')).toBeNull();
    expect(normaliseToken('K7QM-3XPA-9ZTU')).toBeNull();
    const parsed = parseInviteCode(' http://192.168.1.20:7001/api/k7qm-3xpa-9zt1 ');
    expect(parsed).toMatchObject({ url: 'http://192.168.1.20:7001/api', token });
    expect([...tokenFromBytes(new Uint8Array(12).fill(255))].every((c) => TOKEN_ALPHABET.includes(c))).toBe(
      true,
    );
  });

  it('says what is wrong with something that is not an invite', () => {
    expect(parseInviteCode('hello')).toEqual({ error: expect.stringContaining('the address, a slash') });
    expect(parseInviteCode('192.168.1.20:7001/abc')).toEqual({
      error: expect.stringContaining('12 letters'),
    });
    expect(parseInviteCode('192.168.1.20/K7QM-3XPA-9ZT1')).toEqual({
      error: expect.stringContaining('and its port'),
    });
    expect(parseInviteCode('192.168.1.20:70000/K7QM-3XPA-9ZT1')).toEqual({
      error: expect.stringContaining('and its port'),
    });
  });
});
