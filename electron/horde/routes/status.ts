import type { FastifyPluginAsync } from 'fastify';
import { HORDE_ROUTES as R } from '../../../shared/api/routes';
import { serve } from '../route-table';
import type { HordeContext } from '../context';
import type { WorkerRow } from '../store/workers';
import { activeThreads } from '../store/workers';
import { queuedForms } from '../store/interrogate-queue';
import { imageModelStatus, imagePerformance } from '../store/image-status';

/** Version reported by the heartbeat; the embedded horde speaks the AI Horde's v2 API. */
export const HORDE_VERSION = '4.0.0-desktop';

export const statusRoutes =
  (ctx: HordeContext): FastifyPluginAsync =>
  async (app) => {
    serve(app, R.heartbeat, async () => ({ message: 'OK', version: HORDE_VERSION }));

    // `type` defaults to image, as on the AI Horde.
    serve(app, R.models, async (req) => {
      const type = req.query.type ?? 'image';
      if (type === 'image') return imageModelStatus(ctx.db, ctx.clock(), ctx.limits.workerStaleS);
      if (type !== 'text') return [];
      const now = ctx.clock();
      const online = ctx.db.all<WorkerRow>(
        "SELECT * FROM workers WHERE type = 'text' AND last_check_in >= ?",
        now - ctx.limits.workerStaleS * 1000,
      );
      const byModel = new Map<string, { count: number; tps: number }>();
      for (const w of online) {
        const tps = w.seconds_working > 0 ? w.tokens_generated / w.seconds_working : 0;
        for (const m of JSON.parse(w.models) as string[]) {
          const e = byModel.get(m) ?? { count: 0, tps: 0 };
          byModel.set(m, { count: e.count + 1, tps: e.tps + tps });
        }
      }
      const queued = ctx.db.all<{ model: string | null; jobs: number; tokens: number }>(
        `SELECT m.value AS model, SUM(r.n) AS jobs, SUM(r.n * r.max_length) AS tokens
         FROM text_requests r LEFT JOIN json_each(r.models) m WHERE r.status = 'queued' GROUP BY m.value`,
      );
      const q = new Map(queued.map((r) => [r.model ?? '', r]));
      return [...byModel].map(([name, e]) => {
        const jobs = q.get(name)?.jobs ?? 0;
        const tokens = q.get(name)?.tokens ?? 0;
        const speed = e.tps > 0 ? e.tps : e.count;
        return {
          name,
          count: e.count,
          performance: e.tps / e.count,
          queued: tokens,
          jobs,
          eta: Math.round(tokens / speed),
          type: 'text' as const,
        };
      });
    });

    serve(app, R.performance, async () => {
      const now = ctx.clock();
      const text = activeThreads(ctx.db, 'text', now, ctx.limits.workerStaleS);
      const alchemy = activeThreads(ctx.db, 'interrogation', now, ctx.limits.workerStaleS);
      const q = ctx.db.get<{ c: number; t: number | null }>(
        "SELECT COUNT(*) AS c, SUM(n * max_length) AS t FROM text_requests WHERE status = 'queued'",
      );
      const minuteAgo = now - 60_000;
      const recent = ctx.db.get<{ t: number | null }>(
        `SELECT SUM(MIN(MAX(20, (LENGTH(j.generation) + 3) / 4), r.max_length)) AS t FROM text_jobs j JOIN text_requests r ON r.id = j.request_id
         WHERE j.status = 'done' AND j.submitted_at >= ?`,
        minuteAgo,
      );
      const image = imagePerformance(ctx.db, now, ctx.limits.workerStaleS);
      return {
        queued_requests: image.queuedRequests,
        queued_text_requests: q?.c ?? 0,
        worker_count: image.workers,
        text_worker_count: text.workers,
        thread_count: image.threads,
        text_thread_count: text.threads,
        queued_forms: queuedForms(ctx.db),
        interrogator_count: alchemy.workers,
        interrogator_thread_count: alchemy.threads,
        queued_tokens: q?.t ?? 0,
        past_minute_tokens: recent?.t ?? 0,
        queued_megapixelsteps: image.queuedMps,
        past_minute_megapixelsteps: image.pastMinuteMps,
      };
    });
  };
