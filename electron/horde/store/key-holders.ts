import type { HordeDb } from './db';
import { hashApiKey } from './keys';
import type { KeyHolder } from './users';

/** Keys remembered at most; past this the longest-remembered is forgotten first. */
const MAX_KEYS = 1024;

/**
 * Users by API key, remembered between requests. Every request names its user by key, and
 * reading the user each time (a SHA-256 of the key, then the row through the key's index) was
 * about 5 % of the horde's time flat out (README, Performance). A remembered user is good while
 * `user_identity.version` (migration 23) is what it was when it was read: triggers give that a
 * new random value whenever a user's key, alias, trust, flag or moderator bit changes or a user is
 * deleted, by this connection or any other (the CLI), and a rolled-back change rolls it back too.
 * One indexed read of that value per request replaces the key's hash and the user's row.
 *
 * Only the identity is remembered, not the running counters, which change on every job: a route
 * that shows them (find_user) reads the user's row itself.
 */
export class KeyHolders {
  private version: number | undefined;
  private readonly byKey = new Map<string, KeyHolder>();

  constructor(
    private readonly db: HordeDb,
    private readonly maxKeys = MAX_KEYS,
  ) {}

  /** Keys remembered now. */
  get size(): number {
    return this.byKey.size;
  }

  /** The user `apikey` belongs to, as the database says now; undefined for a key nobody holds (not remembered). */
  get(apikey: string): KeyHolder | undefined {
    const version = this.db.get<{ version: number }>(
      'SELECT version FROM user_identity WHERE id = 1',
    )?.version;
    if (version === undefined || version !== this.version) {
      this.byKey.clear();
      this.version = version;
    }
    const known = this.byKey.get(apikey);
    if (known) return known;
    const user = this.db.get<KeyHolder>(
      'SELECT id, alias, created_at, trusted, flagged, moderator FROM users WHERE apikey_hash = ?',
      hashApiKey(apikey),
    );
    if (!user || version === undefined) return user;
    if (this.byKey.size >= this.maxKeys) this.byKey.delete(this.byKey.keys().next().value as string);
    const frozen = Object.freeze({ ...user });
    this.byKey.set(apikey, frozen);
    return frozen;
  }
}
