import { SecretsFile, type SecretName } from './secrets-file';

export type { SecretName } from './secrets-file';

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
  private readonly entries: SecretsFile<string>;

  constructor(file: string) {
    this.entries = new SecretsFile(file, (v) => (typeof v === 'string' ? v : undefined));
  }

  async get(name: SecretName): Promise<string | null> {
    return (await this.entries.read())[name] ?? null;
  }

  set(name: SecretName, value: string | null): Promise<void> {
    return this.entries.write(name, value ?? undefined);
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
