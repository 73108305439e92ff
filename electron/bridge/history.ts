import { z } from 'zod';
import {
  isFinalRequestState,
  REQUEST_STATES,
  type HistoryEntry,
  type HistoryQuery,
} from '../../shared/bridge/contract';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { isImageForm } from '../../shared/api/interrogate';
import {
  maxStoredResultBytes,
  maxTextResultBytes,
  utf8Bytes,
  type AskedFor,
} from '../../shared/kudos/results';
import { fromKudos, toKudos } from '../../shared/ledger/money';
import { writeFileAtomic } from './atomic-file';
import { parseJson, RecordFile, type LoadedRecord, type Parsed } from './record-file';

const MAX_ENTRIES = 500;
/** A result longer than this is stored as its own file beside the history, not inside it. */
export const INLINE_RESULT_BYTES = 4096;
/** What the history keeps of a result stored as a file: the History screen shows 120 characters. */
const PREVIEW_CHARS = 1000;
/**
 * No request asks for more than the AI Horde's largest max_length (4096 tokens), so no honest
 * result is longer than its byte bound (shared/kudos/results.ts); anything past it is cut. This
 * is the bound of an entry that does not say what its request asked for (saved by an older
 * version); every other entry is bounded by its own request (`resultBound`).
 */
export const MAX_RESULT_BYTES = maxTextResultBytes(4096);
const CUT_NOTE = '\n[… cut: longer than any request can ask for]';
const CUT_ASKED_NOTE = '\n[… cut: longer than this request asked for]';

/** The most UTF-8 bytes kept of a result of a request that asked for `asked`. */
export function resultBound(asked: AskedFor | undefined): number {
  return asked ? Math.min(MAX_RESULT_BYTES, maxStoredResultBytes(asked, isImageForm)) : MAX_RESULT_BYTES;
}

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
  horde: z.string().max(2048).optional(),
  asked: z
    .union([
      z.object({ maxLength: z.int().min(1).max(1_000_000) }),
      z.object({ forms: z.array(z.string().max(100)).max(50) }),
    ])
    .optional(),
  /** The full result's file in the results folder, when it is too long to keep inline. */
  resultFile: z
    .string()
    .regex(/^[0-9a-f]{32}\.txt$/)
    .optional(),
});
type StoredEntry = HistoryEntry & { resultFile?: string };
type Line = z.infer<typeof EntrySchema>;

// The file keeps kudos as floats, its format since its first version; the bridge holds milli-kudos.
function fromLine(l: Line): StoredEntry {
  const { kudos, quoted, refunded, ...rest } = l;
  return {
    ...rest,
    kudos: fromKudos(kudos),
    ...(quoted !== undefined ? { quoted: fromKudos(quoted) } : {}),
    ...(refunded !== undefined ? { refunded: fromKudos(refunded) } : {}),
  };
}
function toLine(e: StoredEntry): Line {
  const { kudos, quoted, refunded, ...rest } = e;
  return {
    ...rest,
    kudos: toKudos(kudos),
    ...(quoted !== undefined ? { quoted: toKudos(quoted) } : {}),
    ...(refunded !== undefined ? { refunded: toKudos(refunded) } : {}),
  };
}

/** The user's own requests (newest last in the file), kept across restarts for the Request screen. */
export class RequestHistory {
  private entries: StoredEntry[] = [];
  private readonly record: RecordFile<StoredEntry[]>;
  /** Long results live here, one file per request: requests.json stays small however big they are. */
  readonly resultsDir: string;
  /** What each result file holds (a hash), so that polling a finished request does not rewrite it. */
  private readonly written = new Map<string, string>();

  constructor(readonly file: string) {
    this.resultsDir = `${file}.results`;
    this.record = new RecordFile(file, {
      what: 'your request history',
      parse: parseHistory,
      serialize: (entries) => JSON.stringify(entries.map(toLine)),
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
    return e && view(e);
  }

  list(q: HistoryQuery = {}): HistoryEntry[] {
    const matching = this.entries.filter((e) => q.kind === undefined || e.kind === q.kind).reverse();
    return (q.limit === undefined ? matching : matching.slice(0, q.limit)).map(view);
  }

  /** The requests not ended yet; with `horde`, only those made on that horde (or not saying where). */
  pending(horde?: string): HistoryEntry[] {
    return this.entries
      .filter((e) => !isFinalRequestState(e.state))
      .filter((e) => horde === undefined || e.horde === undefined || e.horde === horde)
      .map(view);
  }

  /** The whole result of a request (read from its file when it is a long one). */
  async fullResult(id: string): Promise<string | undefined> {
    const e = this.entries.find((x) => x.id === id);
    if (!e?.resultFile) return e?.result;
    try {
      return await readFile(path.join(this.resultsDir, e.resultFile), 'utf8');
    } catch {
      return e.result;
    }
  }

  has(id: string): boolean {
    return this.entries.some((e) => e.id === id);
  }

  /** Insert or replace by id, and save (saves run in order; each writes the whole list). */
  async put(entry: HistoryEntry): Promise<void> {
    const i = this.entries.findIndex((e) => e.id === entry.id);
    const before = i >= 0 ? this.entries[i] : undefined;
    const stored: StoredEntry = structuredClone(entry);
    delete stored.resultFile;
    // What the request asked for stays with it, whoever writes the entry next.
    if (stored.asked === undefined && before?.asked !== undefined) stored.asked = before.asked;
    const sameAsStored = before?.resultFile !== undefined && before.result === entry.result;
    // A result past what the request asked for is cut here, before it is kept inline or as a file.
    const result =
      entry.result === undefined || sameAsStored ? entry.result : boundResult(entry.result, stored.asked);
    if (result !== undefined) stored.result = result;
    if (result !== undefined && utf8Bytes(result) > INLINE_RESULT_BYTES) {
      const preview = previewOf(result);
      // The same preview means the window handed back what get() gave it: the file already holds it.
      if (sameAsStored) stored.resultFile = before.resultFile;
      else {
        // The file first: a crash before the history is saved leaves a file no entry names, never the reverse.
        const name = `${createHash('sha256').update(entry.id).digest('hex').slice(0, 32)}.txt`;
        const text = result;
        const hash = createHash('sha256').update(text).digest('hex');
        if (this.written.get(name) !== hash || before?.resultFile !== name) {
          await writeFileAtomic(path.join(this.resultsDir, name), text, 0o600);
          this.written.set(name, hash);
        }
        stored.resultFile = name;
      }
      stored.result = preview;
    } else if (before?.resultFile && entry.result === before.result) {
      stored.resultFile = before.resultFile;
    }
    if (i >= 0) this.entries[i] = stored;
    else this.entries.push(stored);
    const dropped =
      this.entries.length > MAX_ENTRIES ? this.entries.splice(0, this.entries.length - MAX_ENTRIES) : [];
    await this.record.save(this.entries);
    const gone = [before, ...dropped].filter(
      (e): e is StoredEntry =>
        e?.resultFile !== undefined && !this.entries.some((x) => x.resultFile === e.resultFile),
    );
    for (const e of gone) await rm(path.join(this.resultsDir, e.resultFile!), { force: true });
  }
}

/** An entry as the window sees it: the result's preview stands for a long result. */
function view(e: StoredEntry): HistoryEntry {
  const out: StoredEntry = structuredClone(e);
  delete out.resultFile;
  return out;
}

function previewOf(text: string): string {
  return text.length <= PREVIEW_CHARS ? text : `${text.slice(0, PREVIEW_CHARS)}…`;
}

/** A result as the app keeps and shows it: no longer than what its request asked for allows. */
export function boundResult(text: string, asked: AskedFor | undefined): string {
  return bounded(text, resultBound(asked), asked ? CUT_ASKED_NOTE : CUT_NOTE);
}

/** At most `limit` bytes of UTF-8, cut on a character boundary, with a note saying so. */
function bounded(text: string, limit: number, note: string): string {
  if (utf8Bytes(text) <= limit) return text;
  let lo = 0;
  let hi = Math.min(text.length, limit);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (utf8Bytes(text.slice(0, mid)) <= limit) lo = mid;
    else hi = mid - 1;
  }
  // A lone high surrogate at the cut would be half a character.
  const code = text.charCodeAt(lo - 1);
  if (lo > 0 && code >= 0xd800 && code <= 0xdbff) lo--;
  return text.slice(0, lo) + note;
}

function parseHistory(text: string): Parsed<StoredEntry[]> {
  const json = parseJson(text);
  if (!json.ok) return json;
  const r = z.array(z.unknown()).safeParse(json.value);
  if (!r.success) return { ok: false, why: 'not a list of requests' };
  // An entry this version cannot read is dropped; the rest of the history stays.
  return {
    ok: true,
    value: r.data.flatMap((raw) => {
      const e = EntrySchema.safeParse(raw);
      return e.success ? [fromLine(e.data)] : [];
    }),
  };
}
