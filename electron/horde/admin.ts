import { randomUUID } from 'node:crypto';
import { fromKudos, toKudos } from '../../shared/ledger/money';
import type { HordeContext, HordeLimits } from './context';
import { adminAdjustment, transferKudos } from './store/kudos';
import { verifyLedger, type VerifyReport } from './store/ledger';
import { userLedger, userRequestsSince, type UserLedgerLine, type UserRequestRow } from './store/user-ledger';
import { createUser, ensureOwner, renameOwner, userByUsername, type NewUser } from './store/users';
import { clearFlag, confirmFlag, listFlags, type FlagView } from './store/flags';
import { trustUser } from './store/evaluation';
import {
  createInvite,
  listInvites,
  listMembers,
  readClubSettings,
  revokeInvite,
  saveClubSettings,
  takeInvite,
} from './store/club';
import type { ClubSettings, InviteState, InviteView, MemberView, NewInvite } from '../../shared/club/types';
import { HordeError } from '../../shared/api/horde-error';

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
  /**
   * The request a job (a processing generation) belongs to, text or image: the app joins its own
   * worker's live progress to the request it is for. Undefined for an unknown job id.
   */
  requestOfJob(jobId: string): { kind: 'text' | 'image'; requestId: string } | undefined;
  /** Trusts a user now: what they hold in evaluation becomes spendable. */
  trust(username: string): void;
  /** Open flags (every flag with `all`), with their reasons. */
  flags(o?: { all?: boolean }): FlagView[];
  /** Clears one open flag by id; the user is unflagged when none is left. Undefined when no such open flag. */
  clearFlag(id: number, reason?: string): FlagView | undefined;
  /** Keeps one open flag, with the owner's reason: the user stays flagged. Undefined when no such open flag. */
  confirmFlag(id: number, reason: string): FlagView | undefined;
  /** Every registered user with kudos, workers and when last seen, the owner first. */
  members(): MemberView[];
  /** Moves kudos from one member to another with a reason: one balanced transfer event. */
  move(from: string, to: string, kudos: number, reason: string): void;
  /** A one-time invite valid for `hours` (default 24, at most a week); the token is shown only here. */
  invite(o?: { hours?: number; note?: string }): NewInvite;
  invites(): InviteView[];
  /** False when there is no open invite with this id. */
  revokeInvite(id: number): boolean;
  /**
   * A new member from an invite token (or, where the owner lets anyone on the
   * LAN join, without one): the invite is used in the same transaction as the
   * account is made. Refused with the AI Horde's 400/403 shape otherwise.
   */
  join(o: { token?: string; name: string }): NewUser;
  clubSettings(): ClubSettings;
  /** Saves the owner's choices and applies them at once (new members, new earnings and transfers). */
  setClubSettings(patch: Partial<ClubSettings>): ClubSettings;
}

/** The club settings the limits give, before the owner saved any. */
export function clubDefaults(limits: HordeLimits): ClubSettings {
  // The limits are float kudos (flags, defaults); the settings are milli-kudos, as the bridge carries them.
  return {
    startingKudos: fromKudos(limits.startingKudos),
    kudosCap: limits.userKudosCap !== undefined ? fromKudos(limits.userKudosCap) : null,
    join: 'invite',
  };
}

/** The limits with the club settings in them. */
export function withClubSettings(limits: HordeLimits, s: ClubSettings): HordeLimits {
  const out: HordeLimits = { ...limits, startingKudos: toKudos(s.startingKudos) };
  if (s.kudosCap === null) delete out.userKudosCap;
  else out.userKudosCap = toKudos(s.kudosCap);
  return out;
}

/**
 * Puts club settings into the running horde: the limits every new user reads
 * and the ledger rules (one object shared by the text, image and alchemy
 * paths, so changing it here changes them all).
 */
function applyClubSettings(ctx: HordeContext, s: ClubSettings): void {
  const next = withClubSettings(ctx.limits, s);
  ctx.limits.startingKudos = next.startingKudos;
  if (next.userKudosCap === undefined) {
    delete ctx.limits.userKudosCap;
    delete ctx.ledgerRules.userCapMilli;
  } else {
    ctx.limits.userKudosCap = next.userKudosCap;
    ctx.ledgerRules.userCapMilli = fromKudos(next.userKudosCap);
  }
}

const REFUSED: Record<Exclude<InviteState, 'open'> | 'unknown', string> = {
  unknown: 'This invite is not one this horde gave out. Check the code, or ask the owner for a new one.',
  used: 'This invite was used already: each invite registers one member. Ask the owner for a new one.',
  expired: 'This invite has expired. Ask the owner for a new one.',
  revoked: 'The owner withdrew this invite. Ask them for a new one.',
};

export function createAdmin(ctx: HordeContext): HordeAdmin {
  // Read at each call: the owner may change it while the horde runs (setClubSettings).
  const startingKudos = () => fromKudos(ctx.limits.startingKudos);
  // What the horde runs with now: the limits (saved settings, or a CLI flag over them) and the saved join policy.
  const effective = (): ClubSettings => ({
    ...clubDefaults(ctx.limits),
    join: readClubSettings(ctx.db, clubDefaults(ctx.limits)).join,
  });
  const user = (username: string) => {
    const u = userByUsername(ctx.db, username);
    if (!u) throw new Error(`no user ${username} (write it as NAME#ID)`);
    return u;
  };
  return {
    addUser: (name, o = {}) =>
      createUser(ctx.db, name, ctx.clock(), {
        startingKudos: startingKudos(),
        ...(o.trusted ? { trusted: true } : {}),
      }),
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
    ensureOwner: (name, knownKey) => ensureOwner(ctx.db, name, ctx.clock(), knownKey, startingKudos()),
    renameOwner: (name) => renameOwner(ctx.db, name),
    requestOfJob: (jobId) => {
      const text = ctx.db.get<{ request_id: string }>('SELECT request_id FROM text_jobs WHERE id = ?', jobId);
      if (text) return { kind: 'text', requestId: text.request_id };
      const image = ctx.db.get<{ request_id: string }>(
        'SELECT request_id FROM image_jobs WHERE id = ?',
        jobId,
      );
      return image ? { kind: 'image', requestId: image.request_id } : undefined;
    },
    ledgerOf: (userId, afterSeq, limit) => userLedger(ctx.db, userId, afterSeq, limit),
    requestsOf: (userId, since) => userRequestsSince(ctx.db, userId, since),
    trust: (username) => trustUser(ctx.db, user(username).id, ctx.clock(), ctx.ledgerRules),
    flags: (o = {}) => listFlags(ctx.db, o),
    clearFlag: (id, reason) => clearFlag(ctx.db, id, ctx.clock(), reason),
    confirmFlag: (id, reason) => confirmFlag(ctx.db, id, ctx.clock(), reason),
    members: () => listMembers(ctx.db, ctx.clock(), ctx.limits.workerStaleS),
    move: (from, to, kudos, reason) => {
      const a = user(from);
      const b = user(to);
      if (a.id === b.id) throw new RangeError('moving kudos needs two different members');
      const amount = fromKudos(kudos);
      if (!(amount > 0)) throw new RangeError('a move needs a positive amount');
      transferKudos(
        ctx.db,
        { key: `move:${randomUUID()}`, fromId: a.id, toId: b.id, amount, at: ctx.clock(), memo: reason },
        ctx.ledgerRules,
      );
    },
    invite: (o = {}) => createInvite(ctx.db, ctx.clock(), o),
    invites: () => listInvites(ctx.db, ctx.clock()),
    revokeInvite: (id) => revokeInvite(ctx.db, id, ctx.clock()),
    join: ({ token, name }) => {
      const policy = effective().join;
      if (policy === 'closed') {
        throw new HordeError('JoinClosed', 'This horde takes no new members now. Ask its owner.');
      }
      if (token === undefined && policy !== 'open') {
        throw new HordeError('InviteRequired', 'Joining this horde needs an invite from its owner.');
      }
      return ctx.db.tx(() => {
        let created: NewUser | undefined;
        const make = (): number => {
          created = createUser(ctx.db, name, ctx.clock(), { startingKudos: startingKudos() });
          return created.id;
        };
        if (token === undefined) {
          make();
          return created as NewUser;
        }
        const state = takeInvite(ctx.db, token, ctx.clock(), make);
        // Throwing rolls the transaction back: a refused invite leaves no account behind.
        if (state !== 'open') throw new HordeError('InviteInvalid', REFUSED[state]);
        return created as NewUser;
      });
    },
    clubSettings: () => effective(),
    setClubSettings: (patch) => {
      const next = { ...effective(), ...patch };
      saveClubSettings(ctx.db, next);
      applyClubSettings(ctx, next);
      return next;
    },
  };
}
