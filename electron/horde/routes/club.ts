import type { FastifyPluginAsync } from 'fastify';
import { ClubJoinInput, type ClubJoined } from '../../../shared/api/club';
import { createAdmin } from '../admin';
import type { HordeContext } from '../context';
import { noteAddress } from '../store/flags';

/**
 * The club's one HTTP route: `POST /v2/club/join` turns an invite token into
 * a new member and their API key. It is rate-limited like every route (per
 * address, as the caller has no key yet), and the new account is noted at the
 * caller's address, so many accounts from one machine are flagged as the
 * fair-kudos rules say. No owner operation has a route (see admin.ts).
 */
export function clubRoutes(ctx: HordeContext): FastifyPluginAsync {
  const admin = createAdmin(ctx);
  return async (app) => {
    app.post('/club/join', async (req, reply) => {
      const body = ClubJoinInput.parse(req.body ?? {});
      const member = admin.join({
        name: body.name,
        ...(body.token !== undefined ? { token: body.token } : {}),
      });
      noteAddress(ctx.db, member.id, req.ip, ctx.clock(), ctx.ledgerRules);
      return reply.status(200).send(member satisfies ClubJoined);
    });
  };
}
