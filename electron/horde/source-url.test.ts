import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HordeError } from '../../shared/api/horde-error';
import { checkSourceUrl, fetchPublicImage, isPublicAddress } from './source-url';

const rcOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    return err instanceof HordeError ? err.rc : String(err);
  }
  return 'no error';
};

describe('isPublicAddress', () => {
  it('accepts only globally routable unicast addresses', () => {
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of [
      '127.0.0.1',
      '127.9.9.9',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.0.10',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'not an address',
    ])
      expect(isPublicAddress(a), a).toBe(false);
  });
});

describe('checkSourceUrl', () => {
  it('refuses non-http schemes, credentials, loopback names and private literals in any spelling', () => {
    for (const raw of [
      'file:///etc/passwd',
      'ftp://93.184.216.34/a.png',
      'http://user:pw@93.184.216.34/a.png',
      'http://localhost/a.png',
      'http://printer.localhost/a.png',
      'http://127.1/a.png',
      'http://0x7f000001/a.png',
      'http://2130706433/a.png',
      'http://[::ffff:7f00:1]/a.png',
      'http://[fd00::5]/a.png',
    ]) {
      expect(() => checkSourceUrl(raw), raw).toThrow(HordeError);
    }
    expect(checkSourceUrl('https://images.example/cat.png').hostname).toBe('images.example');
  });
});

describe('fetchPublicImage', () => {
  it('refuses a name that resolves to loopback or private addresses before connecting', async () => {
    let hits = 0;
    const bait = http.createServer((_q, s) => {
      hits += 1;
      s.end('x');
    });
    await new Promise<void>((r) => bait.listen(0, '127.0.0.1', r));
    const port = (bait.address() as AddressInfo).port;
    try {
      for (const answer of [['127.0.0.1'], ['10.0.0.1'], ['93.184.216.34', '127.0.0.1'], []]) {
        const resolve = async () => answer.map((address) => ({ address, family: 4 }));
        const rc = await rcOf(
          fetchPublicImage(`http://rebind.example:${port}/cat.png`, {
            maxBytes: 1000,
            timeoutMs: 2000,
            resolve,
          }),
        );
        expect({ answer, rc }).toEqual({ answer, rc: 'SourceImageUrlInvalid' });
      }
      expect(hits).toBe(0);
    } finally {
      await new Promise((r) => bait.close(r));
    }
  });

  it('answers ImageValidationFailed, as the AI Horde does, when the name does not resolve', async () => {
    const resolve = async () => {
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    expect(
      await rcOf(
        fetchPublicImage('http://nowhere.example/cat.png', { maxBytes: 1000, timeoutMs: 2000, resolve }),
      ),
    ).toBe('ImageValidationFailed');
  });
});
