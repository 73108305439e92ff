import { copyFile, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { backupOf, removeStaleTemps, SerialQueue, writeFileAtomic } from './atomic-file';

/**
 * A file the app owns is damaged and has no good copy to restore from. The
 * app stops with this message rather than start over silently: it names the
 * file and says what the user can do.
 */
export class DamagedRecordError extends Error {
  readonly rc = 'DamagedFile';

  constructor(
    readonly file: string,
    readonly why: string,
    readonly what: string,
  ) {
    super(
      `${path.basename(file)} in ${path.dirname(file)} is damaged (${why}) and there is no good copy to restore. ` +
        `It holds ${what}. Move it away to start with an empty one (the app will not delete it for you), ` +
        `or put back a copy from your own backup, then start again.`,
    );
    this.name = 'DamagedRecordError';
  }
}

/** What `parse` says about a file's text: its value, or why it is not valid. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; why: string };

export interface LoadedRecord<T> {
  /** null when neither the file nor a backup exists (a first start). */
  value: T | null;
  /** Set when the file was damaged or missing and its last good copy was put back. */
  restored?: { why: string; damagedCopy?: string };
}

export interface RecordFileOptions<T> {
  /** What the file holds, in the user's words ("your request history"), for the stop message. */
  what: string;
  parse: (text: string) => Parsed<T>;
  serialize: (value: T) => string;
  mode?: number;
}

/**
 * One JSON file the app owns, written atomically with its last good copy kept
 * (`<file>.bak`). Loading never resets it silently: a damaged or truncated
 * file is restored from that copy (the damaged one is kept beside it as
 * `<file>.damaged-<time>`), and with no good copy the load throws
 * DamagedRecordError. Saves run one at a time.
 */
export class RecordFile<T> {
  private readonly queue = new SerialQueue();

  constructor(
    readonly file: string,
    private readonly opts: RecordFileOptions<T>,
  ) {}

  async load(now: () => number = Date.now): Promise<LoadedRecord<T>> {
    await removeStaleTemps(this.file);
    const main = await readText(this.file);
    if (main !== null) {
      const parsed = this.parse(main);
      if (parsed.ok) return { value: parsed.value };
      return this.restore(parsed.why, now);
    }
    // Missing: a first start, or a crash between the two renames of a save (the backup holds the last save).
    const bak = await readText(backupOf(this.file));
    if (bak === null) return { value: null };
    return this.restore('missing', now);
  }

  save(value: T): Promise<void> {
    const text = this.opts.serialize(value);
    return this.queue.run(() =>
      writeFileAtomic(this.file, text, this.opts.mode ?? 0o600, { keepLast: true }),
    );
  }

  private parse(text: string): Parsed<T> {
    if (text.length === 0) return { ok: false, why: 'empty' };
    return this.opts.parse(text);
  }

  private async restore(why: string, now: () => number): Promise<LoadedRecord<T>> {
    const bakFile = backupOf(this.file);
    const bak = await readText(bakFile);
    const parsed = bak === null ? null : this.parse(bak);
    if (!parsed?.ok) throw new DamagedRecordError(this.file, why, this.opts.what);
    let damagedCopy: string | undefined;
    if (why !== 'missing') {
      damagedCopy = `${this.file}.damaged-${now()}`;
      await rename(this.file, damagedCopy);
    }
    // A copy, not a rename: the backup stays a good copy until the next save replaces it.
    await copyFile(bakFile, this.file);
    return { value: parsed.value, restored: { why, ...(damagedCopy ? { damagedCopy } : {}) } };
  }
}

/** JSON text, or why it is not JSON. */
export function parseJson(text: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, why: e instanceof SyntaxError ? 'not valid JSON, likely cut short' : 'unreadable' };
  }
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
