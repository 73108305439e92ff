import type { JournalEntry } from '../../shared/bridge/contract';
import { fromKudos } from '../../shared/ledger/money';
import type { Journal } from './journal';
import type { LedgerFeed, LedgerLine, Logger } from './ports';

/** How many ledger lines one read takes; a sync reads on until it has caught up. */
const PAGE = 500;

export interface LedgerSyncDeps {
  feed: LedgerFeed;
  journal: Journal;
  /** The horde's id of the user whose key is in use (find_user). */
  userId: () => Promise<number>;
  /** Called after new entries were recorded (the balance moved). */
  onRecorded: () => void;
  intervalMs?: number;
  log?: Logger;
}

/** The journal entry for one kudos change of the horde's ledger; its id is the change's own key. */
export function journalEntryOf(line: LedgerLine): JournalEntry {
  // The embedded horde's own ledger is milli-kudos already (toKudos on its side): exact, no rounding.
  const base = { id: `ledger:${line.key}#${line.index}`, at: line.at, kudos: fromKudos(line.kudos) };
  const memo = line.memo !== undefined ? { memo: line.memo } : {};
  switch (line.kind) {
    case 'job_settlement': {
      const self = line.selfPaid ? { selfPaid: true } : {};
      return line.kudos < 0
        ? { ...base, kind: 'job_paid', ...(line.requestId ? { ref: line.requestId } : {}), ...memo, ...self }
        : { ...base, kind: 'job_earned', ...(line.jobId ? { ref: line.jobId } : {}), ...memo, ...self };
    }
    case 'uptime_reward':
      return { ...base, kind: 'uptime', ...memo };
    case 'transfer':
      return {
        ...base,
        kind: line.kudos < 0 ? 'transfer_out' : 'transfer_in',
        ...(line.counterparty ? { counterparty: line.counterparty } : {}),
      };
    case 'adjustment':
      return { ...base, kind: 'award', ...memo };
    case 'evaluation_promotion':
      // Earnings (jobs and uptime) the horde held in evaluation, spendable from now on.
      return { ...base, kind: 'job_earned', memo: line.memo ?? 'kudos held in evaluation released' };
  }
}

/**
 * Keeps the journal equal to the horde's ledger for this user: every kudos
 * change the ledger holds (paid and earned jobs, uptime, transfers in and out,
 * awards, the starting kudos) becomes one journal entry keyed by the change
 * itself, so reading the same change twice — after a crash, on every start —
 * records it once. With the embedded horde this is the only writer of the
 * journal: nothing the app does on the side can drift from the ledger.
 */
export class LedgerSync {
  private cursor = { userId: -1, seq: 0 };
  private running: Promise<number> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: LedgerSyncDeps) {}

  start(): void {
    this.timer ??= setInterval(() => void this.sync().catch(() => undefined), this.deps.intervalMs ?? 3000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /**
   * Reads the ledger on from where the last sync stopped and records what is
   * new; resolves with how many entries were added. Calls while one runs are
   * folded into one more pass after it.
   */
  sync(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const pass = async (): Promise<number> => {
      let added = 0;
      do {
        this.again = false;
        added += await this.catchUp();
      } while (this.again);
      return added;
    };
    this.running = pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async catchUp(): Promise<number> {
    const userId = await this.deps.userId();
    if (userId !== this.cursor.userId) this.cursor = { userId, seq: 0 };
    let added = 0;
    for (;;) {
      const lines = this.deps.feed.read(userId, this.cursor.seq, PAGE);
      if (lines.length === 0) break;
      added += await this.deps.journal.recordMany(lines.map(journalEntryOf));
      this.cursor.seq = Math.max(...lines.map((l) => l.seq));
      if (lines.length < PAGE) break;
    }
    if (added > 0) this.deps.onRecorded();
    return added;
  }
}
