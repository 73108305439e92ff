import { estimateTextWait, type ServingWorker } from './wait-estimate';
import { asMilli, toKudos, type Milli } from '../../../shared/ledger/money';
import { quickTokenCount } from '../../../shared/kudos/pricing';
import { compareQueue } from '../../../shared/kudos/priority';
import type { TextGeneration, TextJobPayload, TextStatus } from '../../../shared/api/text';
import { HordeError } from '../../../shared/api/horde-error';
import { invalidJobId, requestNotFound } from '../errors';
import { textResultProblem } from '../../../shared/kudos/results';
import type { FairRules } from './fair';
import { promoteIfTrusted } from './evaluation';
import { queueAhead } from './positions';
import type { HordeDb } from './db';
import { newRowId } from './ids';
import { releaseHold, settleJob } from './kudos';
import { bumpUserCounter, bumpUserCounters, type KeyHolder } from './users';
import { recordAbort, recordFulfilment, workerById, type WorkerRow } from './workers';

/**
 * The text queue: waiting prompts (`text_requests`) and the processing
 * generations handed to workers (`text_jobs`), with the AI Horde's
 * lifecycle: a job not submitted within its ttl is aborted unpaid and its
 * slot requeued; three faults fault the request; a request not served for
 * 20 minutes expires; every end releases the request's upfront hold.
 */

export interface TextRequestRow {
  id: string;
  user_id: number;
  prompt: string;
  params: string;
  models: string;
  workers: string;
  worker_blacklist: number;
  softprompt: string | null;
  max_length: number;
  max_context_length: number;
  n: number;
  jobs: number;
  status: 'queued' | 'processing' | 'done' | 'faulted' | 'cancelled' | 'expired';
  extra_priority: number;
  created_at: number;
  expires_at: number;
  kudos_per_job: number;
  consumed: number;
  faults: number;
  hold_id: string | null;
  hold_amount: number;
  client_agent: string | null;
}

export interface TextJobRow {
  id: string;
  request_id: string;
  worker_id: string;
  model: string;
  status: 'processing' | 'done' | 'faulted' | 'aborted';
  started_at: number;
  deadline: number;
  submitted_at: number | null;
  generation: string | null;
  state: string | null;
  seed: number | null;
  gen_metadata: string | null;
  reward: number;
}

export interface LifecycleLimits {
  /** Seconds a popped text job may take before it is aborted and requeued (150 on the AI Horde). */
  textJobTtlS: number;
  /** Seconds a request lives without being served (20 min on the AI Horde); each pop renews it. */
  requestTtlS: number;
  /** Faulted or aborted jobs after which the whole request is faulted. */
  maxFaults: number;
  /** Seconds without check-in after which a worker is stale. */
  workerStaleS: number;
  /** Rules for earnings: the per-user kudos cap, trust and evaluation, flag thresholds. */
  ledger: FairRules;
}

export interface NewTextRequest {
  user: KeyHolder;
  prompt: string;
  /** Sampler params as the worker will receive them (without prompt and n). */
  params: Record<string, unknown>;
  models: string[];
  workers: string[];
  workerBlacklist: boolean;
  softprompt?: string;
  n: number;
  maxLength: number;
  maxContextLength: number;
  extraPriority: number;
  kudosPerJob: Milli;
  hold?: { holdId: string; amount: Milli };
  clientAgent?: string;
  /** The address the request came from, for the anonymous share per address (fair-share.ts). */
  clientIp?: string;
}

export function enqueueText(db: HordeDb, r: NewTextRequest, now: number, limits: LifecycleLimits): string {
  return insertTextRequest(db, r, now, limits).id;
}

/** `enqueueText`, answering the row as it was stored (the async route reads it without reading it back). */
export function insertTextRequest(
  db: HordeDb,
  r: NewTextRequest,
  now: number,
  limits: LifecycleLimits,
): TextRequestRow {
  const row: TextRequestRow = {
    id: newRowId(),
    user_id: r.user.id,
    prompt: r.prompt,
    params: JSON.stringify(r.params),
    models: JSON.stringify(r.models),
    workers: JSON.stringify(r.workers),
    worker_blacklist: r.workerBlacklist ? 1 : 0,
    softprompt: r.softprompt ?? null,
    max_length: r.maxLength,
    max_context_length: r.maxContextLength,
    n: r.n,
    jobs: r.n,
    status: 'queued',
    extra_priority: r.extraPriority,
    created_at: now,
    expires_at: now + limits.requestTtlS * 1000,
    kudos_per_job: r.kudosPerJob,
    consumed: 0,
    faults: 0,
    hold_id: r.hold?.holdId ?? null,
    hold_amount: r.hold?.amount ?? 0,
    client_agent: r.clientAgent ?? null,
  };
  db.run(
    `INSERT INTO text_requests (id, user_id, prompt, params, models, workers, worker_blacklist, softprompt, max_length,
       max_context_length, n, jobs, status, extra_priority, created_at, expires_at, kudos_per_job, hold_id, hold_amount, client_agent,
       client_ip)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    row.id,
    row.user_id,
    row.prompt,
    row.params,
    row.models,
    row.workers,
    row.worker_blacklist,
    row.softprompt,
    row.max_length,
    row.max_context_length,
    row.n,
    row.jobs,
    row.status,
    row.extra_priority,
    row.created_at,
    row.expires_at,
    row.kudos_per_job,
    row.hold_id,
    row.hold_amount,
    row.client_agent,
    r.clientIp ?? null,
  );
  bumpUserCounter(db, r.user.id, 'text_requests', 1);
  insertQueueRows(db, row);
  return row;
}

export function textRequestById(db: HordeDb, id: string): TextRequestRow | undefined {
  return db.get<TextRequestRow>('SELECT * FROM text_requests WHERE id = ?', id);
}

export function queuedTextRequests(db: HordeDb): number {
  // Kept by triggers (migration 4), so admission does not count the whole queue.
  return db.get<{ n: number }>("SELECT n FROM queue_counts WHERE kind = 'text'")?.n ?? 0;
}

type TextRequestStatus = TextRequestRow['status'];
const FINAL_TEXT_STATUSES: ReadonlySet<TextRequestStatus> = new Set([
  'done',
  'faulted',
  'cancelled',
  'expired',
]);

/**
 * The one writer of a text request's status: no other statement sets
 * `text_requests.status`. It moves the request (with the counters that move
 * with it), keeps the pop index in step, and on a final status releases the
 * upfront hold. A final status never changes again.
 */
function moveTextRequest(
  db: HordeDb,
  r: TextRequestRow,
  to: TextRequestStatus,
  now: number,
  also: { n?: number; requeueOne?: boolean; faults?: number; expiresAt?: number; consumed?: Milli } = {},
): void {
  if (FINAL_TEXT_STATUSES.has(r.status))
    throw new Error(`text request ${r.id} is ${r.status}: it cannot become ${to}`);
  db.run(
    `UPDATE text_requests SET status = :to,
       n = CASE WHEN :n IS NOT NULL THEN :n WHEN :requeue = 1 THEN n + 1 ELSE n END,
       faults = COALESCE(:faults, faults),
       expires_at = MAX(expires_at, COALESCE(:expires, expires_at)),
       consumed = consumed + :consumed
     WHERE id = :id`,
    {
      to,
      n: also.n ?? null,
      requeue: also.requeueOne === true ? 1 : 0,
      faults: also.faults ?? null,
      expires: also.expiresAt ?? null,
      consumed: also.consumed ?? 0,
      id: r.id,
    },
  );
  // Queue rows exist exactly while a request is queued: a move between two other statuses (a
  // submit's processing -> done) has none to delete.
  if (to === 'queued' || r.status === 'queued') syncQueue(db, r.id, to);
  if (FINAL_TEXT_STATUSES.has(to)) endRequest(db, r, now, to);
}

/**
 * Keeps `text_queue` (the pop index, one row per accepted model) in step with
 * the request: rows exist exactly while the request is `queued`. Called by the
 * status writer (moveTextRequest) after every change of a request's status.
 */
function syncQueue(db: HordeDb, requestId: string, written?: TextRequestStatus): void {
  // A status just written other than 'queued' needs no read: the rows go.
  const r = written === undefined || written === 'queued' ? textRequestById(db, requestId) : undefined;
  if (!r || r.status !== 'queued') {
    db.run('DELETE FROM text_queue WHERE request_id = ?', requestId);
    return;
  }
  insertQueueRows(db, r);
}

/** The pop index rows of a queued request, one per model it accepts ('' for any). */
function insertQueueRows(db: HordeDb, r: TextRequestRow): void {
  const models = JSON.parse(r.models) as string[];
  for (const model of models.length === 0 ? [''] : models) {
    db.run(
      `INSERT OR IGNORE INTO text_queue (request_id, model, user_id, extra_priority, created_at, max_length, max_context_length, targeted)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      r.id,
      model,
      r.user_id,
      r.extra_priority,
      r.created_at,
      r.max_length,
      r.max_context_length,
      r.workers === '[]' ? 0 : 1,
    );
  }
}

/** The rest of the fit, for the rows the model index hands over. Worker lists are rare, so they are checked row by row. */
const FIT_SQL = `q.max_length <= :max_length AND q.max_context_length <= :max_context_length
  AND (q.targeted = 0 OR (SELECT (r.worker_blacklist = 0) = EXISTS (SELECT 1 FROM json_each(r.workers) w WHERE w.value = :worker_id)
       FROM text_requests r WHERE r.id = q.request_id))`;

interface QueueHead {
  request_id: string;
  extra_priority: number;
  created_at: number;
}

/**
 * The best queued request for one model ('' = requests accepting any model), of one user when
 * `user` is given: a walk of one index in queue order that stops at the first fit.
 */
function headFor(
  db: HordeDb,
  model: string,
  params: Record<string, string | number>,
  user?: number,
): QueueHead | undefined {
  if (user !== undefined) {
    return db.get<QueueHead>(
      `SELECT q.request_id, q.extra_priority, q.created_at FROM text_queue q INDEXED BY text_queue_user
       WHERE q.user_id = :user AND q.model = :model AND ${FIT_SQL}
       ORDER BY q.extra_priority DESC, q.created_at LIMIT 1`,
      { ...params, model, user },
    );
  }
  return db.get<QueueHead>(
    `SELECT q.request_id, q.extra_priority, q.created_at FROM text_queue q INDEXED BY text_queue_pop
     WHERE q.model = :model AND ${FIT_SQL}
     ORDER BY q.extra_priority DESC, q.created_at LIMIT 1`,
    { ...params, model },
  );
}

/**
 * Highest priority, then oldest, across the heads of the worker's models (and of each of
 * `users`, when given). One walk per user: a single query over a list of users sorted every
 * queued request of theirs for each pop, and a priority user may have thousands.
 */
function bestHead(
  db: HordeDb,
  models: string[],
  params: Record<string, string | number>,
  users?: number[],
): QueueHead | undefined {
  let best: QueueHead | undefined;
  for (const model of new Set([...models, ''])) {
    for (const user of users ? new Set(users) : [undefined]) {
      const head = headFor(db, model, params, user);
      if (!head) continue;
      if (
        !best ||
        compareQueue(
          { extraPriority: head.extra_priority, createdAt: head.created_at },
          { extraPriority: best.extra_priority, createdAt: best.created_at },
        ) < 0
      ) {
        best = head;
      }
    }
  }
  return best;
}

export interface PopOptions {
  models: string[];
  maxLength: number;
  maxContextLength: number;
  amount: number;
  /** Users whose requests this worker serves first (its owner and `priority_usernames`). */
  priorityUserIds: number[];
  /** Serve only the priority users (a worker in maintenance serves only its owner). */
  onlyPriority?: boolean;
}

export interface PoppedText {
  request: TextRequestRow;
  jobIds: string[];
  model: string;
  payload: TextJobPayload;
}

export type TextSkipped = Partial<
  Record<'models' | 'max_length' | 'max_context_length' | 'worker_id', number>
>;

/** How many queued rows pop looks at to explain an empty answer (`skipped`). */
const SKIPPED_SAMPLE = 500;

export function popText(
  db: HordeDb,
  worker: WorkerRow,
  o: PopOptions,
  now: number,
  limits: LifecycleLimits,
): { popped?: PoppedText; skipped: TextSkipped } {
  return db.tx(() => {
    const params = { max_length: o.maxLength, max_context_length: o.maxContextLength, worker_id: worker.id };
    let head = o.priorityUserIds.length > 0 ? bestHead(db, o.models, params, o.priorityUserIds) : undefined;
    if (!head && !o.onlyPriority) head = bestHead(db, o.models, params);
    const row = head ? textRequestById(db, head.request_id) : undefined;
    if (!row) return { skipped: explainSkipped(db, worker, o) };

    const count = Math.min(o.amount, row.n);
    const requested = JSON.parse(row.models) as string[];
    const model =
      requested.length === 0
        ? (o.models[0] ?? 'unknown')
        : (o.models.find((m) => requested.includes(m)) ?? o.models[0] ?? 'unknown');
    const jobIds: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = newRowId();
      db.run(
        `INSERT INTO text_jobs (id, request_id, worker_id, model, status, started_at, deadline) VALUES (?, ?, ?, ?, 'processing', ?, ?)`,
        id,
        row.id,
        worker.id,
        model,
        now,
        now + limits.textJobTtlS * 1000,
      );
      jobIds.push(id);
    }
    const n = row.n - count;
    moveTextRequest(db, row, n > 0 ? 'queued' : 'processing', now, {
      n,
      expiresAt: now + limits.requestTtlS * 1000,
    });
    const payload: TextJobPayload = {
      ...(JSON.parse(row.params) as Record<string, unknown>),
      prompt: row.prompt,
      n: 1,
      max_length: row.max_length,
      max_context_length: row.max_context_length,
    };
    return { popped: { request: row, jobIds, model, payload }, skipped: {} };
  });
}

function explainSkipped(db: HordeDb, worker: WorkerRow, o: PopOptions): TextSkipped {
  const sample = db.all<
    Pick<TextRequestRow, 'max_length' | 'max_context_length' | 'models' | 'workers' | 'worker_blacklist'>
  >(
    `SELECT max_length, max_context_length, models, workers, worker_blacklist FROM text_requests
     WHERE status = 'queued' ORDER BY extra_priority DESC, created_at LIMIT ?`,
    SKIPPED_SAMPLE,
  );
  const skipped: TextSkipped = {};
  const bump = (k: keyof TextSkipped): void => {
    skipped[k] = (skipped[k] ?? 0) + 1;
  };
  for (const r of sample) {
    const models = JSON.parse(r.models) as string[];
    const workers = JSON.parse(r.workers) as string[];
    if (workers.length > 0 && workers.includes(worker.id) === (r.worker_blacklist === 1)) bump('worker_id');
    else if (models.length > 0 && !models.some((m) => o.models.includes(m))) bump('models');
    else if (r.max_context_length > o.maxContextLength) bump('max_context_length');
    else if (r.max_length > o.maxLength) bump('max_length');
  }
  return skipped;
}

export interface SubmitText {
  jobId: string;
  user: KeyHolder;
  generation: string;
  state: 'ok' | 'censored' | 'faulted' | 'csam';
  seed: number;
  genMetadata?: unknown[];
}

/**
 * Records a worker's generation and settles it, exactly once: the job row
 * moves out of `processing` in the same transaction as the ledger event, and
 * the event's key is the job id. Returns the reward in milli-kudos.
 */
export function submitText(db: HordeDb, s: SubmitText, now: number, limits: LifecycleLimits): Milli {
  return db.tx(() => {
    const job = db.get<TextJobRow>('SELECT * FROM text_jobs WHERE id = ?', s.jobId);
    if (!job) throw invalidJobId(s.jobId);
    const worker = workerById(db, job.worker_id);
    if (!worker || worker.owner_id !== s.user.id) {
      throw new HordeError('WrongCredentials', 'Wrong credentials to submit as this worker.');
    }
    if (job.status === 'done') {
      throw new HordeError('DuplicateGen', `Processing Generation with ID ${job.id} already submitted.`);
    }
    if (job.status !== 'processing') {
      // The AI Horde answers a worker that reports its own fault on an aborted job with reward 0, not an error.
      if (s.state === 'faulted') return asMilli(0);
      throw new HordeError(
        'AbortedGen',
        `Processing Generation with ID ${job.id} took too long to process and has been aborted! ` +
          `Please check your worker speed and do not onboard worker which generate slower than the horde allows (${limits.textJobTtlS} seconds).`,
      );
    }
    const request = textRequestById(db, job.request_id)!;
    if (s.state === 'faulted') {
      db.run(
        "UPDATE text_jobs SET status = 'faulted', submitted_at = ?, state = 'faulted' WHERE id = ?",
        now,
        job.id,
      );
      recordAbort(db, worker.id, now, limits.ledger);
      faultJobSlot(db, request, now, limits);
      return asMilli(0);
    }
    // Larger than the request allows: refused and not paid; the job stays open for a proper submit until its ttl.
    const tooLong = textResultProblem(s.generation, request.max_length);
    if (tooLong) throw new HordeError('TooLong', tooLong);
    const reward = asMilli(request.kudos_per_job);
    db.run(
      `UPDATE text_jobs SET status = 'done', submitted_at = ?, generation = ?, state = ?, seed = ?, gen_metadata = ?, reward = ? WHERE id = ?`,
      now,
      s.generation,
      s.state,
      s.seed,
      s.genMetadata ? JSON.stringify(s.genMetadata) : null,
      reward,
      job.id,
    );
    settleJob(
      db,
      {
        jobId: job.id,
        requesterId: request.user_id,
        workerOwnerId: worker.owner_id,
        amount: reward,
        at: now,
        memo: `text job ${job.id} of request ${request.id} by worker ${worker.name}`,
        holdId: request.hold_id,
      },
      limits.ledger,
    );
    const tokens = quickTokenCount(s.generation, request.max_length);
    recordFulfilment(db, worker.id, reward, tokens, (now - job.started_at) / 1000, now);
    bumpUserCounters(db, worker.owner_id, { text_fulfilled: 1, tokens_contributed: tokens });
    bumpUserCounter(db, request.user_id, 'tokens_used', tokens);
    // The submitter is the owner (checked above), read in this tick; only a promotion changes `trusted`.
    if (s.user.trusted !== 1) promoteIfTrusted(db, worker.owner_id, now, limits.ledger);
    // The request's last job finishing it pays in the same statement that marks it done.
    if (!finishIfComplete(db, request, now, reward))
      db.run('UPDATE text_requests SET consumed = consumed + ? WHERE id = ?', reward, request.id);
    return reward;
  });
}

/** A job slot failed (worker fault or timeout): requeue it, or fault the request after `maxFaults`. */
function faultJobSlot(db: HordeDb, request: TextRequestRow, now: number, limits: LifecycleLimits): void {
  const faults = request.faults + 1;
  if (request.status !== 'queued' && request.status !== 'processing') {
    db.run('UPDATE text_requests SET faults = ? WHERE id = ?', faults, request.id);
    finishIfComplete(db, request, now);
    return;
  }
  if (faults >= limits.maxFaults) {
    moveTextRequest(db, request, 'faulted', now, { faults, n: 0 });
    return;
  }
  moveTextRequest(db, request, 'queued', now, { faults, requeueOne: true });
}

function processingCount(db: HordeDb, requestId: string): number {
  return (
    db.get<{ c: number }>(
      // By the request's own few jobs: SQLite's own pick, the status index, walks every processing job.
      "SELECT COUNT(*) AS c FROM text_jobs INDEXED BY text_jobs_request WHERE request_id = ? AND status = 'processing'",
      requestId,
    )?.c ?? 0
  );
}

/**
 * Moves `r` to done when nothing of it is left to hand out or running, and says whether it did;
 * `consumed` (a submit's reward) is added in the same statement. `r` as read in this transaction:
 * its status and `n` are what they were (a fault changes only `faults` before this), so the row
 * is not read again.
 */
function finishIfComplete(db: HordeDb, r: TextRequestRow, now: number, consumed?: Milli): boolean {
  if (r.n > 0 || r.status !== 'processing' || processingCount(db, r.id) > 0) return false;
  moveTextRequest(db, r, 'done', now, consumed !== undefined ? { consumed } : {});
  return true;
}

function endRequest(db: HordeDb, r: TextRequestRow, now: number, why: string): void {
  if (r.hold_id) releaseHold(db, { holdId: r.hold_id, at: now, memo: `request ${r.id} ${why}` });
}

/** DELETE: stop handing out the request's remaining generations; what was generated stays (and is paid). */
export function cancelText(db: HordeDb, id: string, now: number): void {
  db.tx(() => {
    const r = textRequestById(db, id);
    if (!r || r.status === 'expired') throw requestNotFound('Text Waiting Prompt', id);
    if (r.status !== 'queued' && r.status !== 'processing') return;
    moveTextRequest(db, r, 'cancelled', now, { n: 0 });
  });
}

export interface SweepCounts {
  abortedJobs: number;
  expiredRequests: number;
}

/** Timeouts and expiry, by the horde's clock. Indexed on (status, deadline) and (status, expires_at). */
export function sweepText(db: HordeDb, now: number, limits: LifecycleLimits): SweepCounts {
  return db.tx(() => {
    const late = db.all<TextJobRow>(
      "SELECT * FROM text_jobs WHERE status = 'processing' AND deadline < ?",
      now,
    );
    for (const job of late) {
      db.run("UPDATE text_jobs SET status = 'aborted' WHERE id = ?", job.id);
      recordAbort(db, job.worker_id, now, limits.ledger);
      faultJobSlot(db, textRequestById(db, job.request_id)!, now, limits);
    }
    const stale = db.all<TextRequestRow>(
      "SELECT * FROM text_requests WHERE status IN ('queued', 'processing') AND expires_at < ?",
      now,
    );
    for (const r of stale) {
      db.run(
        "UPDATE text_jobs INDEXED BY text_jobs_request SET status = 'aborted' WHERE request_id = ? AND status = 'processing'",
        r.id,
      );
      moveTextRequest(db, r, 'expired', now, { n: 0 });
    }
    return { abortedJobs: late.length, expiredRequests: stale.length };
  });
}

/** The status answer; throws RequestNotFound for unknown or expired requests, as the AI Horde (which deletes them) does. */
export function textStatus(db: HordeDb, id: string, now: number, limits: LifecycleLimits): TextStatus {
  const r = textRequestById(db, id);
  if (!r || r.status === 'expired') throw requestNotFound('Text Waiting Prompt (Status)', id);
  const jobs = db.all<TextJobRow & { worker_name: string | null }>(
    `SELECT j.*, w.name AS worker_name FROM text_jobs j LEFT JOIN workers w ON w.id = j.worker_id
     WHERE j.request_id = ? ORDER BY j.started_at`,
    id,
  );
  const finished = jobs.filter((j) => j.status === 'done').length;
  const processing = jobs.filter((j) => j.status === 'processing').length;
  const restarted = jobs.filter((j) => j.status === 'aborted' || j.status === 'faulted').length;
  const done =
    r.status === 'done' || r.status === 'faulted' || (r.status === 'cancelled' && processing === 0);
  const generations: TextGeneration[] = jobs
    .filter((j) => j.status === 'done')
    .map((j) => ({
      worker_id: j.worker_id,
      worker_name: j.worker_name ?? '',
      model: j.model,
      state: (j.state ?? 'ok') as TextGeneration['state'],
      text: j.generation ?? '',
      seed: j.seed ?? 0,
      ...(j.gen_metadata
        ? { gen_metadata: JSON.parse(j.gen_metadata) as TextGeneration['gen_metadata'] }
        : {}),
    }));
  const { position, tokensAhead } =
    r.status === 'queued' ? queueAhead(db, r, now) : { position: 0, tokensAhead: 0 };
  const possible =
    processing > 0 || r.status !== 'queued' || hasServingWorker(db, r, now, limits.workerStaleS);
  return {
    finished,
    processing,
    restarted,
    waiting: r.status === 'queued' ? r.n : 0,
    done,
    faulted: r.status === 'faulted',
    wait_time: waitTime(db, r, tokensAhead, processing, now, limits),
    queue_position: position,
    kudos: toKudos(asMilli(r.consumed)),
    is_possible: possible,
    generations,
  };
}

/** Seconds, from the tokens queued ahead and the speed of the workers that can serve it (wait-estimate.ts). */
function waitTime(
  db: HordeDb,
  r: TextRequestRow,
  tokensAhead: number,
  processing: number,
  now: number,
  limits: LifecycleLimits,
): number {
  if (r.status !== 'queued' && processing === 0) return 0;
  const running = db.get<{ started: number | null }>(
    "SELECT MIN(started_at) AS started FROM text_jobs INDEXED BY text_jobs_request WHERE request_id = ? AND status = 'processing'",
    r.id,
  );
  return estimateTextWait({
    tokensAhead,
    ownTokens: r.max_length * Math.max(r.n, processing > 0 ? 1 : 0),
    runningSeconds: r.n === 0 && running?.started != null ? Math.max(0, (now - running.started) / 1000) : 0,
    workers: servingWorkers(db, r, now, limits.workerStaleS),
  });
}

/** The figures of the online workers that could serve the request (the same rule as hasServingWorker). */
function servingWorkers(db: HordeDb, r: TextRequestRow, now: number, staleAfterS: number): ServingWorker[] {
  return db
    .all<{ t: number; s: number; f: number; m: number }>(
      `SELECT w.tokens_generated AS t, w.seconds_working AS s, w.requests_fulfilled AS f, w.max_length AS m
       FROM workers w INDEXED BY workers_check_in
       WHERE w.type = 'text' AND w.last_check_in >= :since AND w.maintenance = 0
         AND w.max_length >= :max_length AND w.max_context_length >= :max_context_length
         AND (:models = '[]' OR EXISTS (SELECT 1 FROM json_each(w.models) m WHERE m.value IN (SELECT value FROM json_each(:models))))
         AND (:only = '[]' OR (w.id IN (SELECT value FROM json_each(:only))) <> :blacklist)`,
      {
        since: now - staleAfterS * 1000,
        max_length: r.max_length,
        max_context_length: r.max_context_length,
        models: r.models,
        only: r.workers,
        blacklist: r.worker_blacklist === 1 ? 1 : 0,
      },
    )
    .map((w) => ({ tokensGenerated: w.t, secondsWorking: w.s, requestsFulfilled: w.f, maxLength: w.m }));
}

/**
 * Whether an online text worker could serve the request: one query that stops
 * at the first fitting worker (a status poll used to read every online worker).
 */
export function hasServingWorker(db: HordeDb, r: TextRequestRow, now: number, staleAfterS: number): boolean {
  return (
    db.get(
      `SELECT 1 FROM workers w INDEXED BY workers_check_in
       WHERE w.type = 'text' AND w.last_check_in >= :since AND w.maintenance = 0
         AND w.max_length >= :max_length AND w.max_context_length >= :max_context_length
         AND (:models = '[]' OR EXISTS (SELECT 1 FROM json_each(w.models) m WHERE m.value IN (SELECT value FROM json_each(:models))))
         AND (:only = '[]' OR (w.id IN (SELECT value FROM json_each(:only))) <> :blacklist)
       LIMIT 1`,
      {
        since: now - staleAfterS * 1000,
        max_length: r.max_length,
        max_context_length: r.max_context_length,
        models: r.models,
        only: r.workers,
        blacklist: r.worker_blacklist === 1 ? 1 : 0,
      },
    ) !== undefined
  );
}
