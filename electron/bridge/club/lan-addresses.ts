import os from 'node:os';
import { hostPort } from '../../../shared/club/invite-code';

type Interfaces = ReturnType<typeof os.networkInterfaces>;

/**
 * The addresses other machines can reach a horde at, `host:port`: every
 * non-internal IPv4 address first (what people type), then global IPv6 ones;
 * never loopback, and no IPv6 link-local (it needs a zone id no one types).
 * A horde bound to one address answers only there, so that one is the list.
 */
export function lanAddresses(
  port: number,
  bindHost = '0.0.0.0',
  ifaces: Interfaces = os.networkInterfaces(),
): string[] {
  if (bindHost !== '0.0.0.0' && bindHost !== '::') return [hostPort(bindHost, port)];
  const v4: string[] = [];
  const v6: string[] = [];
  for (const list of Object.values(ifaces)) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4') v4.push(a.address);
      else if (!/^fe80:/i.test(a.address)) v6.push(a.address);
    }
  }
  return [...new Set([...v4, ...(bindHost === '::' ? v6 : [])])].map((h) => hostPort(h, port));
}
