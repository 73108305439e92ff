import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DiskFullError, isDiskFull } from './disk-full';

/**
 * An append-only JSON Lines file (the journal, the intents log): each append
 * writes whole lines and flushes them to disk before it resolves. A crash or a
 * full disk can leave at most a torn last line, which the readers skip; the
 * next append starts on a fresh line, so a torn tail never swallows it. The
 * whole-file counterpart is `writeFileAtomic` (atomic-file.ts).
 */
export class JsonLinesFile {
  private torn = false;

  constructor(readonly file: string) {}

  /**
   * The file's non-empty lines, unparsed (none when it does not exist yet). A
   * last line without its newline is torn: the next append starts a fresh line.
   */
  async read(): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    this.torn = text.length > 0 && !text.endsWith('\n');
    return text.split('\n').filter((line) => line.trim() !== '');
  }

  /** Appends one line per value; a full disk throws DiskFullError naming the file. */
  async append(values: readonly unknown[]): Promise<void> {
    if (values.length === 0) return;
    const lines = values.map((v) => JSON.stringify(v)).join('\n');
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      const handle = await open(this.file, 'a', 0o600);
      try {
        await handle.appendFile(`${this.torn ? '\n' : ''}${lines}\n`, 'utf8');
        this.torn = false;
        await handle.datasync();
      } catch (e) {
        // What did get written may end mid-line: the next append starts on a fresh line.
        this.torn = true;
        throw e;
      } finally {
        await handle.close();
      }
    } catch (e) {
      if (isDiskFull(e)) throw new DiskFullError(this.file, e);
      throw e;
    }
  }
}
