import { describe, expect, it } from 'vitest';
import { lanAddresses } from './lan-addresses';

const iface = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({
  address,
  family,
  internal,
  netmask: '',
  mac: '00:00:00:00:00:00',
  cidr: null,
  ...(family === 'IPv6' ? { scopeid: 0 } : {}),
});

describe('lanAddresses', () => {
  it('lists what other machines can use, never loopback or link-local', () => {
    const ifaces = {
      lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
      eth0: [iface('192.0.2.10', 'IPv4'), iface('fe80::1', 'IPv6'), iface('2001:db8::5', 'IPv6')],
      wlan0: [iface('198.51.100.7', 'IPv4')],
    } as unknown as Parameters<typeof lanAddresses>[2];
    expect(lanAddresses(7001, '0.0.0.0', ifaces)).toEqual(['192.0.2.10:7001', '198.51.100.7:7001']);
    expect(lanAddresses(7001, '::', ifaces)).toEqual([
      '192.0.2.10:7001',
      '198.51.100.7:7001',
      '[2001:db8::5]:7001',
    ]);
    expect(lanAddresses(7002, '192.0.2.10', ifaces)).toEqual(['192.0.2.10:7002']);
    expect(lanAddresses(7001, '0.0.0.0', { lo: ifaces!.lo } as Parameters<typeof lanAddresses>[2])).toEqual(
      [],
    );
  });
});
