import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { HORDE_ROUTES as R, routePath } from '../../../shared/api/routes';
import { serve } from '../route-table';
import { imageTiles } from '../../../shared/kudos/pricing';
import { extraPriority } from '../../../shared/kudos/priority';
import { userAccount } from '../../../shared/ledger/events';
import { asMilli, toKudos } from '../../../shared/ledger/money';
import { HordeError } from '../../../shared/api/horde-error';
import { checkAnonymousShare, clientAgentOf, publicBase, userOf, type HordeContext } from '../context';
import { tagRequestAddress } from '../store/fair-share';
import { validateImage } from '../images';
import { readSourceImage } from '../source-image';
import { balanceOf } from '../store/ledger';
import { putBlob } from '../store/blobs';
import { isAnonymous } from '../store/users';
import { checkIn } from '../store/workers';
import {
  cancelInterrogation,
  enqueueInterrogation,
  formPrice,
  interrogationStatus,
  popForms,
  submitForm,
} from '../store/interrogate-queue';
import { priorityUserIds, workerUser } from './text';

export const interrogateRoutes =
  (ctx: HordeContext): FastifyPluginAsync =>
  async (app) => {
    serve(app, R.interrogateAsync, async (req, reply) => {
      const body = req.body;
      const user = userOf(ctx, req, { anonymousIfMissing: true });
      if (body.webhook !== undefined && !body.webhook.startsWith('https://')) {
        throw new HordeError('BadRequest', 'webhooks need to point to an https endpoint.');
      }
      const bytes = await readSourceImage(ctx, req, body.source_image);
      const info = validateImage(bytes, ctx.limits.maxImageBytes);
      const tiles = imageTiles(info.width, info.height);
      const price = body.forms.reduce((sum, f) => sum + formPrice(f.name, tiles), 0);
      if (body.dry_run) {
        reply.status(200);
        return { kudos: toKudos(asMilli(price)) };
      }
      const now = ctx.clock();
      const id = ctx.db.tx(() => {
        checkAnonymousShare(ctx, user, req.ip, 1);
        const blobId = `source:${randomUUID()}`;
        putBlob(ctx.db, blobId, info.contentType, bytes, now);
        const created = enqueueInterrogation(
          ctx.db,
          {
            user,
            sourceBlob: blobId,
            forms: body.forms.map((f) => ({ name: f.name, ...(f.payload ? { payload: f.payload } : {}) })),
            tiles,
            extraPriority: extraPriority({
              kudos: toKudos(balanceOf(ctx.db, userAccount(user.id))),
              anonymous: isAnonymous(user),
              flagged: user.flagged === 1,
            }),
            ...(clientAgentOf(req) !== undefined ? { clientAgent: clientAgentOf(req) } : {}),
          },
          now,
          ctx.alchemy,
        );
        tagRequestAddress(ctx.db, 'interrogations', created, req.ip);
        return created;
      });
      reply.status(202);
      return { id, kudos: toKudos(asMilli(price)) };
    });

    serve(app, R.interrogateStatus, async (req) => {
      return interrogationStatus(ctx.db, req.params.id);
    });

    serve(app, R.interrogateCancel, async (req) => {
      cancelInterrogation(ctx.db, req.params.id);
      return interrogationStatus(ctx.db, req.params.id);
    });

    serve(app, R.interrogatePop, async (req) => {
      const body = req.body;
      const user = workerUser(ctx, req);
      const priority = priorityUserIds(ctx, user, body.priority_usernames);
      const now = ctx.clock();
      const worker = checkIn(
        ctx.db,
        {
          user,
          name: body.name,
          type: 'interrogation',
          forms: body.forms,
          threads: body.threads,
          bridgeAgent: body.bridge_agent,
          ip: req.ip,
        },
        now,
        ctx.limits.workerStaleS,
        ctx.ledgerRules,
      );
      const inMaintenance = worker.maintenance === 1;
      // In maintenance or paused, a worker may still serve its owner's own requests, nobody else's.
      const ownOnly = inMaintenance || worker.paused === 1;
      const popped = popForms(
        ctx.db,
        worker,
        {
          forms: body.forms,
          amount: body.amount,
          priorityUserIds: ownOnly ? [user.id] : priority,
          onlyPriority: ownOnly,
        },
        now,
        ctx.alchemy,
      );
      if (popped.length === 0 && inMaintenance) {
        throw new HordeError(
          'WorkerMaintenance',
          worker.maintenance_msg ?? 'This worker has been put into maintenance mode by its owner.',
        );
      }
      const base = publicBase(req);
      return {
        forms: popped.map((p) => ({
          id: p.form.id,
          form: p.form.name,
          payload: p.form.payload ? (JSON.parse(p.form.payload) as Record<string, unknown>) : {},
          source_image: `${base}${routePath(R.formSource, { id: p.interrogation.id })}`,
          ...(p.uploadToken
            ? { r2_upload: `${base}${routePath(R.formUpload, { id: p.form.id })}?token=${p.uploadToken}` }
            : {}),
        })),
        skipped: {},
      };
    });

    serve(app, R.interrogateSubmit, async (req) => {
      const body = req.body;
      const user = userOf(ctx, req, { anonymousIfMissing: false });
      const base = publicBase(req);
      const reward = submitForm(
        ctx.db,
        {
          formId: body.id,
          user,
          result: body.result,
          state: body.state,
          resultUrl: (id) => `${base}${routePath(R.formResult, { id })}`,
        },
        ctx.clock(),
        ctx.alchemy,
      );
      return { reward: toKudos(reward) };
    });
  };
