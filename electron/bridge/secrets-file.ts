import { chmod, copyFile } from 'node:fs/promises';
import { backupOf, SerialQueue } from './atomic-file';
import { parseJson, RecordFile, type LoadedRecord } from './record-file';

/**
 * Names of the secrets the bridge keeps: the embedded horde's owner key, and
 * the user's API key per horde URL (`apiKey@https://aihorde.net/api`). A bare
 * `apiKey` is the single key of earlier versions, moved to its horde on load.
 */
export type SecretName = 'ownerApiKey' | 'apiKey' | `apiKey@${string}`;

export function isSecretName(name: string): name is SecretName {
  return name === 'ownerApiKey' || name === 'apiKey' || /^apiKey@\S+$/.test(name);
}

/** The name a horde's API key is kept under. */
export function apiKeyName(hordeUrl: string): SecretName {
  return `apiKey@${hordeUrl.replace(/\/+$/, '')}`;
}

type Entries<T> = Partial<Record<SecretName, T>>;

/**
 * One JSON file of named secrets, readable by the user only (0600), written atomically
 * and one change at a time. How an entry is stored (plain, or encrypted by the OS) is
 * the store's business: `parseEntry` keeps what it recognises and drops the rest.
 * A damaged file is restored from its last good copy, or reading stops with
 * DamagedRecordError naming it: a lost key is never replaced silently.
 * The backup always equals the file after a save, so a key the user cleared is
 * gone from both.
 */
export class SecretsFile<T> {
  private readonly record: RecordFile<Entries<T>>;
  private cache: Promise<Entries<T>> | null = null;
  private readonly queue = new SerialQueue();
  /** Set once read when the file was damaged and its last good copy was put back. */
  restored: LoadedRecord<unknown>['restored'];

  constructor(
    readonly file: string,
    private readonly parseEntry: (value: unknown) => T | undefined,
  ) {
    this.record = new RecordFile<Entries<T>>(file, {
      what: 'your API keys',
      parse: (text) => {
        const json = parseJson(text);
        if (!json.ok) return json;
        if (typeof json.value !== 'object' || json.value === null || Array.isArray(json.value))
          return { ok: false, why: 'not a set of keys' };
        const out: Entries<T> = {};
        for (const [name, raw] of Object.entries(json.value as Record<string, unknown>)) {
          if (!isSecretName(name)) continue;
          const entry = this.parseEntry(raw);
          if (entry !== undefined) out[name] = entry;
        }
        return { ok: true, value: out };
      },
      serialize: (all) => JSON.stringify(all),
      mode: 0o600,
    });
  }

  read(): Promise<Entries<T>> {
    this.cache ??= this.record.load().then(
      (loaded) => {
        this.restored = loaded.restored;
        return loaded.value ?? {};
      },
      (e: unknown) => {
        this.cache = null;
        throw e;
      },
    );
    return this.cache.then((all) => ({ ...all }));
  }

  /** Sets (or with undefined, deletes) one entry. */
  write(name: SecretName, entry: T | undefined): Promise<void> {
    return this.queue.run(() => this.writeNow(name, entry));
  }

  private async writeNow(name: SecretName, entry: T | undefined): Promise<void> {
    const all = await this.read();
    if (entry === undefined) delete all[name];
    else all[name] = entry;
    await this.record.save(all);
    // rename keeps the temp file's mode, but a pre-existing looser file mode is tightened here too.
    await chmod(this.file, 0o600);
    await copyFile(this.file, backupOf(this.file));
    await chmod(backupOf(this.file), 0o600);
    this.cache = Promise.resolve(all);
  }
}
