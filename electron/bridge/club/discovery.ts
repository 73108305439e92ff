import { Bonjour, type Browser, type Service } from 'bonjour-service';
import { CLUB_SERVICE_TYPE } from '../../../shared/api/club';
import type { DiscoveredHorde } from '../../../shared/bridge/club';
import { hostPort } from '../../../shared/club/invite-code';
import type { JoinPolicy } from '../../../shared/club/types';

/**
 * Club hordes on the LAN over mDNS/DNS-SD (`_horde-desktop._tcp`), with
 * bonjour-service (maintained, TypeScript, pure JS on multicast-dns, so it
 * runs where the app runs without a system daemon). A sharing app announces
 * its horde; an app on the Join screen listens. Nothing is sent until one of
 * the two is asked for, and `stop` leaves no socket open.
 */
export interface DiscoveryOptions {
  /** The multicast interface's address (tests pin it to their namespace's link); all interfaces when absent. */
  interface?: string;
}

export interface Announcement {
  name: string;
  port: number;
  join: JoinPolicy;
}

export class ClubDiscovery {
  private bonjour: Bonjour | null = null;
  private browser: Browser | null = null;
  private announced: Service | null = null;

  constructor(private readonly opts: DiscoveryOptions = {}) {}

  private mdns(): Bonjour {
    // multicast-dns reads `interface` from the options bonjour-service hands it; its types do not say so.
    const config = (this.opts.interface ? { interface: this.opts.interface } : {}) as ConstructorParameters<
      typeof Bonjour
    >[0];
    this.bonjour ??= new Bonjour(config, () => undefined);
    return this.bonjour;
  }

  announce(a: Announcement): void {
    this.announced?.stop?.();
    this.announced = this.mdns().publish({
      name: a.name,
      type: CLUB_SERVICE_TYPE,
      port: a.port,
      txt: { v: '1', path: '/api', join: a.join },
      disableIPv6: true,
      // The name is this machine's own (owner on host), and re-announcing after a settings change
      // must not be taken for a rival and renamed: no probing.
      probe: false,
    });
  }

  /** Stops announcing this app's horde (sharing turned off, or the app moved to another horde); listening goes on. */
  withdraw(): void {
    this.announced?.stop?.();
    this.announced = null;
  }

  /** The hordes heard so far; the first call starts listening (answers come within a second or two). */
  found(): DiscoveredHorde[] {
    if (!this.browser) {
      this.browser = this.mdns().find({ type: CLUB_SERVICE_TYPE });
    } else {
      this.browser.update();
    }
    const out = new Map<string, DiscoveredHorde>();
    for (const s of this.browser.services) {
      const host = addressOf(s);
      if (!host) continue;
      const address = hostPort(host, s.port);
      const txt = (s.txt ?? {}) as Record<string, unknown>;
      const join = txt.join === 'invite' || txt.join === 'open' ? txt.join : 'unknown';
      const path = typeof txt.path === 'string' && /^\/[\w/-]*$/.test(txt.path) ? txt.path : '/api';
      out.set(address, { name: s.name, address, url: `http://${address}${path}`, join });
    }
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async stop(): Promise<void> {
    this.browser?.stop();
    this.browser = null;
    const b = this.bonjour;
    this.bonjour = null;
    this.announced = null;
    if (!b) return;
    await new Promise<void>((resolve) => {
      b.unpublishAll(() => b.destroy(() => resolve()));
    });
  }
}

/** The IPv4 address the service announced (else the one its answer came from). */
function addressOf(s: Service): string | undefined {
  const v4 = (s.addresses ?? []).find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
  return v4 ?? s.referer?.address;
}
