import type { FastifyPluginAsync } from 'fastify';
import { HORDE_ROUTES as R } from '../../../shared/api/routes';
import type { ModifyWorker } from '../../../shared/api/workers';
import { serve } from '../route-table';
import { HordeError } from '../../../shared/api/horde-error';
import { userOf, type HordeContext } from '../context';
import { isAnonymous } from '../store/users';
import { workerById, workerDetails, type WorkerRow } from '../store/workers';

export const workerRoutes =
  (ctx: HordeContext): FastifyPluginAsync =>
  async (app) => {
    serve(app, R.workers, async (req) => {
      const type = req.query.type;
      const rows = ctx.db.all<WorkerRow>('SELECT * FROM workers ORDER BY created_at');
      const now = ctx.clock();
      return rows
        .filter(
          (w) =>
            (type === undefined || type === '' || w.type === type) &&
            (req.query.name === undefined || w.name === req.query.name),
        )
        .map((w) => workerDetails(ctx.db, w, now, ctx.limits.workerStaleS));
    });

    serve(app, R.worker, async (req) => {
      const w = workerById(ctx.db, req.params.id);
      if (!w) throw new HordeError('WorkerNotFound', `Worker with ID '${req.params.id}' not found.`);
      return workerDetails(ctx.db, w, ctx.clock(), ctx.limits.workerStaleS);
    });

    /** The owner takes the worker in or out of maintenance, pauses it, or renames it. */
    serve(app, R.modifyWorker, async (req) => {
      const w = workerById(ctx.db, req.params.id);
      if (!w) throw new HordeError('WorkerNotFound', `Worker with ID '${req.params.id}' not found.`);
      const body = req.body;
      const user = userOf(ctx, req, { anonymousIfMissing: false });
      if (isAnonymous(user))
        throw new HordeError(
          'AnonForbiddenWorker',
          'Anonymous user is forbidden from performing this operation',
        );
      if (user.id !== w.owner_id && user.moderator !== 1)
        throw new HordeError('NotOwner', "You're not the owner of this worker.");
      const changed: ModifyWorker = {};
      return ctx.db.tx(() => {
        if (body.maintenance !== undefined) {
          ctx.db.run(
            'UPDATE workers SET maintenance = ?, maintenance_msg = ? WHERE id = ?',
            body.maintenance ? 1 : 0,
            body.maintenance ? (body.maintenance_msg ?? 'Put into maintenance by its owner.') : null,
            w.id,
          );
          changed.maintenance = body.maintenance;
        }
        if (body.paused !== undefined) {
          ctx.db.run('UPDATE workers SET paused = ? WHERE id = ?', body.paused ? 1 : 0, w.id);
          changed.paused = body.paused;
        }
        if (body.info !== undefined) {
          ctx.db.run('UPDATE workers SET info = ? WHERE id = ?', body.info, w.id);
          changed.info = body.info;
        }
        if (body.name !== undefined && body.name !== w.name) {
          if (ctx.db.get('SELECT 1 AS x FROM workers WHERE name = ?', body.name)) {
            throw new HordeError(
              'WorkerNameAlreadyExists',
              `The specified worker name '${body.name}' is already taken!`,
            );
          }
          ctx.db.run('UPDATE workers SET name = ? WHERE id = ?', body.name, w.id);
          changed.name = body.name;
        }
        if (Object.keys(changed).length === 0)
          throw new HordeError('NoWorkerModSelected', 'No worker modification selected!');
        return changed;
      });
    });
  };
