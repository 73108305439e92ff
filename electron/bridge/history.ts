import { z } from 'zod';
import {
  isFinalRequestState,
  REQUEST_STATES,
  type HistoryEntry,
  type HistoryQuery,
} from '../../shared/bridge/contract';
import { parseJson, RecordFile, type LoadedRecord, type Parsed } from './record-file';

const MAX_ENTRIES = 500;

const RequestStateSchema = z.enum(REQUEST_STATES);
const EntrySchema = z.object({
  id: z.string(),
  kind: z.enum(['text', 'alchemy']),
  submittedAt: z.number(),
  finishedAt: z.number().optional(),
  summary: z.string(),
  models: z.array(z.string()),
  kudos: z.number(),
  quoted: z.number().optional(),
  refunded: z.number().optional(),
  state: RequestStateSchema,
  result: z.string().optional(),
  error: z.object({ rc: z.string(), message: z.string(), hint: z.string().optional() }).optional(),
});

/** The user's own requests (newest last in the file), kept across restarts for the Request screen. */
export class RequestHistory {
  private entries: HistoryEntry[] = [];
  private readonly record: RecordFile<HistoryEntry[]>;

  constructor(readonly file: string) {
    this.record = new RecordFile(file, {
      what: 'your request history',
      parse: parseHistory,
      serialize: (entries) => JSON.stringify(entries),
      // Prompts are the user's private text: readable by them only.
      mode: 0o600,
    });
  }

  /** Reads the saved history; a damaged file is restored from its last good copy, or this throws DamagedRecordError. */
  async load(): Promise<LoadedRecord<HistoryEntry[]>> {
    const loaded = await this.record.load();
    this.entries = loaded.value ?? [];
    return loaded;
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
    return structuredClone(this.entries.filter((e) => !isFinalRequestState(e.state)));
  }

  has(id: string): boolean {
    return this.entries.some((e) => e.id === id);
  }

  /** Insert or replace by id, and save (saves run in order; each writes the whole list). */
  put(entry: HistoryEntry): Promise<void> {
    const i = this.entries.findIndex((e) => e.id === entry.id);
    if (i >= 0) this.entries[i] = structuredClone(entry);
    else this.entries.push(structuredClone(entry));
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    return this.record.save(this.entries);
  }
}

function parseHistory(text: string): Parsed<HistoryEntry[]> {
  const json = parseJson(text);
  if (!json.ok) return json;
  const r = z.array(z.unknown()).safeParse(json.value);
  if (!r.success) return { ok: false, why: 'not a list of requests' };
  // An entry this version cannot read is dropped; the rest of the history stays.
  return {
    ok: true,
    value: r.data.flatMap((raw) => {
      const e = EntrySchema.safeParse(raw);
      return e.success ? [e.data] : [];
    }),
  };
}
