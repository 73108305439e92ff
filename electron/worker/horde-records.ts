/**
 * What the horde keeps about this app's workers and their owner: the owner's
 * kudos (find_user), the worker ids (a worker exists on the horde only after
 * its first pop), and the maintenance flag with the horde's reason.
 */
import type { WorkerRecord } from '../../shared/api/answers';
import type { HordeClient } from '../client/horde-client';
import { RETRY } from '../client/retry';
import { milliFromHorde } from '../../shared/bridge/kudos';
import { fromKudos, type Milli } from '../../shared/ledger/money';

/** The horde's float kudos become milli-kudos here, where its answers enter the app. */
export interface AccountFigures {
  kudos: Milli;
  evaluatingKudos?: Milli;
  /** Read when this call first found the app's worker records. */
  maintenance?: MaintenanceInfo;
}

export interface WorkerFigures {
  id: string;
  uptimeSeconds: number;
  /** Exact to the milli (not yet to hundredths): the session's share is a difference of these. */
  jobKudos: Milli;
  uptimeKudos: Milli;
}

export interface MaintenanceInfo {
  on: boolean;
  reason?: string;
}

export class HordeRecords {
  /** Worker name → the horde's id, for the names this app pops with (text and alchemy differ). */
  private readonly ids = new Map<string, string>();

  constructor(
    private readonly api: HordeClient,
    private readonly names: readonly string[],
  ) {}

  knowsAllWorkers(): boolean {
    return this.names.every((n) => this.ids.has(n));
  }

  /** The owner's balance; learns the ids of this app's workers on the way. */
  async account(): Promise<AccountFigures> {
    const user = await this.api.ownerRecord(RETRY.once);
    const learned = this.knowsAllWorkers() ? [] : await this.learnIds(user.worker_ids ?? []);
    const maintenance = summarize(learned);
    return {
      kudos: milliFromHorde(user.kudos),
      ...(typeof user.evaluating_kudos === 'number'
        ? { evaluatingKudos: milliFromHorde(user.evaluating_kudos) }
        : {}),
      ...(maintenance ? { maintenance } : {}),
    };
  }

  /** The horde's maintenance flag over this app's workers: on when any is; undefined when none is known yet. */
  async maintenance(): Promise<MaintenanceInfo | undefined> {
    if (this.ids.size === 0) await this.account();
    const records: WorkerRecord[] = [];
    for (const id of this.ids.values()) {
      records.push(await this.api.workerRecord(id, RETRY.once));
    }
    return summarize(records);
  }

  /** What the horde counts for each of this app's workers it knows: online time and earnings, all time. */
  async figures(): Promise<WorkerFigures[]> {
    const out: WorkerFigures[] = [];
    for (const id of this.ids.values()) {
      const r = await this.api.workerRecord(id, RETRY.once);
      if (typeof r.uptime !== 'number') continue;
      out.push({
        id,
        uptimeSeconds: r.uptime,
        jobKudos: fromKudos(r.kudos_details?.generated ?? 0),
        uptimeKudos: fromKudos(r.kudos_details?.uptime ?? 0),
      });
    }
    return out;
  }

  /** PUT {maintenance: false} for each of this app's workers the horde knows. */
  async leaveMaintenance(): Promise<void> {
    if (this.ids.size === 0) await this.account();
    if (this.ids.size === 0) {
      throw new Error('The horde does not know this worker yet: it appears after its first request for work');
    }
    for (const id of this.ids.values()) {
      await this.api.modifyWorker(id, { maintenance: false }, undefined, RETRY.once);
    }
  }

  /** Returns the records of this app's workers found now. */
  private async learnIds(workerIds: readonly string[]): Promise<WorkerRecord[]> {
    const known = new Set(this.ids.values());
    const found: WorkerRecord[] = [];
    for (const id of workerIds) {
      if (known.has(id)) continue;
      const record = await this.api.workerRecord(id, RETRY.once);
      if (!this.names.includes(record.name)) continue;
      this.ids.set(record.name, record.id);
      found.push(record);
    }
    return found;
  }
}

/** On when any of the records is; undefined when none says. */
function summarize(records: readonly WorkerRecord[]): MaintenanceInfo | undefined {
  let info: MaintenanceInfo | undefined;
  for (const r of records) {
    if (r.maintenance_mode === undefined || r.maintenance_mode === null) continue;
    if (r.maintenance_mode) return { on: true, ...(r.maintenance_msg ? { reason: r.maintenance_msg } : {}) };
    info = { on: false };
  }
  return info;
}
