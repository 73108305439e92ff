import { chmod, readFile } from 'node:fs/promises';
import { SerialQueue, writeFileAtomic } from './atomic-file';

/** Names of the secrets the bridge keeps. */
export type SecretName = 'apiKey' | 'ownerApiKey';

/**
 * Where API keys live. Electron's shell implements it with safeStorage (OS
 * keychain); serve mode uses FileSecretStore. Keys never go to the window.
 */
export interface SecretStore {
  get(name: SecretName): Promise<string | null>;
  /** null deletes. */
  set(name: SecretName, value: string | null): Promise<void>;
}

/**
 * Secrets in one JSON file readable by the user only (0600). Not encrypted:
 * it guards against other users of the machine, as ~/.ssh does, not against
 * the user's own processes — the OS keychain in the Electron app does better.
 */
export class FileSecretStore implements SecretStore {
  private readonly queue = new SerialQueue();

  constructor(private readonly file: string) {}

  async get(name: SecretName): Promise<string | null> {
    const all = await this.readAll();
    return all[name] ?? null;
  }

  set(name: SecretName, value: string | null): Promise<void> {
    return this.queue.run(async () => {
      const all = await this.readAll();
      if (value === null) delete all[name];
      else all[name] = value;
      await writeFileAtomic(this.file, JSON.stringify(all), 0o600);
      // rename keeps the temp file's mode, but a pre-existing looser file mode is tightened here too.
      await chmod(this.file, 0o600);
    });
  }

  private async readAll(): Promise<Partial<Record<SecretName, string>>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw e;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null) return {};
      const out: Partial<Record<SecretName, string>> = {};
      for (const name of ['apiKey', 'ownerApiKey'] as const) {
        const v = (parsed as Record<string, unknown>)[name];
        if (typeof v === 'string') out[name] = v;
      }
      return out;
    } catch {
      return {};
    }
  }
}

/** For tests and for the Electron shell before safeStorage is ready. */
export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<SecretName, string>();
  async get(name: SecretName): Promise<string | null> {
    return this.values.get(name) ?? null;
  }
  async set(name: SecretName, value: string | null): Promise<void> {
    if (value === null) this.values.delete(name);
    else this.values.set(name, value);
  }
}

/** "••••••3f9a": enough for the user to recognise their key, not enough to use it. */
export function maskApiKey(key: string | null): string | null {
  if (key === null || key.length === 0) return null;
  const tail = key.length > 8 ? key.slice(-4) : '';
  return `••••••${tail}`;
}
