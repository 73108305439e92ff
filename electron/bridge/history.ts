import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { HistoryEntry, HistoryQuery, JobState } from '../../shared/bridge/contract';
import { SerialQueue, writeFileAtomic } from './atomic-file';

const MAX_ENTRIES = 500;

const JobStateSchema = z.enum(['waiting', 'processing', 'done', 'faulted', 'cancelled', 'expired']);
const EntrySchema = z.object({
  id: z.string(),
  kind: z.enum(['text', 'alchemy']),
  submittedAt: z.number(),
  finishedAt: z.number().optional(),
  summary: z.string(),
  models: z.array(z.string()),
  kudos: z.number(),
  state: JobStateSchema,
  result: z.string().optional(),
  error: z.object({ rc: z.string(), message: z.string(), hint: z.string().optional() }).optional(),
});

export const FINAL_STATES: ReadonlySet<JobState> = new Set(['done', 'faulted', 'cancelled', 'expired']);

/** The user's own requests (newest last in the file), kept across restarts for the Request screen. */
export class RequestHistory {
  private entries: HistoryEntry[] = [];
  private readonly queue = new SerialQueue();

  constructor(private readonly file: string) {}

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const r = z.array(z.unknown()).safeParse(safeJson(text));
    if (!r.success) return;
    this.entries = r.data.flatMap((raw) => {
      const e = EntrySchema.safeParse(raw);
      return e.success ? [e.data] : [];
    });
  }

  get(id: string): HistoryEntry | undefined {
    const e = this.entries.find((x) => x.id === id);
    return e && structuredClone(e);
  }

  list(q: HistoryQuery = {}): HistoryEntry[] {
    const matching = this.entries.filter((e) => q.kind === undefined || e.kind === q.kind).reverse();
    return structuredClone(q.limit === undefined ? matching : matching.slice(0, q.limit));
  }

  pending(): HistoryEntry[] {
    return structuredClone(this.entries.filter((e) => !FINAL_STATES.has(e.state)));
  }

  /** Insert or replace by id, and save. */
  put(entry: HistoryEntry): Promise<void> {
    return this.queue.run(async () => {
      const i = this.entries.findIndex((e) => e.id === entry.id);
      if (i >= 0) this.entries[i] = structuredClone(entry);
      else this.entries.push(structuredClone(entry));
      if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
      // Prompts are the user's private text: readable by them only.
      await writeFileAtomic(this.file, JSON.stringify(this.entries), 0o600);
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
