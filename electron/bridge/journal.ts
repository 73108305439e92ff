import { createHash } from 'node:crypto';
import path from 'node:path';
import { JsonLinesFile } from './json-lines';
import { z } from 'zod';
import { asMilli, fromKudos, toKudos } from '../../shared/ledger/money';
import { MilliKudosSchema } from '../../shared/bridge/kudos';
import type { HordeMode, JournalEntry, LedgerPage, LedgerQuery } from '../../shared/bridge/contract';
import { JournalKindSchema } from '../../shared/bridge/schemas';
import { SerialQueue } from './atomic-file';

/** A line of the file: kudos as a float, the file's format since its first version. */
const LineSchema = z.object({
  id: z.string().min(1),
  at: z.number(),
  kind: JournalKindSchema,
  kudos: z.number(),
  ref: z.string().optional(),
  counterparty: z.string().optional(),
  memo: z.string().optional(),
  selfPaid: z.boolean().optional(),
});
type Line = z.infer<typeof LineSchema>;
/** An entry as the bridge holds it: milli-kudos. */
const EntrySchema = LineSchema.extend({ kudos: MilliKudosSchema });

const fromLine = (l: Line): JournalEntry => ({ ...l, kudos: fromKudos(l.kudos) });
const toLine = (e: JournalEntry): Line => ({ ...e, kudos: toKudos(e.kudos) });

/**
 * Where a horde's journal lives in the data folder: `journal.jsonl` for the embedded horde (as
 * before), `journal-<hash of the URL>.jsonl` for the public AI Horde or another horde, so the
 * Ledger screen and "earned today" on one horde never count what was earned on another.
 */
export function journalFile(dataDir: string, horde: { mode: HordeMode; url?: string }): string {
  if (horde.mode === 'embedded' || horde.url === undefined) return path.join(dataDir, 'journal.jsonl');
  const id = createHash('sha256').update(horde.url).digest('hex').slice(0, 16);
  return path.join(dataDir, `journal-${id}.jsonl`);
}

/**
 * The app's own record of this user's kudos movements — paid per request,
 * earned per job, uptime, transfers — for the Ledger screen, with any horde
 * (the public AI Horde keeps no per-user event list). Append-only JSON Lines:
 * one fsync'd line per entry; a torn last line after a crash is skipped.
 * The entry id is an idempotency key: recording the same id twice is a no-op.
 */
export class Journal {
  private readonly entries: JournalEntry[] = [];
  private readonly ids = new Set<string>();
  private readonly queue = new SerialQueue();
  private readonly listeners = new Set<(entry: JournalEntry) => void>();
  private readonly lines: JsonLinesFile;

  constructor(private readonly file: string) {
    this.lines = new JsonLinesFile(file);
  }

  async load(): Promise<void> {
    for (const line of await this.lines.read()) {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        continue;
      }
      const r = LineSchema.safeParse(raw);
      if (r.success && !this.ids.has(r.data.id)) this.remember(fromLine(r.data));
    }
    this.entries.sort((a, b) => a.at - b.at);
  }

  /** Record one entry; false when an entry with this id is already there. */
  record(entry: JournalEntry): Promise<boolean> {
    return this.queue.run(async () => {
      if (this.ids.has(entry.id)) return false;
      const clean = EntrySchema.parse(entry);
      await this.lines.append([toLine(clean)]);
      this.remember(clean);
      for (const l of this.listeners) l(clean);
      return true;
    });
  }

  /**
   * Record the entries not already there, in one append and one flush (a
   * catch-up after a restart may bring hundreds); resolves with how many were new.
   */
  recordMany(entries: readonly JournalEntry[]): Promise<number> {
    return this.queue.run(async () => {
      const seen = new Set<string>();
      const fresh = entries
        .filter((e) => !this.ids.has(e.id) && !seen.has(e.id) && seen.add(e.id))
        .map((e) => EntrySchema.parse(e));
      if (fresh.length === 0) return 0;
      await this.lines.append(fresh.map(toLine));
      for (const e of fresh) {
        this.remember(e);
        for (const l of this.listeners) l(e);
      }
      return fresh.length;
    });
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  query(q: LedgerQuery = {}): LedgerPage {
    const kinds = q.kinds && q.kinds.length > 0 ? new Set(q.kinds) : null;
    const matching = this.entries.filter(
      (e) =>
        (q.from === undefined || e.at >= q.from) &&
        (q.to === undefined || e.at <= q.to) &&
        (!kinds || kinds.has(e.kind)),
    );
    const totals = { earned: 0, spent: 0, transferredIn: 0, transferredOut: 0, awarded: 0, net: 0 };
    for (const e of matching) {
      totals.net += e.kudos;
      if (e.kind === 'job_earned' || e.kind === 'uptime') totals.earned += e.kudos;
      else if (e.kind === 'job_paid') totals.spent += -e.kudos;
      else if (e.kind === 'transfer_in') totals.transferredIn += e.kudos;
      else if (e.kind === 'award') totals.awarded += e.kudos;
      else totals.transferredOut += -e.kudos;
    }
    const newestFirst = matching.slice().reverse();
    return {
      entries: q.limit === undefined ? newestFirst : newestFirst.slice(0, q.limit),
      // Integer sums: exact, no rounding needed.
      totals: {
        earned: asMilli(totals.earned),
        spent: asMilli(totals.spent),
        transferredIn: asMilli(totals.transferredIn),
        transferredOut: asMilli(totals.transferredOut),
        awarded: asMilli(totals.awarded),
        net: asMilli(totals.net),
      },
    };
  }

  onRecord(listener: (entry: JournalEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private remember(entry: JournalEntry): void {
    this.ids.add(entry.id);
    // Entries arrive nearly in time order; insert from the end to keep it sorted.
    let i = this.entries.length;
    while (i > 0 && (this.entries[i - 1]?.at ?? 0) > entry.at) i--;
    this.entries.splice(i, 0, entry);
  }
}
