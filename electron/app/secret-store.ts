import { chmod, readFile } from 'node:fs/promises';
import { SerialQueue, writeFileAtomic } from '../bridge/atomic-file';
import type { SecretName, SecretStore } from '../bridge/secret-store';

/** Electron's safeStorage, as far as this store needs it (the real module is passed in by main). */
export interface StringCipher {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

type Entry = { enc: 'os'; data: string } | { enc: 'none'; data: string };

/**
 * API keys encrypted with the OS keychain (safeStorage: Keychain, DPAPI, libsecret/kwallet),
 * base64 in one JSON file readable by the user only. Where the OS offers no keychain (a Linux
 * session without a secret service), the key is kept as serve mode keeps it — plain, mode 0600 —
 * rather than lost at every restart; `encrypted()` says which, for the log.
 */
export class SafeStorageSecretStore implements SecretStore {
  private readonly queue = new SerialQueue();

  constructor(
    private readonly file: string,
    private readonly cipher: StringCipher,
  ) {}

  /** Whether new secrets are encrypted by the OS. */
  encrypted(): boolean {
    return this.cipher.isEncryptionAvailable();
  }

  async get(name: SecretName): Promise<string | null> {
    const entry = (await this.readAll())[name];
    if (entry === undefined) return null;
    if (entry.enc === 'none') return entry.data;
    if (!this.cipher.isEncryptionAvailable()) return null;
    try {
      return this.cipher.decryptString(Buffer.from(entry.data, 'base64'));
    } catch {
      // A keychain reset or a copied profile: the key is unreadable, so it is as if none was set.
      return null;
    }
  }

  set(name: SecretName, value: string | null): Promise<void> {
    return this.queue.run(async () => {
      const all = await this.readAll();
      if (value === null) delete all[name];
      else if (this.cipher.isEncryptionAvailable()) {
        all[name] = { enc: 'os', data: this.cipher.encryptString(value).toString('base64') };
      } else all[name] = { enc: 'none', data: value };
      await writeFileAtomic(this.file, JSON.stringify(all), 0o600);
      await chmod(this.file, 0o600);
    });
  }

  private async readAll(): Promise<Partial<Record<SecretName, Entry>>> {
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
    const out: Partial<Record<SecretName, Entry>> = {};
    if (typeof parsed !== 'object' || parsed === null) return out;
    for (const name of ['apiKey', 'ownerApiKey'] as const) {
      const v = (parsed as Record<string, unknown>)[name] as { enc?: unknown; data?: unknown } | undefined;
      if (v && (v.enc === 'os' || v.enc === 'none') && typeof v.data === 'string')
        out[name] = { enc: v.enc, data: v.data };
    }
    return out;
  }
}
