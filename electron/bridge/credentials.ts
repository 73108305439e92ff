import { ANONYMOUS_API_KEY } from '../../shared/api/common';
import type { HordeMode } from '../../shared/bridge/contract';
import { maskApiKey, type SecretStore } from './secret-store';
import { apiKeyName, type SecretName } from './secrets-file';

/** Where the user's key for a horde is kept: per URL, and one slot for the embedded horde (its port changes). */
export function keySlot(mode: HordeMode, url: string): SecretName {
  return mode === 'embedded' ? 'apiKey@embedded' : apiKeyName(url);
}

/**
 * The API key in use, held in memory so every horde call can read it
 * synchronously: the key the user set for this horde, else (embedded horde
 * only) the owner account's key the app created on first start, else the
 * anonymous key. Keys are kept per horde, so a key for one horde is never
 * sent to another.
 */
export class Credentials {
  private userKey: string | null = null;
  private ownerKey: string | null = null;
  private legacyKey: string | null = null;
  private mode: HordeMode = 'embedded';
  private slot: SecretName = 'apiKey@embedded';
  private readonly keyListeners = new Set<() => void>();

  constructor(private readonly secrets: SecretStore) {}

  async load(): Promise<void> {
    this.ownerKey = await this.secrets.get('ownerApiKey');
    this.legacyKey = await this.secrets.get('apiKey');
  }

  /**
   * Switch to the key kept for this horde. The one key of earlier versions
   * (not tied to a horde) is moved to the first horde other than the embedded
   * one that is used: that is the horde it was set for.
   */
  async useHorde(mode: HordeMode, url: string): Promise<void> {
    const slot = keySlot(mode, url);
    let key = await this.secrets.get(slot);
    if (key === null && this.legacyKey !== null && mode !== 'embedded') {
      await this.secrets.set(slot, this.legacyKey);
      await this.secrets.set('apiKey', null);
      key = this.legacyKey;
      this.legacyKey = null;
    }
    this.mode = mode;
    this.slot = slot;
    this.userKey = key;
  }

  current(): string {
    if (this.userKey) return this.userKey;
    if (this.mode === 'embedded' && this.ownerKey) return this.ownerKey;
    return ANONYMOUS_API_KEY;
  }

  get masked(): string | null {
    return maskApiKey(this.userKey);
  }

  /** Sets (null: clears) the key for the horde in use. */
  async setUserKey(key: string | null): Promise<void> {
    await this.secrets.set(this.slot, key);
    const changed = this.userKey !== key;
    this.userKey = key;
    if (changed) for (const l of this.keyListeners) l();
  }

  /** Called after the key in use changed (the worker reconnects with it); returns the unsubscribe. */
  onUserKeyChange(listener: () => void): () => void {
    this.keyListeners.add(listener);
    return () => this.keyListeners.delete(listener);
  }

  /**
   * Keeps a key for another horde (a club this user joined), in that horde's
   * own slot: it is sent only there, never to the horde in use now.
   */
  async setKeyFor(url: string, key: string): Promise<void> {
    await this.secrets.set(keySlot('custom', url), key);
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
