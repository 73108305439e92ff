import { ANONYMOUS_API_KEY } from '../../shared/api/common';
import type { HordeMode } from '../../shared/bridge/contract';
import { maskApiKey, type SecretStore } from './secret-store';

/**
 * The API key in use, held in memory so every horde call can read it
 * synchronously: the key the user set, else (embedded horde only) the owner
 * account's key the app created on first start, else the anonymous key.
 */
export class Credentials {
  private userKey: string | null = null;
  private ownerKey: string | null = null;

  private mode: HordeMode = 'embedded';

  constructor(private readonly secrets: SecretStore) {}

  /** The owner key is the embedded horde's; another horde would not know it. */
  useHorde(mode: HordeMode): void {
    this.mode = mode;
  }

  async load(): Promise<void> {
    this.userKey = await this.secrets.get('apiKey');
    this.ownerKey = await this.secrets.get('ownerApiKey');
  }

  current(): string {
    if (this.userKey) return this.userKey;
    if (this.mode === 'embedded' && this.ownerKey) return this.ownerKey;
    return ANONYMOUS_API_KEY;
  }

  get masked(): string | null {
    return maskApiKey(this.userKey);
  }

  async setUserKey(key: string | null): Promise<void> {
    await this.secrets.set('apiKey', key);
    this.userKey = key;
  }

  /** The embedded horde's owner key kept from an earlier start, for `ensureOwner`. */
  get storedOwnerKey(): string | undefined {
    return this.ownerKey ?? undefined;
  }

  async setOwnerKey(key: string): Promise<void> {
    await this.secrets.set('ownerApiKey', key);
    this.ownerKey = key;
  }
}
