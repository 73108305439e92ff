import type { HordeClient } from '../client/horde-client';
import type { Journal } from './journal';
import type { Logger } from './ports';
import { asMilli, fromKudos, toKudos, type Milli } from '../../shared/ledger/money';
import { milliFromHorde } from '../../shared/bridge/kudos';

export interface UptimeWatcherDeps {
  client: () => HordeClient;
  journal: Journal;
  /** Called after new uptime kudos were recorded. */
  onRecorded: () => void;
  intervalMs?: number;
  now?: () => number;
  log?: Logger;
}

const PREFIX = 'uptime:';

/**
 * Uptime rewards reach the owner without any job, so the worker never hears
 * of them; this reads each of the user's workers' `kudos_details.uptime` now
 * and then and journals the increase. Entry ids carry the total seen
 * (`uptime:<worker>:<total>`), so a restart neither loses nor repeats one.
 */
export class UptimeWatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly last = new Map<string, Milli>();

  constructor(private readonly deps: UptimeWatcherDeps) {
    for (const e of deps.journal.query({ kinds: ['uptime'] }).entries) {
      const m = /^uptime:(.+):([\d.]+)$/.exec(e.id);
      // The id names the worker's uptime total in kudos, as it always did (journals written before milli-kudos read the same).
      if (m?.[1] && m[2]) this.last.set(m[1], maxMilli(this.last.get(m[1]), fromKudos(Number(m[2]))));
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.checkOnce().finally(() => (this.running = null));
    }, this.deps.intervalMs ?? 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  async checkOnce(): Promise<void> {
    const now = this.deps.now ?? Date.now;
    let recorded = false;
    try {
      const user = await this.deps.client().findUser();
      for (const id of user.worker_ids ?? []) {
        const total = milliFromHorde((await this.deps.client().worker(id)).kudos_details.uptime);
        const before = this.last.get(id);
        this.last.set(id, maxMilli(before, total));
        // The first sight of a worker is its baseline: older uptime was earned before this app kept a journal.
        if (before === undefined || total <= before) continue;
        recorded =
          (await this.deps.journal.record({
            id: `${PREFIX}${id}:${toKudos(total)}`,
            at: now(),
            kind: 'uptime',
            kudos: asMilli(total - before),
            memo: 'uptime reward',
          })) || recorded;
      }
    } catch (e) {
      this.deps.log?.warn('uptime check failed', e);
    }
    if (recorded) this.deps.onRecorded();
  }
}

const maxMilli = (a: Milli | undefined, b: Milli): Milli => (a === undefined || b > a ? b : a);
