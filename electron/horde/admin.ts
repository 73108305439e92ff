import { randomUUID } from 'node:crypto';
import { fromKudos } from '../../shared/ledger/money';
import type { HordeContext } from './context';
import { adminAdjustment } from './store/kudos';
import { verifyLedger, type VerifyReport } from './store/ledger';
import { userLedger, userRequestsSince, type UserLedgerLine, type UserRequestRow } from './store/user-ledger';
import { createUser, ensureOwner, renameOwner, userByUsername, type NewUser } from './store/users';
import { clearFlag, listFlags, type FlagView } from './store/flags';
import { trustUser } from './store/evaluation';

export interface AddUserOptions {
  /** Trusted from the start: nothing held in evaluation (default: untrusted, as on the AI Horde). */
  trusted?: boolean;
}

/** What the app (or the CLI) does to a horde's users and ledger directly, without HTTP. */
export interface HordeAdmin {
  /** A new user with the starting kudos (`limits.startingKudos`); the key is shown only here. Username `NAME#id`. */
  addUser(name: string, o?: AddUserOptions): NewUser;
  /** An admin award (negative: a correction), one balanced ledger event against `system:admin`. */
  award(username: string, kudos: number, reason: string): void;
  /** Rebuilds balances and holds from the events; `ok` false when any differ or kudos are not conserved. */
  verify(): VerifyReport;
  /**
   * The app's owner account, created on the first call (trusted, with the
   * starting kudos); later calls return the same account, with `knownKey`
   * when it is still the owner's key, else with a fresh key.
   */
  ensureOwner(name: string, knownKey?: string): NewUser;
  /** The owner's new alias (1..30 characters, no '#'); id, key and kudos stay. Undefined before `ensureOwner`. */
  renameOwner(name: string): { id: number; username: string } | undefined;
  /** The kudos changes on one user's account after ledger position `afterSeq`, oldest first. */
  ledgerOf(userId: number, afterSeq: number, limit?: number): UserLedgerLine[];
  /** The user's requests created since `since` (ms), oldest first. */
  requestsOf(userId: number, since: number): UserRequestRow[];
  /** Trusts a user now: what they hold in evaluation becomes spendable. */
  trust(username: string): void;
  /** Open flags (every flag with `all`), with their reasons. */
  flags(o?: { all?: boolean }): FlagView[];
  /** Clears one open flag by id; the user is unflagged when none is left. Undefined when no such open flag. */
  clearFlag(id: number): FlagView | undefined;
}

export function createAdmin(ctx: HordeContext): HordeAdmin {
  const startingKudos = fromKudos(ctx.limits.startingKudos);
  const user = (username: string) => {
    const u = userByUsername(ctx.db, username);
    if (!u) throw new Error(`no user ${username} (write it as NAME#ID)`);
    return u;
  };
  return {
    addUser: (name, o = {}) =>
      createUser(ctx.db, name, ctx.clock(), { startingKudos, ...(o.trusted ? { trusted: true } : {}) }),
    award: (username, kudos, reason) => {
      const u = user(username);
      const amount = fromKudos(kudos);
      if (amount === 0) throw new RangeError('an award needs a non-zero amount');
      adminAdjustment(ctx.db, {
        key: `award:${randomUUID()}`,
        userId: u.id,
        amount,
        at: ctx.clock(),
        memo: reason,
      });
    },
    verify: () => verifyLedger(ctx.db),
    ensureOwner: (name, knownKey) => ensureOwner(ctx.db, name, ctx.clock(), knownKey, startingKudos),
    renameOwner: (name) => renameOwner(ctx.db, name),
    ledgerOf: (userId, afterSeq, limit) => userLedger(ctx.db, userId, afterSeq, limit),
    requestsOf: (userId, since) => userRequestsSince(ctx.db, userId, since),
    trust: (username) => trustUser(ctx.db, user(username).id, ctx.clock(), ctx.ledgerRules),
    flags: (o = {}) => listFlags(ctx.db, o),
    clearFlag: (id) => clearFlag(ctx.db, id, ctx.clock()),
  };
}
