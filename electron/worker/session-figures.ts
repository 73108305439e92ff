/**
 * The worker's figures over one stated window, this session: online time and
 * earnings. The horde's records of this app's workers are the source where it
 * has them (uptime and kudos_details, all time: the session's share is their
 * change since the first reading this session); before that, the app's own
 * count of online time between check-ins.
 */
import { asMilli, toHundredths, ZERO, type Milli } from '../../shared/ledger/money';
import type { SessionFigures } from '../../shared/worker/stats';
import type { WorkerFigures } from './horde-records';

/** The horde counts a worker online while its check-ins come within this (the AI Horde: 300 s). */
export const ONLINE_GAP_MS = 300_000;

export class SessionCounter {
  private since = 0;
  private onlineMs = 0;
  private lastCheckIn: number | undefined;
  private readonly first = new Map<string, WorkerFigures>();
  private readonly latest = new Map<string, WorkerFigures>();

  start(now: number): void {
    this.since = now;
    this.onlineMs = 0;
    this.lastCheckIn = undefined;
    this.first.clear();
    this.latest.clear();
  }

  /** Every answered pop is a check-in; a gap longer than the horde's counts as offline. */
  checkIn(now: number): void {
    if (this.lastCheckIn !== undefined && now - this.lastCheckIn <= ONLINE_GAP_MS)
      this.onlineMs += Math.max(0, now - this.lastCheckIn);
    this.lastCheckIn = now;
  }

  /** The app's own count of online seconds this session. */
  appOnlineSeconds(): number {
    return Math.floor(this.onlineMs / 1000);
  }

  records(figures: readonly WorkerFigures[]): void {
    for (const f of figures) {
      if (!this.first.has(f.id)) this.first.set(f.id, f);
      this.latest.set(f.id, f);
    }
  }

  /** The horde's all-time online count: the longest of this app's workers (they run side by side). */
  hordeUptimeSeconds(): number | undefined {
    if (this.latest.size === 0) return undefined;
    return Math.max(...[...this.latest.values()].map((f) => f.uptimeSeconds));
  }

  /** `appJobKudos`: the rewards the horde answered to this session's submits (used until it has a record). */
  figures(appJobKudos: Milli): SessionFigures {
    if (this.latest.size === 0) {
      return {
        since: this.since,
        onlineSeconds: this.appOnlineSeconds(),
        jobKudos: toHundredths(appJobKudos),
        uptimeKudos: ZERO,
        source: 'app',
      };
    }
    let online = 0;
    let jobs = 0;
    let uptime = 0;
    for (const [id, now] of this.latest) {
      const was = this.first.get(id) ?? now;
      online = Math.max(online, now.uptimeSeconds - was.uptimeSeconds);
      jobs += now.jobKudos - was.jobKudos;
      uptime += now.uptimeKudos - was.uptimeKudos;
    }
    return {
      since: this.since,
      onlineSeconds: Math.max(0, Math.round(online)),
      // Integer differences of exact milli-kudos, then the horde's two decimals, as the window shows.
      jobKudos: toHundredths(asMilli(Math.max(0, jobs))),
      uptimeKudos: toHundredths(asMilli(Math.max(0, uptime))),
      source: 'horde',
    };
  }
}
