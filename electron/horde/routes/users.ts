import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { HORDE_ROUTES as R } from '../../../shared/api/routes';
import { serve } from '../route-table';
import type { UserDetails } from '../../../shared/api/users';
import { userAccount } from '../../../shared/ledger/events';
import { asMilli, fromKudos, toKudos } from '../../../shared/ledger/money';
import { HordeError } from '../../../shared/api/horde-error';
import { invalidApiKey } from '../errors';
import { apiKeyOf, userForKey, userOf, type HordeContext } from '../context';
import { LedgerRefused, balanceOf, eventByKey, kudosDetailsOf } from '../store/ledger';
import { transferKudos } from '../store/kudos';
import { isAnonymous, userById, userByUsername, usernameOf, type UserRow } from '../store/users';
import type { HordeDb } from '../store/db';
import { evaluatingOf } from '../store/evaluation';
import { noteAddress, noteNewAccountTransfer } from '../store/flags';
import type { LedgerEvent } from '../../../shared/ledger/events';

/**
 * When the account was created. The anonymous user is made with the database and
 * stored with time 0; its age is the horde's, as on the AI Horde (where it is the
 * oldest account), not the time since 1970.
 */
function createdAt(db: HordeDb, user: UserRow): number {
  if (!isAnonymous(user) || user.created_at > 0) return user.created_at;
  const first = db.get<{ at: number }>('SELECT MIN(applied_at) AS at FROM schema_migrations');
  return first?.at ?? 0;
}

export function userDetails(db: HordeDb, user: UserRow, now: number, capMilli?: number): UserDetails {
  const d = kudosDetailsOf(db, user.id);
  const workers = db
    .all<{ id: string }>('SELECT id FROM workers WHERE owner_id = ? ORDER BY created_at', user.id)
    .map((w) => w.id);
  const activeText = db
    .all<{ id: string }>(
      "SELECT j.id FROM text_jobs j JOIN workers w ON w.id = j.worker_id WHERE w.owner_id = ? AND j.status = 'processing'",
      user.id,
    )
    .map((r) => r.id);
  const activeForms = db
    .all<{ id: string }>(
      "SELECT f.id FROM interrogation_forms f JOIN workers w ON w.id = f.worker_id WHERE w.owner_id = ? AND f.state = 'processing'",
      user.id,
    )
    .map((r) => r.id);
  return {
    username: usernameOf(user),
    id: user.id,
    kudos: toKudos(balanceOf(db, userAccount(user.id))),
    // Earned but not spendable until the user is trusted (README, "The kudos rules").
    evaluating_kudos: toKudos(evaluatingOf(db, user.id)),
    ...(capMilli !== undefined ? { kudos_cap: toKudos(asMilli(capMilli)) } : {}),
    concurrency: 30,
    worker_invited: 0,
    moderator: user.moderator === 1,
    kudos_details: {
      accumulated: toKudos(d.accumulated),
      gifted: toKudos(d.gifted),
      donated: 0,
      admin: toKudos(d.admin),
      received: toKudos(d.received),
      recurring: toKudos(d.uptime),
      awarded: 0,
      styled: 0,
    },
    worker_count: workers.length,
    worker_ids: workers,
    sharedkey_ids: [],
    active_generations: { text: activeText, image: [], alchemy: activeForms },
    monthly_kudos: { amount: 0, last_received: null },
    trusted: user.trusted === 1,
    flagged: user.flagged === 1,
    vpn: false,
    service: false,
    education: false,
    special: false,
    pseudonymous: isAnonymous(user),
    account_age: Math.max(0, Math.floor((now - createdAt(db, user)) / 1000)),
    records: {
      usage: { megapixelsteps: 0, tokens: user.tokens_used },
      contribution: { megapixelsteps: 0, tokens: user.tokens_contributed },
      fulfillment: { image: 0, text: user.text_fulfilled, interrogation: user.interrogation_fulfilled },
      request: { image: 0, text: user.text_requests, interrogation: user.interrogation_requests },
    },
  };
}

export const userRoutes =
  (ctx: HordeContext): FastifyPluginAsync =>
  async (app) => {
    // As the AI Horde: no key is 401 InvalidAPIKey, a key that matches nobody is 404 UserNotFound.
    serve(app, R.findUser, async (req) => {
      const key = apiKeyOf(req);
      if (key === undefined) throw invalidApiKey();
      const user = userForKey(ctx, req, key);
      if (!user) throw new HordeError('UserNotFound', "User with api_key '(the key sent)' not found.");
      // The key says who; the counters shown are the row's as of now (the key's user is remembered without them).
      const row = userById(ctx.db, userOf(ctx, req, { anonymousIfMissing: false }).id);
      if (!row) throw new HordeError('UserNotFound', "User with api_key '(the key sent)' not found.");
      return userDetails(ctx.db, row, ctx.clock(), ctx.ledgerRules.userCapMilli);
    });

    // As the AI Horde: a non-numeric id or an unknown one is 404 UserNotFound; a key that
    // matches nobody is 401 InvalidAPIKey even though the route needs none.
    serve(app, R.user, async (req) => {
      if (!/^\d+$/.test(req.params.id)) {
        throw new HordeError(
          'UserNotFound',
          "Please use only the numerical part of the userID. E.g. the '1' in 'db0#1'",
        );
      }
      const key = apiKeyOf(req);
      if (key !== undefined && !userForKey(ctx, req, key)) throw invalidApiKey();
      const id = Number(req.params.id);
      const user = Number.isSafeInteger(id) ? userById(ctx.db, id) : undefined;
      if (!user) throw new HordeError('UserNotFound', `User with ID '${req.params.id}' not found.`);
      return userDetails(ctx.db, user, ctx.clock(), ctx.ledgerRules.userCapMilli);
    });

    serve(app, R.transfer, async (req) => {
      const body = req.body;
      const source = userOf(ctx, req, { anonymousIfMissing: false });
      if (isAnonymous(source))
        throw new HordeError('KudosTransferFromAnon', 'You cannot transfer Kudos from Anonymous, smart-ass.');
      const dest = userByUsername(ctx.db, body.username);
      if (!dest) throw new HordeError('InvalidTargetUsername', 'Invalid target username.');
      if (isAnonymous(dest)) {
        throw new HordeError(
          'KudosTransferToAnon',
          'Tried to burn kudos via sending to Anonymous. Assuming PEBKAC and aborting.',
        );
      }
      if (dest.id === source.id)
        throw new HordeError('KudosTransferToSelf', 'Cannot send kudos to yourself, ya monkey!');
      if (body.amount < 0) throw new HordeError('NegativeKudosTransfer', 'Nice try...');
      const amount = fromKudos(body.amount);
      if (amount === 0)
        throw new HordeError('InvalidKudosTransferAmount', 'Transfer amount must be positive.');
      const header = req.headers['idempotency-key'];
      const retryKey = Array.isArray(header) ? header[0] : header;
      // Scoped to the sender, as the AI Horde does, so two users cannot collide on a key.
      const key = `transfer:${source.id}:${retryKey ?? randomUUID()}`;
      const now = ctx.clock();
      const sameTransfer = (prior: LedgerEvent): boolean =>
        prior.kind === 'transfer' &&
        prior.postings.some((p) => p.account === userAccount(source.id) && p.amount === -amount) &&
        prior.postings.some((p) => p.account === userAccount(dest.id) && p.amount === amount);
      const retried = eventByKey(ctx.db, key);
      if (retried) {
        if (!sameTransfer(retried))
          throw new HordeError(
            'IdempotencyKeyConflict',
            'Idempotency key was already used with different transfer parameters.',
          );
        return { transferred: toKudos(amount) };
      }
      // Seen before the transfer, in a transaction of its own, so a refused funnel still counts.
      ctx.db.tx(() => {
        noteAddress(ctx.db, source.id, req.ip, now, ctx.ledgerRules);
        if (source.trusted !== 1) noteNewAccountTransfer(ctx.db, source.id, dest.id, now, ctx.ledgerRules);
      });
      if (userById(ctx.db, source.id)?.flagged === 1)
        throw new HordeError(
          'SourceAccountFlagged',
          "Your account has been flagged for suspicious activity and cannot send kudos. Ask the horde's admin.",
        );
      if (userById(ctx.db, dest.id)?.flagged === 1)
        throw new HordeError(
          'TargetAccountFlagged',
          'The target account has been flagged for suspicious activity and transferring kudos to it is blocked.',
        );
      return ctx.db.tx(() => {
        const prior = eventByKey(ctx.db, key);
        if (prior) {
          if (!sameTransfer(prior))
            throw new HordeError(
              'IdempotencyKeyConflict',
              'Idempotency key was already used with different transfer parameters.',
            );
          return { transferred: toKudos(amount) };
        }
        try {
          transferKudos(
            ctx.db,
            {
              key,
              fromId: source.id,
              toId: dest.id,
              amount,
              at: now,
              memo: `transfer ${usernameOf(source)} → ${usernameOf(dest)}`,
            },
            ctx.ledgerRules,
          );
        } catch (err) {
          const cap = ctx.ledgerRules.userCapMilli;
          if (err instanceof LedgerRefused && err.rc === 'KudosCapExceeded' && cap !== undefined) {
            const room = Math.max(0, cap - balanceOf(ctx.db, userAccount(dest.id)));
            throw new HordeError(
              'KudosCapExceeded',
              `${usernameOf(dest)} may hold at most ${toKudos(asMilli(cap))} kudos (the horde's anti-hoarding cap); they have room for ${toKudos(asMilli(room))} more.`,
            );
          }
          throw err;
        }
        return { transferred: toKudos(amount) };
      });
    });
  };
