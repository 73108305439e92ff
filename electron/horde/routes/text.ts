import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { HORDE_ROUTES as R } from '../../../shared/api/routes';
import { serve } from '../route-table';
import type { RequestAsync } from '../../../shared/api/common';
import { textJobKudos } from '../../../shared/kudos/pricing';
import { pyRound } from '../../../shared/kudos/round';
import { admitTextRequest } from '../../../shared/kudos/upfront';
import { extraPriority } from '../../../shared/kudos/priority';
import { userAccount } from '../../../shared/ledger/events';
import { asMilli, fromKudos, toKudos } from '../../../shared/ledger/money';
import { HordeError } from '../../../shared/api/horde-error';
import { checkAnonymousShare, clientAgentOf, userOf, type HordeContext } from '../context';
import { validateTextRequest } from '../validation';
import { availableOf, balanceOf } from '../store/ledger';
import { holdKudos } from '../store/kudos';
import { newRowId } from '../store/ids';
import { isAnonymous, userByUsername, type KeyHolder } from '../store/users';
import { activeThreads, checkIn, workerById } from '../store/workers';
import {
  cancelText,
  insertTextRequest,
  popText,
  hasServingWorker,
  queuedTextRequests,
  submitText,
  textStatus,
} from '../store/text-queue';

/** The anonymous user may not run workers, as on the AI Horde. */
export function workerUser(ctx: HordeContext, req: FastifyRequest): KeyHolder {
  const user = userOf(ctx, req, { anonymousIfMissing: false });
  if (isAnonymous(user))
    throw new HordeError('AnonForbiddenWorker', 'Anonymous user is forbidden from performing this operation');
  return user;
}

/** `priority_usernames` ("alias#id") to user ids; the worker's owner always comes first. */
export function priorityUserIds(ctx: HordeContext, owner: KeyHolder, usernames: string[]): number[] {
  const ids = [owner.id];
  for (const name of usernames) {
    if (!/#\d+$/.test(name)) {
      throw new HordeError(
        'InvalidPriorityUsername',
        "Priority usernames need to be provided in the form of 'alias#number'. Example: 'db0#1'",
      );
    }
    const u = userByUsername(ctx.db, name);
    if (u && !ids.includes(u.id)) ids.push(u.id);
  }
  return ids;
}

export const textRoutes =
  (ctx: HordeContext): FastifyPluginAsync =>
  async (app) => {
    serve(app, R.textAsync, async (req, reply) => {
      const body = req.body;
      const user = userOf(ctx, req, { anonymousIfMissing: true });
      if (body.webhook !== undefined && !body.webhook.startsWith('https://')) {
        throw new HordeError('BadRequest', 'webhooks need to point to an https endpoint.');
      }
      validateTextRequest(body, { trusted: user.trusted === 1 });
      if (body.prompt.length > ctx.limits.maxPromptChars) {
        throw new HordeError(
          'InvalidPromptSize',
          `Too large prompt: at most ${ctx.limits.maxPromptChars} characters.`,
        );
      }
      for (const id of body.workers) {
        if (!workerById(ctx.db, id))
          throw new HordeError('WorkerNotFound', `Worker with ID '${id}' not found.`);
      }
      const { n, max_length, max_context_length, ...sampler } = body.params;
      const model = body.models[0];
      const perJob = (maxLength: number) =>
        fromKudos(
          textJobKudos({
            ...(model !== undefined ? { model } : {}),
            maxLength,
            maxContextLength: max_context_length,
          }),
        );
      if (body.dry_run) {
        reply.status(200);
        // Whole kudos, as the AI Horde answers a dry run (`round(kudos)`, ties to even).
        return { kudos: pyRound(toKudos(asMilli(perJob(max_length) * n)), 0) };
      }
      const now = ctx.clock();
      return ctx.db.tx(() => {
        checkAnonymousShare(ctx, user, req.ip, 1);
        const admission = admitTextRequest({
          maxLength: max_length,
          maxContextLength: max_context_length,
          queuedJobs: queuedTextRequests(ctx.db),
          activeWorkerThreads: activeThreads(ctx.db, 'text', now, ctx.limits.workerStaleS).threads,
          slowWorkers: body.slow_workers,
          models: body.models,
          n,
          allowDowngrade: body.allow_downgrade,
          availableKudos: toKudos(availableOf(ctx.db, userAccount(user.id))),
        });
        if (admission.outcome === 'refuse') throw new HordeError('KudosUpfront', admission.message);
        const maxLength = admission.outcome === 'downgrade' ? admission.maxLength : max_length;
        const holdId = admission.outcome === 'hold' ? `upfront:${newRowId()}` : undefined;
        if (admission.outcome === 'hold' && holdId) {
          holdKudos(ctx.db, {
            holdId,
            userId: user.id,
            amount: fromKudos(admission.kudos),
            at: now,
            memo: 'upfront kudos of a text request',
          });
        }
        const kudosPerJob = perJob(maxLength);
        const row = insertTextRequest(
          ctx.db,
          {
            user,
            prompt: body.prompt,
            params: sampler,
            models: body.models,
            workers: body.workers,
            workerBlacklist: body.worker_blacklist,
            ...(body.softprompt !== undefined ? { softprompt: body.softprompt } : {}),
            n,
            maxLength,
            maxContextLength: max_context_length,
            extraPriority: extraPriority({
              kudos: toKudos(balanceOf(ctx.db, userAccount(user.id))),
              anonymous: isAnonymous(user),
              flagged: user.flagged === 1,
            }),
            kudosPerJob,
            ...(holdId && admission.outcome === 'hold'
              ? { hold: { holdId, amount: fromKudos(admission.kudos) } }
              : {}),
            ...(clientAgentOf(req) !== undefined ? { clientAgent: clientAgentOf(req) } : {}),
            clientIp: req.ip,
          },
          now,
          ctx.text,
        );
        const id = row.id;
        reply.status(202);
        const answer: RequestAsync = { id, kudos: toKudos(asMilli(kudosPerJob * n)) };
        if (admission.outcome === 'downgrade') {
          answer.warnings = [
            {
              code: 'Downgraded',
              message: `Without the kudos up front, max_length was lowered to ${maxLength} tokens.`,
            },
          ];
        }
        // Only is_possible is needed here: the full status would also count the queue ahead.
        if (!hasServingWorker(ctx.db, row, now, ctx.limits.workerStaleS)) {
          answer.message =
            'Warning: No available workers can fulfill this request. It will expire in 20 minutes. Consider reducing the amount of tokens to generate.';
        }
        return answer;
      });
    });

    serve(app, R.textStatus, async (req) => {
      return textStatus(ctx.db, req.params.id, ctx.clock(), ctx.text);
    });

    serve(app, R.textCancel, async (req) => {
      cancelText(ctx.db, req.params.id, ctx.clock());
      return textStatus(ctx.db, req.params.id, ctx.clock(), ctx.text);
    });

    serve(app, R.textPop, async (req) => {
      const body = req.body;
      const user = workerUser(ctx, req);
      const priority = priorityUserIds(ctx, user, body.priority_usernames);
      const now = ctx.clock();
      // The check-in and the pop are one write transaction (one commit per pop, not two).
      const { worker, popped, skipped } = ctx.db.tx(() => {
        const worker = checkIn(
          ctx.db,
          {
            user,
            name: body.name,
            type: 'text',
            models: body.models,
            maxLength: body.max_length,
            maxContextLength: body.max_context_length,
            threads: body.threads,
            bridgeAgent: body.bridge_agent,
            nsfw: body.nsfw,
            ip: req.ip,
          },
          now,
          ctx.limits.workerStaleS,
          ctx.ledgerRules,
        );
        // In maintenance or paused, a worker may still serve its owner's own requests, nobody else's.
        const ownOnly = worker.maintenance === 1 || worker.paused === 1;
        const found = popText(
          ctx.db,
          worker,
          {
            models: body.models,
            maxLength: body.max_length,
            maxContextLength: body.max_context_length,
            amount: body.amount,
            priorityUserIds: ownOnly ? [user.id] : priority,
            onlyPriority: ownOnly,
          },
          now,
          ctx.text,
        );
        return { worker, ...found };
      });
      const inMaintenance = worker.maintenance === 1;
      if (!popped) {
        if (inMaintenance) {
          throw new HordeError(
            'WorkerMaintenance',
            worker.maintenance_msg ?? 'This worker has been put into maintenance mode by its owner.',
          );
        }
        return { id: null, ids: [], skipped, messages: [] };
      }
      return {
        payload: popped.payload,
        id: popped.jobIds[0] ?? null,
        ids: popped.jobIds,
        skipped: {},
        softprompt: popped.request.softprompt,
        model: popped.model,
        ttl: ctx.limits.textJobTtlS,
        messages: [],
      };
    });

    serve(app, R.textSubmit, async (req) => {
      const body = req.body;
      const user = userOf(ctx, req, { anonymousIfMissing: false });
      const reward = submitText(
        ctx.db,
        {
          jobId: body.id,
          user,
          generation: body.generation,
          state: body.state,
          seed: body.seed,
          ...(body.gen_metadata ? { genMetadata: body.gen_metadata } : {}),
        },
        ctx.clock(),
        ctx.text,
      );
      return { reward: toKudos(reward) };
    });
  };
