import { randomInt } from 'node:crypto';
import {
  HEAVY_POST_PROCESSORS,
  type GenMetadata,
  type ImageCheck,
  type ImageJobPayload,
  type ImagePopSkipped,
  type ImageSkippedReason,
} from '../../../shared/api/image';
import { bridgeRewardMultiplier, capabilitiesOf, samplersOf } from '../../../shared/api/bridge-agents';
import { baselineMultiplier } from '../../../shared/kudos/image-models';
import { accurateSteps, imageBurn, IMAGE_REQUEST_TAX } from '../../../shared/kudos/image-pricing';
import { batchAmount, jobSeed } from '../../../shared/kudos/image-rules';
import { compareQueue } from '../../../shared/kudos/priority';
import { imageSettlement } from '../../../shared/ledger/builders';
import { clipToCap } from '../../../shared/ledger/fold';
import type { FairRules } from './fair';
import { promoteIfTrusted } from './evaluation';
import { withEvaluationShare } from './kudos';
import { userAccount } from '../../../shared/ledger/events';
import { asMilli, fromKudos, toKudos, type Milli } from '../../../shared/ledger/money';
import { HordeError } from '../../../shared/api/horde-error';
import { invalidJobId, requestNotFound } from '../errors';
import type { HordeDb } from './db';
import type { ImageFiles } from './image-files';
import { newRowId } from './ids';
import { newToken } from './keys';
import { releaseHold } from './kudos';
import { appendEvent, stateForEvent } from './ledger';
import { bumpUserCounter, userById, type KeyHolder } from './users';
import { isOnline, recordAbort, workerById, type WorkerRow } from './workers';

/**
 * The image queue: waiting prompts (`image_requests`, one per request of up
 * to 20 images) and the jobs handed to workers (`image_jobs`, one per image),
 * with the AI Horde's lifecycle: a job not submitted within its time limit
 * is aborted unpaid and its image requeued; faults are counted and fault the
 * request after `maxFaults`; a request expires 20 minutes after it was last
 * served (or finished), and then its image files go too; every end releases
 * the request's upfront hold. Each delivered image is paid by one balanced
 * ledger event keyed by the job id, in the same transaction that marks the
 * job done, so it is paid exactly once.
 */

export interface ImageRequestRow {
  id: string;
  user_id: number;
  prompt: string;
  params: string;
  models: string;
  workers: string;
  worker_blacklist: number;
  nsfw: number;
  censor_nsfw: number;
  trusted_workers: number;
  slow_workers: number;
  extra_slow_workers: number;
  r2: number;
  shared: number;
  source_file: string | null;
  source_processing: string;
  mask_file: string | null;
  width: number;
  height: number;
  steps: number;
  sampler: string;
  seed: number | null;
  seed_variation: number | null;
  n: number;
  jobs: number;
  popped: number;
  status: 'queued' | 'processing' | 'done' | 'faulted' | 'cancelled' | 'expired';
  extra_priority: number;
  created_at: number;
  expires_at: number;
  kudos: number;
  consumed: number;
  taxed: number;
  faults: number;
  hold_id: string | null;
  hold_amount: number;
  client_agent: string | null;
}

export interface ImageJobRow {
  id: string;
  request_id: string;
  worker_id: string;
  model: string;
  idx: number;
  seed: number;
  status: 'processing' | 'done' | 'faulted' | 'aborted';
  started_at: number;
  deadline: number;
  submitted_at: number | null;
  upload_token: string | null;
  upload_expires_at: number | null;
  uploaded: number;
  file: string | null;
  state: string | null;
  censored: number;
  gen_metadata: string | null;
  reward: number;
  charge: number;
}

export interface ImageLimits {
  requestTtlS: number;
  maxFaults: number;
  workerStaleS: number;
  ledger: FairRules;
}

/** What the worker is told and what pricing needs, beyond the columns. */
export interface ImageRequestParams {
  cfg_scale: number;
  karras: boolean;
  denoising_strength?: number;
  post_processing: string[];
  hires_fix?: boolean;
  tiling?: boolean;
  clip_skip?: number;
  control_type?: string;
  loras?: unknown[];
  tis?: unknown[];
  [key: string]: unknown;
}

export interface NewImageRequest {
  user: KeyHolder;
  prompt: string;
  params: ImageRequestParams;
  models: string[];
  workers: string[];
  workerBlacklist: boolean;
  nsfw: boolean;
  censorNsfw: boolean;
  trustedWorkers: boolean;
  slowWorkers: boolean;
  extraSlowWorkers: boolean;
  r2: boolean;
  shared: boolean;
  source?: { bytes: Uint8Array; processing: string };
  mask?: Uint8Array;
  width: number;
  height: number;
  steps: number;
  sampler: string;
  seed: number | null;
  seedVariation?: number;
  n: number;
  extraPriority: number;
  /** One image's worth on an SD1 model (`imageKudos`), milli-kudos. */
  kudos: Milli;
  hold?: { holdId: string; amount: Milli };
  clientAgent?: string;
}

export function imageRequestById(db: HordeDb, id: string): ImageRequestRow | undefined {
  return db.get<ImageRequestRow>('SELECT * FROM image_requests WHERE id = ?', id);
}

export function imageJobById(db: HordeDb, id: string): ImageJobRow | undefined {
  return db.get<ImageJobRow>('SELECT * FROM image_jobs WHERE id = ?', id);
}

export function queuedImageRequests(db: HordeDb): number {
  return db.get<{ n: number }>("SELECT n FROM queue_counts WHERE kind = 'image'")?.n ?? 0;
}

export function enqueueImage(
  db: HordeDb,
  files: ImageFiles,
  r: NewImageRequest,
  now: number,
  limits: ImageLimits,
): string {
  const id = newRowId();
  // With a seed variation and no seed, the seed is drawn once so that the variations are of one seed.
  const seed = r.seed ?? (r.seedVariation ? randomSeed() : null);
  const sourceFile = r.source ? `${id}.source` : null;
  const maskFile = r.mask ? `${id}.mask` : null;
  if (r.source) files.write(sourceFile!, r.source.bytes);
  if (r.mask) files.write(maskFile!, r.mask);
  db.run(
    `INSERT INTO image_requests (id, user_id, prompt, params, models, workers, worker_blacklist, nsfw, censor_nsfw,
       trusted_workers, slow_workers, extra_slow_workers, r2, shared, source_file, source_processing, mask_file,
       width, height, steps, sampler, seed, seed_variation, n, jobs, status, extra_priority, created_at, expires_at,
       kudos, hold_id, hold_amount, client_agent)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`,
    id,
    r.user.id,
    r.prompt,
    JSON.stringify(r.params),
    JSON.stringify(r.models),
    JSON.stringify(r.workers),
    r.workerBlacklist ? 1 : 0,
    r.nsfw ? 1 : 0,
    r.censorNsfw ? 1 : 0,
    r.trustedWorkers ? 1 : 0,
    r.slowWorkers ? 1 : 0,
    r.extraSlowWorkers ? 1 : 0,
    r.r2 ? 1 : 0,
    r.shared ? 1 : 0,
    sourceFile,
    r.source?.processing ?? 'img2img',
    maskFile,
    r.width,
    r.height,
    r.steps,
    r.sampler,
    seed,
    r.seedVariation ?? null,
    r.n,
    r.n,
    r.extraPriority,
    now,
    now + limits.requestTtlS * 1000,
    r.kudos,
    r.hold?.holdId ?? null,
    r.hold?.amount ?? 0,
    r.clientAgent ?? null,
  );
  bumpUserCounter(db, r.user.id, 'image_requests', 1);
  return id;
}

/** A seed in 0..2³²−1 (the server's `get_random_seed`). */
function randomSeed(): number {
  return randomInt(0, 2 ** 32 - 1);
}

export function paramsOf(r: Pick<ImageRequestRow, 'params'>): ImageRequestParams {
  return JSON.parse(r.params) as ImageRequestParams;
}

/** What a worker announced at pop, beyond the text worker's fields. */
export interface ImageWorkerOptions {
  max_pixels: number;
  nsfw: boolean;
  extra_slow_worker: boolean;
  require_upfront_kudos: boolean;
  allow_img2img: boolean;
  allow_painting: boolean;
  allow_post_processing: boolean;
  allow_controlnet: boolean;
  allow_lora: boolean;
  limit_max_steps: boolean;
  blacklist: string[];
}

/** MPS/s (megapixelsteps per second) of a worker; a new worker counts as 1, as on the AI Horde. */
export function workerSpeed(
  w: Pick<WorkerRow, 'seconds_working'> & { megapixelsteps_generated: number },
): number {
  return w.seconds_working > 0 ? w.megapixelsteps_generated / w.seconds_working : 1;
}

/** The worker's capability check for one request: undefined when it may serve it, else the skipped reason. */
export function whyNot(
  r: ImageRequestRow,
  w: WorkerRow & { megapixelsteps_generated: number },
  o: ImageWorkerOptions & { models: string[]; ownerTrusted: boolean },
): ImageSkippedReason | undefined {
  const workers = JSON.parse(r.workers) as string[];
  if (workers.length > 0 && workers.includes(w.id) === (r.worker_blacklist === 1)) return 'worker_id';
  const models = JSON.parse(r.models) as string[];
  if (models.length > 0 && !models.some((m) => o.models.includes(m))) return 'models';
  if (r.nsfw === 1 && !o.nsfw) return 'nsfw';
  if (r.trusted_workers === 1 && !o.ownerTrusted) return 'untrusted';
  if (r.slow_workers === 0 && workerSpeed(w) < 0.5) return 'performance';
  if (o.extra_slow_worker && r.extra_slow_workers === 0) return 'performance';
  if (r.width * r.height > o.max_pixels) return 'max_pixels';
  if (o.require_upfront_kudos && !r.hold_id) return 'kudos';
  const p = paramsOf(r);
  const words = r.prompt.toLowerCase();
  if (o.blacklist.some((b) => b !== '' && words.includes(b.toLowerCase()))) return 'blacklist';
  const caps = capabilitiesOf(w.bridge_agent);
  if (r.source_file) {
    if (!caps.has('img2img')) return 'img2img';
    if (!o.allow_img2img) return 'img2img';
    if (r.source_processing === 'inpainting' || r.source_processing === 'outpainting') {
      if (!caps.has('inpainting') || !o.allow_painting) return 'painting';
    }
  }
  if (r.r2 === 1 && !caps.has('r2')) return 'bridge_version';
  if (!samplersOf(w.bridge_agent, p.karras).has(r.sampler)) return 'bridge_version';
  if (p.post_processing.length > 0) {
    if (!caps.has('post-processing') || p.post_processing.some((pp) => !caps.has(pp)))
      return 'bridge_version';
    if (!o.allow_post_processing) return 'post-processing';
  }
  if (p.tiling && !caps.has('tiling')) return 'bridge_version';
  if (p.hires_fix && !caps.has('hires_fix')) return 'bridge_version';
  if ((p.clip_skip ?? 1) > 1 && !caps.has('clip_skip')) return 'bridge_version';
  if ((p.loras?.length ?? 0) > 0) {
    if (!caps.has('lora')) return 'bridge_version';
    if (!o.allow_lora) return 'lora';
  }
  if ((p.tis?.length ?? 0) > 0 && !caps.has('textual_inversion')) return 'bridge_version';
  if (p.control_type) {
    if (!caps.has('controlnet')) return 'bridge_version';
    if (!o.allow_controlnet) return 'controlnet';
  }
  if (o.limit_max_steps && accurateSteps(r.sampler, r.steps) > 40) return 'step_count';
  return undefined;
}

export interface ImagePopOptions extends ImageWorkerOptions {
  models: string[];
  amount: number;
  priorityUserIds: number[];
  onlyPriority?: boolean;
}

export interface PoppedImages {
  request: ImageRequestRow;
  jobs: ImageJobRow[];
  model: string;
  payload: ImageJobPayload;
}

/** How many queued requests a pop looks at (and explains in `skipped`). */
const POP_SAMPLE = 500;

export function popImages(
  db: HordeDb,
  worker: WorkerRow & { megapixelsteps_generated: number },
  o: ImagePopOptions,
  now: number,
  ttlOf: (r: ImageRequestRow, model: string) => number,
  limits: ImageLimits,
): { popped?: PoppedImages; skipped: ImagePopSkipped } {
  return db.tx(() => {
    const owner = userById(db, worker.owner_id);
    const opts = { ...o, ownerTrusted: owner?.trusted === 1 };
    const queued = db.all<ImageRequestRow>(
      "SELECT * FROM image_requests WHERE status = 'queued' ORDER BY extra_priority DESC, created_at LIMIT ?",
      POP_SAMPLE,
    );
    const first = new Set(o.priorityUserIds);
    const ordered = [...queued].sort((a, b) => {
      const pa = first.has(a.user_id) ? 0 : 1;
      const pb = first.has(b.user_id) ? 0 : 1;
      if (pa !== pb) return pa - pb;
      return compareQueue(
        { extraPriority: a.extra_priority, createdAt: a.created_at },
        { extraPriority: b.extra_priority, createdAt: b.created_at },
      );
    });
    const skipped: ImagePopSkipped = {};
    let chosen: ImageRequestRow | undefined;
    for (const r of ordered) {
      if (o.onlyPriority && !first.has(r.user_id)) continue;
      const why = whyNot(r, worker, opts);
      if (why === undefined) {
        chosen = r;
        break;
      }
      skipped[why] = (skipped[why] ?? 0) + 1;
    }
    if (!chosen) return { skipped };

    const requested = JSON.parse(chosen.models) as string[];
    const model =
      requested.length === 0
        ? (o.models[0] ?? 'stable_diffusion')
        : (o.models.find((m) => requested.includes(m)) ?? requested[0]!);
    const p = paramsOf(chosen);
    const count = Math.min(
      chosen.n,
      batchAmount({
        maxPixels: o.max_pixels,
        amount: o.amount,
        width: chosen.width,
        height: chosen.height,
        postProcessors: p.post_processing.length,
        heavy: p.post_processing.some((pp) => HEAVY_POST_PROCESSORS.has(pp)),
      }),
    );
    const ttlS = ttlOf(chosen, model);
    // Image i of the request gets seed + variation·i; a requeued image takes its index back.
    const taken = new Set(
      db
        .all<{ idx: number }>(
          "SELECT idx FROM image_jobs WHERE request_id = ? AND status IN ('processing', 'done')",
          chosen.id,
        )
        .map((j) => j.idx),
    );
    const free: number[] = [];
    for (let i = 0; free.length < count; i++) if (!taken.has(i)) free.push(i);
    const jobs: ImageJobRow[] = [];
    for (const idx of free) {
      const seed =
        chosen.seed === null ? randomSeed() : jobSeed(chosen.seed, chosen.seed_variation ?? undefined, idx);
      const id = newRowId();
      db.run(
        `INSERT INTO image_jobs (id, request_id, worker_id, model, idx, seed, status, started_at, deadline, upload_token, upload_expires_at)
         VALUES (?, ?, ?, ?, ?, ?, 'processing', ?, ?, ?, ?)`,
        id,
        chosen.id,
        worker.id,
        model,
        idx,
        seed,
        now,
        now + ttlS * 1000,
        newToken(),
        now + ttlS * 1000,
      );
      jobs.push(imageJobById(db, id)!);
    }
    const n = chosen.n - count;
    moveImageRequest(db, chosen, n > 0 ? 'queued' : 'processing', {
      n,
      popped: count,
      expiresAt: now + limits.requestTtlS * 1000,
    });
    const { cfg_scale, karras, ...rest } = p;
    const payload: ImageJobPayload = {
      ...(rest as Omit<ImageJobPayload, 'prompt' | 'ddim_steps' | 'n_iter' | 'batch_size' | 'seed'>),
      sampler_name: chosen.sampler as ImageJobPayload['sampler_name'],
      cfg_scale,
      karras,
      width: chosen.width,
      height: chosen.height,
      prompt: chosen.prompt,
      ddim_steps: chosen.steps,
      n_iter: count,
      batch_size: 1,
      // The AI Horde serialises the seed as a string, and sends the first job's seed for the batch.
      seed: String(jobs[0]!.seed),
      ...(chosen.seed_variation ? { seed_variation: chosen.seed_variation } : {}),
      ...(chosen.nsfw === 0 && chosen.censor_nsfw === 1 ? { use_nsfw_censor: true } : {}),
    };
    return { popped: { request: imageRequestById(db, chosen.id)!, jobs, model, payload }, skipped: {} };
  });
}

/** Whether an upload for `jobId` with `token` may be stored now: the job is processing, the token matches, unused and not expired. */
export function imageUploadAllowed(db: HordeDb, jobId: string, token: string, now: number): boolean {
  const j = imageJobById(db, jobId);
  return (
    !!j &&
    j.status === 'processing' &&
    j.upload_token !== null &&
    j.upload_token === token &&
    j.uploaded === 0 &&
    (j.upload_expires_at ?? 0) >= now
  );
}

/** Records the uploaded image of a job; the URL is single use, so the token is spent here. */
export function recordImageUpload(db: HordeDb, files: ImageFiles, jobId: string, bytes: Uint8Array): void {
  db.tx(() => {
    const name = `${jobId}.webp`;
    files.write(name, bytes);
    db.run('UPDATE image_jobs SET uploaded = 1, upload_token = NULL, file = ? WHERE id = ?', name, jobId);
  });
}

export interface SubmitImage {
  jobId: string;
  user: KeyHolder;
  /** The decoded image when the worker sent base64; undefined for "R2" (already uploaded). */
  image?: Uint8Array;
  r2: boolean;
  state: 'ok' | 'censored' | 'faulted' | 'csam';
  seed: number;
  genMetadata?: GenMetadata[];
}

/** The worker's reward and the requester's charge for one delivered image, milli-kudos. */
export function imagePayment(
  r: ImageRequestRow,
  job: Pick<ImageJobRow, 'model'>,
  worker: Pick<WorkerRow, 'bridge_agent'>,
  o: { censored: boolean; taxed: boolean },
): { reward: Milli; charge: Milli } {
  const p = paramsOf(r);
  const gen = toKudos(asMilli(r.kudos)) * baselineMultiplier(job.model, { hiresFix: p.hires_fix ?? false });
  const reward = fromKudos(gen * bridgeRewardMultiplier(worker.bridge_agent));
  if (o.censored) return { reward, charge: asMilli(0) };
  const burn = imageBurn(gen, {
    img2img: r.source_file !== null,
    postProcessing: p.post_processing,
    slowWorkers: r.slow_workers === 1,
    workerBlacklist: r.worker_blacklist === 1 && r.workers !== '[]',
  });
  return { reward, charge: fromKudos(burn + (o.taxed ? 0 : IMAGE_REQUEST_TAX)) };
}

export function submitImage(
  db: HordeDb,
  files: ImageFiles,
  s: SubmitImage,
  now: number,
  limits: ImageLimits,
): Milli {
  return db.tx(() => {
    const job = imageJobById(db, s.jobId);
    if (!job) throw invalidJobId(s.jobId);
    const worker = workerById(db, job.worker_id);
    if (!worker || worker.owner_id !== s.user.id) {
      throw new HordeError('WrongCredentials', 'Wrong credentials to submit as this worker.');
    }
    if (job.status === 'done') {
      throw new HordeError('DuplicateGen', `Processing Generation with ID ${job.id} already submitted.`);
    }
    if (job.status !== 'processing') {
      if (s.state === 'faulted') return asMilli(0);
      throw new HordeError(
        'AbortedGen',
        `Processing Generation with ID ${job.id} took too long to process and has been aborted! ` +
          'Please check your worker speed and do not onboard workers which generate slower than the horde allows.',
      );
    }
    const request = imageRequestById(db, job.request_id)!;
    if (s.state === 'faulted') {
      db.run(
        "UPDATE image_jobs SET status = 'faulted', state = 'faulted', submitted_at = ?, upload_token = NULL WHERE id = ?",
        now,
        job.id,
      );
      files.remove(job.file);
      recordAbort(db, worker.id, now, limits.ledger);
      faultImageSlot(db, request, now, limits);
      return asMilli(0);
    }
    const censored =
      s.state === 'censored' ||
      s.state === 'csam' ||
      (s.genMetadata ?? []).some((m) => m.type === 'censorship');
    let file = job.file;
    if (s.state === 'csam') {
      // Never kept.
      files.remove(file);
      file = null;
    } else if (!s.r2) {
      file = `${job.id}.webp`;
      files.write(file, s.image!);
    } else if (job.uploaded !== 1) {
      throw new HordeError(
        'BadRequest',
        `Generation "R2" for job ${job.id}, but nothing was uploaded to its r2_upload URL. PUT the image there first, or send it as base64.`,
      );
    }
    const { reward, charge } = imagePayment(request, job, worker, { censored, taxed: request.taxed === 1 });
    db.run(
      `UPDATE image_jobs SET status = 'done', submitted_at = ?, state = ?, censored = ?, seed = ?, gen_metadata = ?,
         file = ?, reward = ?, charge = ?, upload_token = NULL WHERE id = ?`,
      now,
      censored && s.state === 'ok' ? 'censored' : s.state,
      censored ? 1 : 0,
      s.seed,
      s.genMetadata ? JSON.stringify(s.genMetadata) : null,
      file,
      reward,
      charge,
      job.id,
    );
    const event = imageSettlement({
      key: `settle:${job.id}`,
      at: now,
      memo: `image ${job.idx + 1} of request ${request.id} by worker ${worker.name}${censored ? ' (censored: not charged)' : ''}`,
      requester: userAccount(request.user_id),
      workerOwner: userAccount(worker.owner_id),
      charge,
      reward,
      ...(request.hold_id ? { holdId: request.hold_id } : {}),
    });
    if (event) {
      // An untrusted owner has half of it held in evaluation, as for text and alchemy.
      const shared = withEvaluationShare(db, event, worker.owner_id);
      appendEvent(db, clipToCap(stateForEvent(db, shared), shared, limits.ledger), limits.ledger);
    }
    const mps = (request.width * request.height * accurateSteps(request.sampler, request.steps)) / 1e6;
    db.run(
      `UPDATE workers SET requests_fulfilled = requests_fulfilled + 1, kudos_generated = kudos_generated + ?,
         megapixelsteps_generated = megapixelsteps_generated + ?, seconds_working = seconds_working + ?,
         last_completed_at = ? WHERE id = ?`,
      reward,
      mps,
      Math.max(1, Math.round((now - job.started_at) / 1000)),
      now,
      worker.id,
    );
    bumpUserCounter(db, worker.owner_id, 'image_fulfilled', 1);
    promoteIfTrusted(db, worker.owner_id, now, limits.ledger);
    db.run(
      'UPDATE users SET megapixelsteps_generated = megapixelsteps_generated + ? WHERE id = ?',
      mps,
      worker.owner_id,
    );
    db.run(
      'UPDATE users SET megapixelsteps_used = megapixelsteps_used + ? WHERE id = ?',
      mps,
      request.user_id,
    );
    db.run(
      'UPDATE image_requests SET consumed = consumed + ?, taxed = CASE WHEN ? > 0 THEN 1 ELSE taxed END WHERE id = ?',
      charge,
      charge,
      request.id,
    );
    finishIfComplete(db, request.id, now, limits);
    return reward;
  });
}

/** A job failed (worker fault or time limit): its image goes back to the queue, or the request faults after `maxFaults`. */
function faultImageSlot(db: HordeDb, request: ImageRequestRow, now: number, limits: ImageLimits): void {
  const faults = request.faults + 1;
  if (request.status !== 'queued' && request.status !== 'processing') {
    db.run('UPDATE image_requests SET faults = ? WHERE id = ?', faults, request.id);
    finishIfComplete(db, request.id, now, limits);
    return;
  }
  if (faults >= limits.maxFaults) {
    moveImageRequest(db, request, 'faulted', { faults, n: 0 });
    endRequest(db, request, now, 'faulted', limits);
    return;
  }
  moveImageRequest(db, request, 'queued', { faults, requeueOne: true });
}

/**
 * The one writer of an image request's status: no other statement sets
 * `image_requests.status`. It moves the request with the counters that move
 * with it. Done, faulted and cancelled requests keep their results until they
 * expire; `expired` is final.
 */
function moveImageRequest(
  db: HordeDb,
  r: ImageRequestRow,
  to: ImageRequestRow['status'],
  also: { n?: number; requeueOne?: boolean; faults?: number; popped?: number; expiresAt?: number } = {},
): void {
  if (r.status === 'expired') throw new Error(`image request ${r.id} has expired: it cannot become ${to}`);
  db.run(
    `UPDATE image_requests SET status = :to,
       n = CASE WHEN :n IS NOT NULL THEN :n WHEN :requeue = 1 THEN n + 1 ELSE n END,
       faults = COALESCE(:faults, faults),
       popped = popped + :popped,
       expires_at = MAX(expires_at, COALESCE(:expires, expires_at))
     WHERE id = :id`,
    {
      to,
      n: also.n ?? null,
      requeue: also.requeueOne === true ? 1 : 0,
      faults: also.faults ?? null,
      popped: also.popped ?? 0,
      expires: also.expiresAt ?? null,
      id: r.id,
    },
  );
}

function processingCount(db: HordeDb, requestId: string): number {
  return (
    db.get<{ c: number }>(
      "SELECT COUNT(*) AS c FROM image_jobs INDEXED BY image_jobs_request WHERE request_id = ? AND status = 'processing'",
      requestId,
    )?.c ?? 0
  );
}

function finishIfComplete(db: HordeDb, requestId: string, now: number, limits: ImageLimits): void {
  const r = imageRequestById(db, requestId)!;
  if (r.n > 0 || processingCount(db, requestId) > 0) return;
  if (r.status === 'processing' || r.status === 'cancelled') {
    if (r.status === 'processing') moveImageRequest(db, r, 'done');
    endRequest(db, r, now, r.status === 'processing' ? 'done' : 'cancelled', limits);
  }
}

/** Releases the hold, and keeps the results for `requestTtlS` from now (then the request and its files expire). */
function endRequest(db: HordeDb, r: ImageRequestRow, now: number, why: string, limits: ImageLimits): void {
  if (r.hold_id) releaseHold(db, { holdId: r.hold_id, at: now, memo: `image request ${r.id} ${why}` });
  db.run('UPDATE image_requests SET expires_at = ? WHERE id = ?', now + limits.requestTtlS * 1000, r.id);
}

/** DELETE: no more images are handed out; images being made may still be delivered, and are paid. */
export function cancelImage(db: HordeDb, id: string, now: number, limits: ImageLimits): void {
  db.tx(() => {
    const r = imageRequestById(db, id);
    if (!r || r.status === 'expired') throw requestNotFound('Waiting Prompt', id);
    if (r.status !== 'queued' && r.status !== 'processing') return;
    moveImageRequest(db, r, 'cancelled', { n: 0 });
    if (processingCount(db, id) === 0) endRequest(db, r, now, 'cancelled', limits);
  });
}

/** Timeouts and expiry by the horde's clock; expired requests lose their files. */
export function sweepImages(
  db: HordeDb,
  files: ImageFiles,
  now: number,
  limits: ImageLimits,
): { abortedImageJobs: number; expiredImageRequests: number } {
  return db.tx(() => {
    const late = db.all<ImageJobRow>(
      "SELECT * FROM image_jobs WHERE status = 'processing' AND deadline < ?",
      now,
    );
    for (const job of late) {
      db.run("UPDATE image_jobs SET status = 'aborted', upload_token = NULL WHERE id = ?", job.id);
      files.remove(job.file);
      recordAbort(db, job.worker_id, now, limits.ledger);
      faultImageSlot(db, imageRequestById(db, job.request_id)!, now, limits);
    }
    const stale = db.all<ImageRequestRow>(
      // Every status but 'expired', named: `<>` would read the whole table instead of the (status, expires_at) index.
      "SELECT * FROM image_requests WHERE status IN ('queued', 'processing', 'done', 'faulted', 'cancelled') AND expires_at < ?",
      now,
    );
    for (const r of stale) {
      const jobs = db.all<Pick<ImageJobRow, 'file'>>(
        'SELECT file FROM image_jobs WHERE request_id = ?',
        r.id,
      );
      db.run(
        "UPDATE image_jobs SET status = 'aborted', upload_token = NULL WHERE request_id = ? AND status = 'processing'",
        r.id,
      );
      moveImageRequest(db, r, 'expired', { n: 0 });
      if (r.hold_id) releaseHold(db, { holdId: r.hold_id, at: now, memo: `image request ${r.id} expired` });
      for (const j of jobs) files.remove(j.file);
      files.remove(r.source_file);
      files.remove(r.mask_file);
    }
    return { abortedImageJobs: late.length, expiredImageRequests: stale.length };
  });
}

/** The check answer (no images); RequestNotFound for unknown or expired requests. */
export function imageCheck(db: HordeDb, id: string, now: number, limits: ImageLimits): ImageCheck {
  const r = imageRequestById(db, id);
  if (!r || r.status === 'expired') throw requestNotFound('Waiting Prompt', id);
  const counts = db.get<{ done: number; processing: number; restarted: number }>(
    `SELECT SUM(status = 'done') AS done, SUM(status = 'processing') AS processing,
       SUM(status IN ('aborted', 'faulted')) AS restarted FROM image_jobs WHERE request_id = ?`,
    id,
  );
  const finished = counts?.done ?? 0;
  const processing = counts?.processing ?? 0;
  const queued = r.status === 'queued';
  const ahead = queued ? queueAhead(db, r) : { position: 0, mps: 0 };
  const done =
    r.status === 'done' || r.status === 'faulted' || (r.status === 'cancelled' && processing === 0);
  return {
    finished,
    processing,
    restarted: counts?.restarted ?? 0,
    waiting: queued ? r.n : 0,
    done,
    faulted: r.status === 'faulted',
    wait_time: done ? 0 : waitTime(db, r, ahead.mps, processing, now, limits),
    queue_position: ahead.position,
    kudos: toKudos(asMilli(r.consumed)),
    is_possible: processing > 0 || !queued || hasServingImageWorker(db, r, now, limits.workerStaleS),
  };
}

const mpsOf = (r: Pick<ImageRequestRow, 'width' | 'height' | 'sampler' | 'steps'>, n: number): number =>
  (r.width * r.height * accurateSteps(r.sampler, r.steps) * n) / 1e6;

function queueAhead(db: HordeDb, r: ImageRequestRow): { position: number; mps: number } {
  const ahead = db.all<Pick<ImageRequestRow, 'width' | 'height' | 'sampler' | 'steps' | 'n'>>(
    `SELECT width, height, sampler, steps, n FROM image_requests
     WHERE status = 'queued' AND (extra_priority > ? OR (extra_priority = ? AND created_at < ?))`,
    r.extra_priority,
    r.extra_priority,
    r.created_at,
  );
  return { position: ahead.length + 1, mps: ahead.reduce((s, a) => s + mpsOf(a, a.n), 0) };
}

/** Seconds, from the megapixelsteps queued ahead and this request's own, over the online image workers' speed. */
function waitTime(
  db: HordeDb,
  r: ImageRequestRow,
  mpsAhead: number,
  processing: number,
  now: number,
  limits: ImageLimits,
): number {
  const online = onlineImageWorkers(db, now, limits.workerStaleS);
  const speed = Math.max(
    1,
    online.reduce((s, w) => s + workerSpeed(w) * w.threads, 0),
  );
  const mine = mpsOf(r, r.n + processing);
  return Math.round((mpsAhead + mine) / speed);
}

export type ImageWorkerRow = WorkerRow & {
  megapixelsteps_generated: number;
  max_pixels: number;
  image_options: string;
};

export function onlineImageWorkers(db: HordeDb, now: number, staleAfterS: number): ImageWorkerRow[] {
  return db.all<ImageWorkerRow>(
    "SELECT * FROM workers WHERE type = 'image' AND last_check_in >= ?",
    now - staleAfterS * 1000,
  );
}

export function imageOptionsOf(w: ImageWorkerRow): ImageWorkerOptions & { models: string[] } {
  const o = JSON.parse(w.image_options) as Partial<ImageWorkerOptions>;
  return {
    max_pixels: w.max_pixels,
    nsfw: w.nsfw === 1,
    extra_slow_worker: o.extra_slow_worker ?? false,
    require_upfront_kudos: o.require_upfront_kudos ?? false,
    allow_img2img: o.allow_img2img ?? true,
    allow_painting: o.allow_painting ?? true,
    allow_post_processing: o.allow_post_processing ?? true,
    allow_controlnet: o.allow_controlnet ?? false,
    allow_lora: o.allow_lora ?? false,
    limit_max_steps: o.limit_max_steps ?? false,
    blacklist: o.blacklist ?? [],
    models: JSON.parse(w.models) as string[],
  };
}

/** Whether an online image worker could serve the request, by the same check pop applies. */
export function hasServingImageWorker(
  db: HordeDb,
  r: ImageRequestRow,
  now: number,
  staleAfterS: number,
): boolean {
  return onlineImageWorkers(db, now, staleAfterS).some((w) => {
    if (!isOnline(w, now, staleAfterS) || w.maintenance === 1) return false;
    const owner = userById(db, w.owner_id);
    return whyNot(r, w, { ...imageOptionsOf(w), ownerTrusted: owner?.trusted === 1 }) === undefined;
  });
}

/** Done jobs of a request, in the order they were handed out. */
export function doneImageJobs(db: HordeDb, id: string): (ImageJobRow & { worker_name: string | null })[] {
  return db.all<ImageJobRow & { worker_name: string | null }>(
    `SELECT j.*, w.name AS worker_name FROM image_jobs j LEFT JOIN workers w ON w.id = j.worker_id
     WHERE j.request_id = ? AND j.status = 'done' ORDER BY j.idx`,
    id,
  );
}
