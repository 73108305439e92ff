import { accurateSteps } from '../../../shared/kudos/image-pricing';
import type { ActiveModel } from '../../../shared/api/status';
import type { HordeDb } from './db';
import { onlineImageWorkers, workerSpeed } from './image-queue';

/**
 * `/v2/status/models?type=image` and the image half of `/v2/status/performance`:
 * workers online per model, and the megapixelsteps queued for it ('' models
 * = any model, counted under every served model, as the AI Horde does).
 */
export function imageModelStatus(db: HordeDb, now: number, staleAfterS: number): ActiveModel[] {
  const byModel = new Map<string, { count: number; speed: number }>();
  for (const w of onlineImageWorkers(db, now, staleAfterS)) {
    for (const m of JSON.parse(w.models) as string[]) {
      const e = byModel.get(m) ?? { count: 0, speed: 0 };
      byModel.set(m, { count: e.count + 1, speed: e.speed + workerSpeed(w) * w.threads });
    }
  }
  const queued = db.all<{
    models: string;
    width: number;
    height: number;
    steps: number;
    sampler: string;
    n: number;
  }>("SELECT models, width, height, steps, sampler, n FROM image_requests WHERE status = 'queued'");
  const q = new Map<string, { jobs: number; mps: number }>();
  for (const r of queued) {
    const mps = (r.width * r.height * accurateSteps(r.sampler, r.steps) * r.n) / 1e6;
    const models = JSON.parse(r.models) as string[];
    for (const m of models.length === 0 ? [...byModel.keys()] : models) {
      const e = q.get(m) ?? { jobs: 0, mps: 0 };
      q.set(m, { jobs: e.jobs + r.n, mps: e.mps + mps });
    }
  }
  return [...byModel].map(([name, e]) => {
    const queue = q.get(name) ?? { jobs: 0, mps: 0 };
    return {
      name,
      count: e.count,
      performance: e.speed / e.count,
      queued: Math.round(queue.mps * 100) / 100,
      jobs: queue.jobs,
      eta: Math.round(queue.mps / Math.max(e.speed, 1e-9)),
      type: 'image' as const,
    };
  });
}

export function imagePerformance(
  db: HordeDb,
  now: number,
  staleAfterS: number,
): { queuedRequests: number; workers: number; threads: number; queuedMps: number; pastMinuteMps: number } {
  const online = onlineImageWorkers(db, now, staleAfterS);
  const queued = db.all<{ width: number; height: number; steps: number; sampler: string; n: number }>(
    "SELECT width, height, steps, sampler, n FROM image_requests WHERE status = 'queued'",
  );
  const recent = db.all<{ width: number; height: number; steps: number; sampler: string }>(
    `SELECT r.width, r.height, r.steps, r.sampler FROM image_jobs j JOIN image_requests r ON r.id = j.request_id
     WHERE j.status = 'done' AND j.submitted_at >= ?`,
    now - 60_000,
  );
  const mps = (r: { width: number; height: number; steps: number; sampler: string }, n = 1): number =>
    (r.width * r.height * accurateSteps(r.sampler, r.steps) * n) / 1e6;
  return {
    queuedRequests: queued.length,
    workers: online.length,
    threads: online.reduce((s, w) => s + w.threads, 0),
    queuedMps: Math.round(queued.reduce((s, r) => s + mps(r, r.n), 0) * 100) / 100,
    pastMinuteMps: Math.round(recent.reduce((s, r) => s + mps(r), 0) * 100) / 100,
  };
}
