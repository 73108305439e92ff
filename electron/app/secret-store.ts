import type { SecretStore } from '../bridge/secret-store';
import { SecretsFile, type SecretName } from '../bridge/secrets-file';

/** Electron's safeStorage, as far as this store needs it (the real module is passed in by main). */
export interface StringCipher {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

type Entry = { enc: 'os'; data: string } | { enc: 'none'; data: string };

function parseEntry(value: unknown): Entry | undefined {
  const v = value as { enc?: unknown; data?: unknown } | undefined;
  if (v && (v.enc === 'os' || v.enc === 'none') && typeof v.data === 'string')
    return { enc: v.enc, data: v.data };
  return undefined;
}

/**
 * API keys encrypted with the OS keychain (safeStorage: Keychain, DPAPI, libsecret/kwallet),
 * base64 in one JSON file readable by the user only. Where the OS offers no keychain (a Linux
 * session without a secret service), the key is kept as serve mode keeps it — plain, mode 0600 —
 * rather than lost at every restart; `encrypted()` says which, for the log.
 */
export class SafeStorageSecretStore implements SecretStore {
  private readonly entries: SecretsFile<Entry>;

  constructor(
    file: string,
    private readonly cipher: StringCipher,
  ) {
    this.entries = new SecretsFile(file, parseEntry);
  }

  /** Whether new secrets are encrypted by the OS. */
  encrypted(): boolean {
    return this.cipher.isEncryptionAvailable();
  }

  async get(name: SecretName): Promise<string | null> {
    const entry = (await this.entries.read())[name];
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

  // async, so a cipher failure comes back as a rejected promise like a write failure.
  async set(name: SecretName, value: string | null): Promise<void> {
    if (value === null) return this.entries.write(name, undefined);
    const entry: Entry = this.cipher.isEncryptionAvailable()
      ? { enc: 'os', data: this.cipher.encryptString(value).toString('base64') }
      : { enc: 'none', data: value };
    return this.entries.write(name, entry);
  }
}
