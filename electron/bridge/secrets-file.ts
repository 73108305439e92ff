import { chmod, readFile } from 'node:fs/promises';
import { SerialQueue, writeFileAtomic } from './atomic-file';

/** Names of the secrets the bridge keeps. */
export type SecretName = 'apiKey' | 'ownerApiKey';

const SECRET_NAMES: readonly SecretName[] = ['apiKey', 'ownerApiKey'];

type Entries<T> = Partial<Record<SecretName, T>>;

/**
 * One JSON file of named secrets, readable by the user only (0600), written atomically
 * and one change at a time. How an entry is stored (plain, or encrypted by the OS) is
 * the store's business: `parseEntry` keeps what it recognises and drops the rest, and an
 * unreadable file reads as empty rather than stopping the app.
 */
export class SecretsFile<T> {
  private readonly queue = new SerialQueue();

  constructor(
    private readonly file: string,
    private readonly parseEntry: (value: unknown) => T | undefined,
  ) {}

  async read(): Promise<Entries<T>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw e;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return {};
    }
    const out: Entries<T> = {};
    if (typeof parsed !== 'object' || parsed === null) return out;
    for (const name of SECRET_NAMES) {
      const entry = this.parseEntry((parsed as Record<string, unknown>)[name]);
      if (entry !== undefined) out[name] = entry;
    }
    return out;
  }

  /** Sets (or with undefined, deletes) one entry. */
  write(name: SecretName, entry: T | undefined): Promise<void> {
    return this.queue.run(async () => {
      const all = await this.read();
      if (entry === undefined) delete all[name];
      else all[name] = entry;
      await writeFileAtomic(this.file, JSON.stringify(all), 0o600);
      // rename keeps the temp file's mode, but a pre-existing looser file mode is tightened here too.
      await chmod(this.file, 0o600);
    });
  }
}
