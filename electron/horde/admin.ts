import { randomUUID } from 'node:crypto';
import { fromKudos } from '../../shared/ledger/money';
import type { HordeContext } from './context';
import { adminAdjustment } from './store/kudos';
import { verifyLedger, type VerifyReport } from './store/ledger';
import { userLedger, userRequestsSince, type UserLedgerLine, type UserRequestRow } from './store/user-ledger';
import { createUser, ensureOwner, userByUsername, type NewUser } from './store/users';

/** What the app (or the CLI) does to a horde's users and ledger directly, without HTTP. */
export interface HordeAdmin {
  /** A new user; the key is shown only here. Username `NAME#id`. */
  addUser(name: string): NewUser;
  /** An admin award (negative: a correction), one balanced ledger event against `system:admin`. */
  award(username: string, kudos: number, reason: string): void;
  /** Rebuilds balances and holds from the events; `ok` false when any differ or kudos are not conserved. */
  verify(): VerifyReport;
  /**
   * The app's owner account, created on the first call; later calls return the same
   * account, with `knownKey` when it is still the owner's key, else with a fresh key.
   */
  ensureOwner(name: string, knownKey?: string): NewUser;
  /** The kudos changes on one user's account after ledger position `afterSeq`, oldest first. */
  ledgerOf(userId: number, afterSeq: number, limit?: number): UserLedgerLine[];
  /** The user's requests created since `since` (ms), oldest first. */
  requestsOf(userId: number, since: number): UserRequestRow[];
}

export function createAdmin(ctx: HordeContext): HordeAdmin {
  return {
    addUser: (name) => ctx.db.tx(() => createUser(ctx.db, name, ctx.clock())),
    award: (username, kudos, reason) => {
      const user = userByUsername(ctx.db, username);
      if (!user) throw new Error(`no user ${username} (write it as NAME#ID)`);
      const amount = fromKudos(kudos);
      if (amount === 0) throw new RangeError('an award needs a non-zero amount');
      adminAdjustment(ctx.db, {
        key: `award:${randomUUID()}`,
        userId: user.id,
        amount,
        at: ctx.clock(),
        memo: reason,
      });
    },
    verify: () => verifyLedger(ctx.db),
    ensureOwner: (name, knownKey) => ensureOwner(ctx.db, name, ctx.clock(), knownKey),
    ledgerOf: (userId, afterSeq, limit) => userLedger(ctx.db, userId, afterSeq, limit),
    requestsOf: (userId, since) => userRequestsSince(ctx.db, userId, since),
  };
}
