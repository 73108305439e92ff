import { isIP } from 'node:net';
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { HordeError } from '../../shared/api/horde-error';

/**
 * The `Host` names the horde answers to. Because every web page may now call
 * the horde (CORS), a page on an attacker's domain that re-points its DNS name
 * at 127.0.0.1 (DNS rebinding) would otherwise reach it as a same-origin
 * client. The browser still sends the attacker's name in `Host`, so the horde
 * refuses every name it does not serve:
 *
 * - always the loopback names (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`);
 * - in LAN mode also the addresses it is bound to (each interface address
 *   when bound to 0.0.0.0 / ::) and this machine's own host name (with and
 *   without `.local`), which club members may type instead of an address;
 * - any name in `extraHosts` (a reverse proxy in front of the horde).
 *
 * The port must be the one the horde listens on (80 when `Host` has none).
 */
export interface HostGuardOptions {
  lan: boolean;
  /** The address the server is bound to (`127.0.0.1`, `0.0.0.0`, `::`, a LAN address). */
  bindHost: string;
  extraHosts?: readonly string[];
}

/** `host[:port]` of a Host header, the brackets of an IPv6 literal removed, lower-cased. */
export function parseHostHeader(raw: string): { name: string; port: number | undefined } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+))(?::(\d{1,5}))?$/.exec(raw.trim());
  if (!m) return undefined;
  const name = (m[1] ?? m[2] ?? '').toLowerCase().replace(/\.$/, '');
  const port = m[3] !== undefined ? Number(m[3]) : undefined;
  if (name === '' || (port !== undefined && port > 65535)) return undefined;
  return { name, port };
}

export function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1' || name === '::ffff:127.0.0.1';
}

function interfaceAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a !== undefined)
    .map((a) => a.address.toLowerCase().replace(/%.*$/, ''));
}

/** Decides whether a `Host` header names this horde. Interface addresses are re-read on a miss (DHCP). */
export function hostMatcher(
  o: HostGuardOptions,
): (host: string | undefined, listenPort: number | undefined) => boolean {
  const bind = o.bindHost.toLowerCase().replace(/^\[|\]$/g, '');
  const wildcard = bind === '0.0.0.0' || bind === '::';
  const fixed = new Set<string>((o.extraHosts ?? []).map((h) => h.toLowerCase()));
  if (o.lan) {
    if (!wildcard) fixed.add(bind);
    const hostname = os.hostname().toLowerCase();
    fixed.add(hostname);
    fixed.add(hostname.endsWith('.local') ? hostname : `${hostname}.local`);
  }
  let interfaces = o.lan && wildcard ? new Set(interfaceAddresses()) : new Set<string>();
  const known = (name: string): boolean => isLoopbackName(name) || fixed.has(name) || interfaces.has(name);
  return (host, listenPort) => {
    if (host === undefined) return false;
    const parsed = parseHostHeader(host);
    if (!parsed) return false;
    if (listenPort !== undefined && (parsed.port ?? 80) !== listenPort) return false;
    if (known(parsed.name)) return true;
    if (o.lan && wildcard && isIP(parsed.name) !== 0) {
      interfaces = new Set(interfaceAddresses());
      return interfaces.has(parsed.name);
    }
    return false;
  };
}

/** Refuses, before any route runs, a request whose `Host` this horde does not serve (403 Forbidden). */
export function registerHostGuard(app: FastifyInstance, o: HostGuardOptions): void {
  const matches = hostMatcher(o);
  app.addHook('onRequest', async (req) => {
    // The port the request came in on, which is the one the server listens on. The socket keeps
    // it from its first read; `server.address()` asks the OS again on every call, about 3 % of
    // the horde's time flat out. An injected request has none, and its port is not checked.
    const port = req.socket?.localPort;
    if (!matches(req.headers.host, port)) {
      throw new HordeError(
        'Forbidden',
        `This horde does not answer to the name '${String(req.headers.host ?? '').slice(0, 100)}'. ` +
          'Use the address it prints (http://127.0.0.1:PORT), or turn on LAN sharing to reach it from the network.',
      );
    }
  });
}
