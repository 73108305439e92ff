import type { FastifyPluginAsync } from 'fastify';
import { HORDE_ROUTES as R } from '../../../shared/api/routes';
import { serve } from '../route-table';
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
    serve(app, R.clubJoin, async (req) => {
      const body = req.body;
      const member = admin.join({
        name: body.name,
        ...(body.token !== undefined ? { token: body.token } : {}),
      });
      noteAddress(ctx.db, member.id, req.ip, ctx.clock(), ctx.ledgerRules);
      return member;
    });
  };
}
