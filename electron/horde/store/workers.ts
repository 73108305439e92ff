import { randomUUID } from 'node:crypto';
import { toKudos, fromKudos, asMilli } from '../../../shared/ledger/money';
import {
  accruePooledUptime,
  accrueUptime,
  isProvenWorker,
  uptimeReward,
  type UptimeState,
} from '../../../shared/kudos/uptime';
import type { WorkerDetails } from '../../../shared/api/workers';
import { HordeError } from '../../../shared/api/horde-error';
import type { HordeDb } from './db';
import { uptimeCredit } from './kudos';
import { DAY_MS, fair, type FairRules } from './fair';
import { noteAddress, noteUnfinishedJob } from './flags';
import { promoteIfTrusted } from './evaluation';
import { usernameOf, userById, type KeyHolder } from './users';

export type WorkerKind = 'text' | 'interrogation' | 'image';

export interface WorkerRow {
  id: string;
  name: string;
  type: WorkerKind;
  owner_id: number;
  created_at: number;
  last_check_in: number;
  uptime_s: number;
  reward_uptime_s: number;
  models: string;
  forms: string;
  max_length: number;
  max_context_length: number;
  threads: number;
  bridge_agent: string;
  nsfw: number;
  maintenance: number;
  maintenance_msg: string | null;
  paused: number;
  info: string | null;
  kudos_generated: number;
  kudos_uptime: number;
  requests_fulfilled: number;
  uncompleted_jobs: number;
  tokens_generated: number;
  seconds_working: number;
  last_completed_at: number | null;
  ipaddr: string | null;
}

/** An interrogation worker's uptime reward per interval (InterrogationWorker.calculate_uptime_reward). */
const ALCHEMIST_UPTIME_KUDOS = 40;
/** An image worker's: 50 + 2 per model (ImageWorker.calculate_uptime_reward; +30 with LoRA, which no worker here offers). */
const imageUptimeKudos = (models: number): number => 50 + 2 * models;

export interface CheckIn {
  user: KeyHolder;
  name: string;
  type: WorkerKind;
  models?: string[];
  forms?: string[];
  maxLength?: number;
  maxContextLength?: number;
  threads: number;
  bridgeAgent: string;
  nsfw?: boolean;
  /** The address the check-in came from (flagging: several accounts on one address). */
  ip?: string;
}

export function workerById(db: HordeDb, id: string): WorkerRow | undefined {
  return db.get<WorkerRow>('SELECT * FROM workers WHERE id = ?', id);
}

interface PoolRow {
  last_check_in: number | null;
  uptime_s: number;
  reward_uptime_s: number;
}

function poolOf(db: HordeDb, userId: number, type: WorkerKind): UptimeState {
  const p = db.get<PoolRow>('SELECT * FROM uptime_pools WHERE user_id = ? AND type = ?', userId, type);
  if (!p) return { uptimeS: 0, lastRewardUptimeS: 0 };
  return {
    ...(p.last_check_in !== null ? { lastCheckinAt: p.last_check_in } : {}),
    uptimeS: p.uptime_s,
    lastRewardUptimeS: p.reward_uptime_s,
  };
}

function savePool(db: HordeDb, userId: number, type: WorkerKind, p: UptimeState): void {
  db.run(
    `INSERT INTO uptime_pools (user_id, type, last_check_in, uptime_s, reward_uptime_s) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(user_id, type) DO UPDATE SET last_check_in = excluded.last_check_in,
       uptime_s = excluded.uptime_s, reward_uptime_s = excluded.reward_uptime_s`,
    userId,
    type,
    p.lastCheckinAt ?? null,
    // Fractional seconds (a REAL in the column): rounding at each check-in lost up to half a second per pop.
    p.uptimeS,
    p.lastRewardUptimeS,
  );
}

/**
 * A new worker must fit the owner's worker count (workers seen within a day):
 * 3 while untrusted, 20 once trusted, as the AI Horde bounds them.
 */
function checkWorkerCount(db: HordeDb, user: KeyHolder, now: number, rules: FairRules): void {
  const seen = db.get<{ n: number }>(
    'SELECT COUNT(*) AS n FROM workers WHERE owner_id = ? AND last_check_in >= ?',
    user.id,
    now - DAY_MS,
  );
  const count = seen?.n ?? 0;
  if (user.trusted !== 1 && count >= fair(rules, 'maxWorkersUntrusted')) {
    throw new HordeError(
      'TooManyWorkers',
      `To avoid abuse, untrusted users can only have up to ${fair(rules, 'maxWorkersUntrusted')} distinct workers.`,
    );
  }
  if (count >= fair(rules, 'maxWorkersTrusted')) {
    throw new HordeError(
      'TooManyWorkersTrusted',
      `To avoid abuse, you cannot onboard more than ${fair(rules, 'maxWorkersTrusted')} workers. Ask the horde's admin to adjust.`,
    );
  }
}

/**
 * A pop is the worker's check-in (as on the AI Horde): it creates the worker
 * on first sight (within the owner's worker count), records what it serves,
 * and counts uptime. Uptime pays by `accruePooledUptime`: a worker that
 * completed a job within the last day counts its own, the others of one owner
 * share one count, so workers that only pop earn together what one worker
 * earns. The reward credits no more context than the model holds; an
 * untrusted owner's goes into evaluation; a flagged owner, a paused worker or
 * one in maintenance earns none.
 */
export function checkIn(
  db: HordeDb,
  c: CheckIn,
  now: number,
  staleAfterS: number,
  rules: FairRules = {},
): WorkerRow {
  return db.tx(() => {
    let w = db.get<WorkerRow>('SELECT * FROM workers WHERE name = ?', c.name);
    if (w && w.type !== c.type) {
      throw new HordeError(
        'PolymorphicNameConflict',
        `The specified name '${c.name}' is already taken by a different type of worker. Please choose a different name!`,
      );
    }
    if (w && w.owner_id !== c.user.id) {
      throw new HordeError('WrongCredentials', 'Wrong credentials to submit as this worker.');
    }
    const fresh = !w;
    if (!w) {
      checkWorkerCount(db, c.user, now, rules);
      const id = randomUUID();
      db.run(
        'INSERT INTO workers (id, name, type, owner_id, created_at, last_check_in) VALUES (?, ?, ?, ?, ?, ?)',
        id,
        c.name,
        c.type,
        c.user.id,
        now,
        now,
      );
      w = workerById(db, id)!;
    }
    const paused = w.paused === 1 || w.maintenance === 1;
    const unwritten = unwrittenOf(db);
    const poolKey = `${w.owner_id}:${c.type}`;
    // The last check-in left unwritten counts first, as it would have had it been written (see `unchanged`).
    const stored: UptimeState = {
      ...(fresh ? {} : { lastCheckinAt: w.last_check_in }),
      uptimeS: w.uptime_s,
      lastRewardUptimeS: w.reward_uptime_s,
    };
    const workerState = withUnwritten(stored, unwritten.get(w.id), staleAfterS);
    const storedPool = poolOf(db, w.owner_id, c.type);
    const poolState = withUnwritten(storedPool, unwritten.get(poolKey), staleAfterS);
    const accrual = accruePooledUptime(
      {
        worker: workerState,
        pool: poolState,
        proven: isProvenWorker(w.last_completed_at, now),
        paused,
      },
      now,
      staleAfterS,
    );
    const models = c.models ?? [];
    const noReset =
      accrual.worker.lastRewardUptimeS === workerState.lastRewardUptimeS &&
      accrual.pool.lastRewardUptimeS === poolState.lastRewardUptimeS;
    if (!fresh && !paused && !accrual.pays && noReset && unchanged(w, c, models, now)) {
      unwritten.set(w.id, now);
      unwritten.set(poolKey, now);
      return w;
    }
    unwritten.delete(w.id);
    unwritten.delete(poolKey);
    if (c.ip !== undefined) noteAddress(db, c.user.id, c.ip, now, rules);
    const owner = userById(db, w.owner_id);
    savePool(db, w.owner_id, c.type, accrual.pool);
    if (accrual.pays && owner?.flagged !== 1) {
      const kudos =
        c.type === 'text'
          ? uptimeReward({ maxContextLength: c.maxContextLength ?? 0, model: models[0] })
          : c.type === 'image'
            ? imageUptimeKudos(models.length)
            : ALCHEMIST_UPTIME_KUDOS;
      const amount = fromKudos(kudos);
      // The key pins the reward to this worker and this uptime mark, so a retried check-in cannot pay twice.
      uptimeCredit(
        db,
        {
          key: `${w.id}:${Math.round(accrual.worker.uptimeS)}:${Math.round(accrual.pool.uptimeS)}`,
          ownerId: w.owner_id,
          amount,
          at: now,
          memo: `uptime of worker ${w.name}`,
        },
        rules,
      );
      db.run('UPDATE workers SET kudos_uptime = kudos_uptime + ? WHERE id = ?', amount, w.id);
      promoteIfTrusted(db, w.owner_id, now, rules);
    }
    db.run(
      `UPDATE workers SET last_check_in = ?, uptime_s = ?, reward_uptime_s = ?, models = ?, forms = ?,
         max_length = ?, max_context_length = ?, threads = ?, bridge_agent = ?, nsfw = ?, ipaddr = ? WHERE id = ?`,
      now,
      accrual.worker.uptimeS,
      accrual.worker.lastRewardUptimeS,
      JSON.stringify(models),
      JSON.stringify(c.forms ?? []),
      c.maxLength ?? 0,
      c.maxContextLength ?? 0,
      c.threads,
      c.bridgeAgent,
      c.nsfw ? 1 : 0,
      c.ip ?? w.ipaddr,
      w.id,
    );
    return workerById(db, w.id)!;
  });
}

/** Per database: the time of the last check-in left unwritten, by worker id and by owner:kind pool. */
const unwrittenCheckIns = new WeakMap<HordeDb, Map<string, number>>();

function unwrittenOf(db: HordeDb): Map<string, number> {
  let m = unwrittenCheckIns.get(db);
  if (!m) {
    m = new Map();
    unwrittenCheckIns.set(db, m);
  }
  return m;
}

/** A stored count with the unwritten check-in after it counted in (none, or one older than the row: the row). */
function withUnwritten(stored: UptimeState, at: number | undefined, staleAfterS: number): UptimeState {
  if (at === undefined || stored.lastCheckinAt === undefined || at <= stored.lastCheckinAt) return stored;
  return accrueUptime(stored, at, staleAfterS).state;
}

/**
 * Check-ins are written at most every this many ms while nothing else changes:
 * a worker pops every second or so, and each write was a row update, a pool
 * update and an address update in a write transaction.
 */
export const CHECK_IN_BATCH_MS = 5000;

/**
 * Whether a check-in may be left unwritten: the last one written is recent,
 * the worker announces what it announced then, from the same address, and
 * (checked by the caller) this check-in neither pays nor restarts a count,
 * and the worker is not paused. Its time is kept in memory
 * (`unwrittenCheckIns`), and the next check-in counts it first: uptime,
 * rewards and staleness come out as if every check-in had been written (a
 * restart forgets at most one unwritten check-in). A worker reads as online
 * until `staleAfterS` after its last written check-in, at most
 * CHECK_IN_BATCH_MS early.
 */
function unchanged(w: WorkerRow, c: CheckIn, models: string[], now: number): boolean {
  return (
    now >= w.last_check_in &&
    now - w.last_check_in < CHECK_IN_BATCH_MS &&
    w.models === JSON.stringify(models) &&
    w.forms === JSON.stringify(c.forms ?? []) &&
    w.max_length === (c.maxLength ?? 0) &&
    w.max_context_length === (c.maxContextLength ?? 0) &&
    w.threads === c.threads &&
    w.bridge_agent === c.bridgeAgent &&
    w.nsfw === (c.nsfw ? 1 : 0) &&
    (c.ip === undefined || c.ip === w.ipaddr)
  );
}

export function isOnline(w: Pick<WorkerRow, 'last_check_in'>, now: number, staleAfterS: number): boolean {
  return now - w.last_check_in <= staleAfterS * 1000;
}

/** Worker threads of one kind checked in within the stale window. */
export function activeThreads(
  db: HordeDb,
  type: WorkerKind,
  now: number,
  staleAfterS: number,
): { workers: number; threads: number } {
  const r = db.get<{ workers: number; threads: number | null }>(
    'SELECT COUNT(*) AS workers, SUM(threads) AS threads FROM workers WHERE type = ? AND last_check_in >= ?',
    type,
    now - staleAfterS * 1000,
  );
  return { workers: r?.workers ?? 0, threads: r?.threads ?? 0 };
}

/** A paid job: the worker's counters, and the mark that makes it a proven worker (`isProvenWorker`). */
export function recordFulfilment(
  db: HordeDb,
  workerId: string,
  reward: number,
  tokens: number,
  seconds: number,
  now?: number,
): void {
  db.run(
    `UPDATE workers SET requests_fulfilled = requests_fulfilled + 1, kudos_generated = kudos_generated + ?,
       tokens_generated = tokens_generated + ?, seconds_working = seconds_working + ?,
       last_completed_at = COALESCE(?, last_completed_at) WHERE id = ?`,
    reward,
    tokens,
    // Fractional: a fast job takes less than a second (SQLite keeps the REAL in this column).
    Math.max(0, seconds),
    now ?? null,
    workerId,
  );
}

/** A popped job left unfinished (timed out or reported faulted); may flag the owner (`noteUnfinishedJob`). */
export function recordAbort(db: HordeDb, workerId: string, now?: number, rules: FairRules = {}): void {
  db.run('UPDATE workers SET uncompleted_jobs = uncompleted_jobs + 1 WHERE id = ?', workerId);
  if (now !== undefined) noteUnfinishedJob(db, workerId, now, rules);
}

/**
 * The AI Horde's human-readable speed: "12.3 tokens per second" for a text
 * worker, "1.2 megapixelsteps per second" for an image worker, "4.2 seconds
 * per form" for an alchemist, "No requests fulfilled yet" before the first.
 * (The AI Horde averages per-job samples and shows a fresh worker a 1 thing/s
 * baseline; the totals' ratio is kept here, and a fresh worker says it has
 * fulfilled nothing.)
 */
export function performance(w: WorkerRow & { megapixelsteps_generated?: number }): string {
  if (w.requests_fulfilled <= 0) return 'No requests fulfilled yet';
  if (w.type === 'interrogation')
    return `${oneDecimal(w.seconds_working / w.requests_fulfilled)} seconds per form`;
  // A job can take well under a second; the rate still needs a positive time.
  const seconds = Math.max(w.seconds_working, 0.001);
  if (w.type === 'image')
    return `${oneDecimal((w.megapixelsteps_generated ?? 0) / seconds)} megapixelsteps per second`;
  return `${oneDecimal(w.tokens_generated / seconds)} tokens per second`;
}

/** Python's `str(round(x, 1))`: one decimal always, ties to even on the exact binary value. */
export function oneDecimal(x: number): string {
  const tie = Number.isInteger(x * 4) && Math.abs((x * 10) % 1) === 0.5;
  if (!tie) return x.toFixed(1);
  const down = Math.floor(x * 10);
  return ((down % 2 === 0 ? down : down + 1) / 10).toFixed(1);
}

/** The image worker's fields (WorkerDetailsStable), read from what it announced at its last pop. */
function imageDetails(
  w: WorkerRow & { max_pixels?: number; image_options?: string; megapixelsteps_generated?: number },
) {
  const o = JSON.parse(w.image_options ?? '{}') as Record<string, unknown>;
  return {
    max_pixels: w.max_pixels ?? 0,
    megapixelsteps_generated: Math.round(w.megapixelsteps_generated ?? 0),
    img2img: o.allow_img2img !== false,
    painting: o.allow_painting !== false,
    'post-processing': o.allow_post_processing !== false,
    lora: o.allow_lora === true,
    controlnet: o.allow_controlnet === true,
  };
}

export function workerDetails(db: HordeDb, w: WorkerRow, now: number, staleAfterS: number): WorkerDetails {
  const owner = userById(db, w.owner_id);
  const generated = toKudos(asMilli(w.kudos_generated));
  const uptime = toKudos(asMilli(w.kudos_uptime));
  return {
    type: w.type,
    name: w.name,
    id: w.id,
    online: isOnline(w, now, staleAfterS),
    requests_fulfilled: w.requests_fulfilled,
    kudos_rewards: generated + uptime,
    kudos_details: { generated, uptime },
    performance: performance(w),
    threads: w.threads,
    uptime: Math.round(w.uptime_s),
    maintenance_mode: w.maintenance === 1,
    ...(w.maintenance === 1 && w.maintenance_msg ? { maintenance_msg: w.maintenance_msg } : {}),
    paused: w.paused === 1,
    info: w.info,
    nsfw: w.nsfw === 1,
    ...(owner ? { owner: usernameOf(owner) } : {}),
    trusted: owner?.trusted === 1,
    flagged: owner?.flagged === 1,
    uncompleted_jobs: w.uncompleted_jobs,
    models: JSON.parse(w.models) as string[],
    forms: JSON.parse(w.forms) as string[],
    team: { name: null, id: null },
    bridge_agent: w.bridge_agent,
    ...(w.type === 'text'
      ? {
          max_length: w.max_length,
          max_context_length: w.max_context_length,
          tokens_generated: w.tokens_generated,
        }
      : {}),
    ...(w.type === 'image' ? imageDetails(w) : {}),
  };
}
