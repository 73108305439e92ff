import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { hostMatcher, parseHostHeader } from './host-guard';

describe('parseHostHeader', () => {
  it('reads names, IPv4 and bracketed IPv6 with or without a port, and refuses junk', () => {
    expect(parseHostHeader('LocalHost:7001')).toEqual({ name: 'localhost', port: 7001 });
    expect(parseHostHeader('[::1]:80')).toEqual({ name: '::1', port: 80 });
    expect(parseHostHeader('192.168.1.5')).toEqual({ name: '192.168.1.5', port: undefined });
    for (const bad of ['', 'a:b:c', 'host:99999', '[::1', 'x y'])
      expect(parseHostHeader(bad), bad).toBeUndefined();
  });
});

describe('hostMatcher', () => {
  it('on loopback: loopback names on the listening port only', () => {
    const ok = hostMatcher({ lan: false, bindHost: '127.0.0.1' });
    expect(ok('127.0.0.1:7001', 7001)).toBe(true);
    expect(ok('localhost:7001', 7001)).toBe(true);
    expect(ok('127.0.0.1:7002', 7001)).toBe(false);
    expect(ok('evil.example:7001', 7001)).toBe(false);
    expect(ok(`${os.hostname()}:7001`, 7001)).toBe(os.hostname() === 'localhost');
    expect(ok(undefined, 7001)).toBe(false);
  });

  it('in LAN mode: also the bound address, every interface address when bound to 0.0.0.0, and this machine', () => {
    const bound = hostMatcher({ lan: true, bindHost: '192.0.2.10' });
    expect(bound('192.0.2.10:7001', 7001)).toBe(true);
    expect(bound('192.0.2.11:7001', 7001)).toBe(false);
    expect(bound(`${os.hostname()}.local:7001`, 7001)).toBe(true);
    const any = hostMatcher({ lan: true, bindHost: '0.0.0.0', extraHosts: ['horde.club.example'] });
    const addresses = Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && a.family === 'IPv4');
    for (const a of addresses) expect(any(`${a.address}:7001`, 7001), a.address).toBe(true);
    expect(any('horde.club.example:7001', 7001)).toBe(true);
    expect(any('203.0.113.99:7001', 7001)).toBe(false);
    expect(any('attacker.example:7001', 7001)).toBe(false);
  });
});
