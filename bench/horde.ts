/**
 * Horde throughput and latency: simulated workers pop and submit over HTTP
 * against the embedded horde (its own process, rate limits relaxed through
 * `startHorde`'s limits) while requesters post one new request for every job
 * popped, so the queue stays at 1k, 10k, 100k waiting requests. The queue is
 * filled up front with the store's own `enqueueText` (the fastest legitimate
 * way: the same rows the async route writes, without 100k HTTP round trips).
 *
 * Beside it, in the same run: the same load against a bare node:http server
 * that parses the body and answers each call with a JSON of its size: a pop, a
 * submit's reward, a status, an async post's 202 (the transport floor), and
 * pop + submit through the store functions in process (no HTTP), with the pop
 * query's EXPLAIN QUERY PLAN.
 *
 * Child use: tsx bench/horde.ts serve-horde <dbPath> | serve-bare
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS, startHorde } from '../electron/horde/index';
import { HordeDb, type SqlParam } from '../electron/horde/store/db';
import { adminAdjustment } from '../electron/horde/store/kudos';
import {
  enqueueText,
  popText,
  queuedTextRequests,
  submitText,
  type LifecycleLimits,
} from '../electron/horde/store/text-queue';
import { createUser, userById, type UserRow } from '../electron/horde/store/users';
import type { WorkerRow } from '../electron/horde/store/workers';
import { fromKudos } from '../shared/ledger/money';
import { textJobKudos } from '../shared/kudos/pricing';
import { isEntry, ready, startServerChild } from './child';
import { processCpuMs } from './proc-cpu';
import { Rng } from '../test/harness/rng';
import { row, type BenchResult, type Row } from './report';
import { percentile, summarize, type Summary } from './stats';

const HERE = fileURLToPath(import.meta.url);
const MODEL = 'koboldcpp/bench-model';
const MAX_LENGTH = 80;
const MAX_CONTEXT = 1024;
const REQUEST_TIMEOUT_MS = 10_000;
/** The horde's limits in the bench; the sweep still runs before every request (the preHandler hook). */
const BENCH_LIMITS = {
  rateLimitMax: 100_000_000,
  rateLimitWindowMs: 1000,
  sweepIntervalMs: 0,
  maxWorkersTrusted: 10_000,
};

const LIFECYCLE: LifecycleLimits = {
  textJobTtlS: DEFAULT_LIMITS.textJobTtlS,
  requestTtlS: DEFAULT_LIMITS.requestTtlS,
  maxFaults: DEFAULT_LIMITS.maxFaults,
  workerStaleS: DEFAULT_LIMITS.workerStaleS,
  ledger: {},
};

// ─── HTTP client (keep-alive, no fetch overhead) ─────────────────────────────

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

interface Answer {
  status: number;
  body: unknown;
}

function post(url: string, body: unknown, apikey: string): Promise<Answer> {
  return send('POST', url, apikey, JSON.stringify(body));
}

function get(url: string, apikey: string): Promise<Answer> {
  return send('GET', url, apikey);
}

/** One keep-alive request; `data` is the JSON body, absent for a GET. */
function send(method: 'GET' | 'POST', url: string, apikey: string, data?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders =
      data === undefined
        ? { apikey }
        : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), apikey };
    const req = http.request(url, { method, agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(data);
  });
}

// ─── children: the horde, and the bare HTTP floor ────────────────────────────

async function serveHorde(dbPath: string): Promise<void> {
  const horde = await startHorde({
    dbPath,
    // Hundreds of requests per second from one key, and 200 workers of one owner, are the point here.
    limits: BENCH_LIMITS,
    // A rolling backup of a 1M-request file would be measured too.
    backups: false,
  });
  process.on('SIGTERM', () => {
    void horde.close().finally(() => process.exit(0));
  });
  ready({ url: horde.url });
}

const BARE_POP = JSON.stringify({
  payload: {
    prompt: 'x'.repeat(40),
    n: 1,
    max_length: MAX_LENGTH,
    max_context_length: MAX_CONTEXT,
    temperature: 0.7,
  },
  id: randomUUID(),
  ids: [randomUUID()],
  skipped: {},
  softprompt: null,
  model: MODEL,
  ttl: 150,
  messages: [],
});

const BARE_STATUS = JSON.stringify({
  finished: 0,
  processing: 0,
  restarted: 0,
  waiting: 1,
  done: false,
  faulted: false,
  wait_time: 120,
  queue_position: 5000,
  kudos: 0,
  is_possible: true,
  generations: [],
});

async function serveBare(): Promise<void> {
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      // Parse and answer as a JSON API would, so the floor includes the JSON work every route does.
      const body = JSON.parse(text || '{}') as { id?: string };
      // The requesters' posts get an async answer, as the horde gives them: the floor carries the
      // same calls a job makes there (async post, pop, submit, a share of the polls).
      const posted = req.method === 'POST' && req.url?.endsWith('/async') === true;
      const out =
        req.method === 'GET'
          ? BARE_STATUS
          : posted
            ? JSON.stringify({ id: randomUUID(), kudos: 8 })
            : body.id !== undefined
              ? JSON.stringify({ reward: 1.5 })
              : BARE_POP;
      res.writeHead(posted ? 202 : 200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(out),
      });
      res.end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
  ready({ url: `http://127.0.0.1:${port}/api` });
}

// ─── seeding ─────────────────────────────────────────────────────────────────

interface Accounts {
  requester: { id: number; apikey: string };
  owner: { id: number; apikey: string };
}

export function createAccounts(dbPath: string): Accounts {
  const db = new HordeDb(dbPath);
  try {
    const requester = createUser(db, 'bench-requester', Date.now());
    // Trusted: the bench runs many workers for one owner (untrusted users may run 3).
    const owner = createUser(db, 'bench-owner', Date.now(), { trusted: true });
    adminAdjustment(db, {
      key: `bench:${randomUUID()}`,
      userId: requester.id,
      amount: fromKudos(1e9),
      at: Date.now(),
      memo: 'bench',
    });
    return { requester, owner };
  } finally {
    db.close();
  }
}

const KUDOS_PER_JOB = fromKudos(
  textJobKudos({ model: MODEL, maxLength: MAX_LENGTH, maxContextLength: MAX_CONTEXT }),
);

/**
 * From this many missing requests the queue is filled in bulk (see `bulkFill`):
 * the same rows and triggers at a tenth of the CPU of one `enqueueText` call
 * each, which on a loaded machine was most of the time the levels took to seed.
 */
const BULK_FROM = 2_000;

/**
 * Tops the queue up to `target` waiting requests: with the store's own
 * `enqueueText` for small fills, in bulk for large ones. Requests are made
 * 1 ms apart, oldest first, as if they had arrived over time.
 */
export function fillQueue(db: HordeDb, requester: UserRow, target: number): number {
  const missing = target - queuedTextRequests(db);
  if (missing <= 0) return 0;
  const now = Date.now();
  db.tx(() => {
    if (missing >= BULK_FROM) {
      bulkFill(db, requester, missing, now);
      return;
    }
    for (let i = 0; i < missing; i++) enqueueOne(db, requester, now - (missing - i), i);
  });
  return missing;
}

function enqueueOne(db: HordeDb, requester: UserRow, at: number, i: number): string {
  return enqueueText(
    db,
    {
      user: requester,
      prompt: `bench prompt ${i}`,
      params: { temperature: 0.7 },
      models: [MODEL],
      workers: [],
      workerBlacklist: false,
      n: 1,
      maxLength: MAX_LENGTH,
      maxContextLength: MAX_CONTEXT,
      extraPriority: 1000,
      kudosPerJob: KUDOS_PER_JOB,
    },
    at,
    LIFECYCLE,
  );
}

/**
 * The 1M fixture path: one request through `enqueueText` (the template),
 * then `count - 1` copies of its `text_requests` and `text_queue` rows made
 * by SQL in one statement each, with their own ids and times. The triggers
 * (queued count, position log) run for every row as they do for a real
 * enqueue; the copies are the rows enqueue writes, without a million calls.
 */
function bulkFill(db: HordeDb, requester: UserRow, count: number, now: number): void {
  const template = enqueueOne(db, requester, now - count, 0);
  const base = Math.floor(Math.random() * 2 ** 40);
  const idOf = `printf('00000000-0000-4000-8000-%012x', :base + c.i)`;
  const rows = `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < :k)`;
  const p = { base, k: count - 1, now, count };
  db.run(
    `${rows} INSERT INTO text_requests (id, user_id, prompt, params, models, workers, worker_blacklist, softprompt,
       max_length, max_context_length, n, jobs, status, extra_priority, created_at, expires_at, kudos_per_job,
       hold_id, hold_amount, client_agent)
     SELECT ${idOf}, t.user_id, 'bench prompt ' || c.i, t.params, t.models, t.workers, t.worker_blacklist, t.softprompt,
       t.max_length, t.max_context_length, t.n, t.jobs, t.status, t.extra_priority, :now - :count + c.i, t.expires_at,
       t.kudos_per_job, t.hold_id, t.hold_amount, t.client_agent
     FROM c, text_requests t WHERE t.id = :template`,
    { ...p, template },
  );
  db.run(
    `${rows} INSERT INTO text_queue (request_id, model, user_id, extra_priority, created_at, max_length, max_context_length, targeted)
     SELECT ${idOf}, q.model, q.user_id, q.extra_priority, :now - :count + c.i, q.max_length, q.max_context_length, q.targeted
     FROM c, text_queue q WHERE q.request_id = :template`,
    { ...p, template },
  );
}

/**
 * Queued requests for the status pollers, drawn across the whole queue: rows
 * picked at random rowids (the bench's rows are dense in rowid), kept when
 * queued. `ORDER BY random()` read and sorted the whole 1M queue for 200 ids.
 */
function sampleQueued(db: HordeDb, n: number): string[] {
  const span = db.get<{ lo: number | null; hi: number | null }>(
    'SELECT MIN(rowid) AS lo, MAX(rowid) AS hi FROM text_requests',
  );
  const lo = span?.lo ?? 0;
  const hi = span?.hi ?? -1;
  const ids = new Set<string>();
  for (let tries = 0; ids.size < n && tries < n * 50 && hi >= lo; tries++) {
    const rowid = lo + Math.floor(Math.random() * (hi - lo + 1));
    const r = db.get<{ id: string }>(
      "SELECT id FROM text_requests WHERE rowid = ? AND status = 'queued'",
      rowid,
    );
    if (r) ids.add(r.id);
  }
  return [...ids];
}

// ─── load ────────────────────────────────────────────────────────────────────

interface LoadOptions {
  url: string;
  workerKey: string;
  requesterKey?: string;
  workers: number;
  /**
   * Mean simulated generation time between pop and submit; each job's is drawn uniformly from
   * half to one and a half times it (seeded per worker), as real jobs differ in length, model and
   * machine. With every job the same length, the simulated workers popped in lockstep: all 200 at
   * once every 2 s, so a pop waited behind up to 199 others, which real workers do not do (a
   * side-by-side run: pop+submit p99 64-152 ms in lockstep, 7.5-10 ms drawn).
   */
  thinkMs: number;
  warmupMs: number;
  windowMs: number;
  windows: number;
  /** Requests whose status the pollers read (one GET each, then a pause), as windows waiting on them do. */
  statusIds?: string[];
  pollers?: number;
  pollEveryMs?: number;
}

interface WindowSamples {
  pop: number[];
  submit: number[];
  pair: number[];
  async: number[];
  status: number[];
  settled: number;
  empty: number;
  errors: number;
}

const emptyWindow = (): WindowSamples => ({
  pop: [],
  submit: [],
  pair: [],
  async: [],
  status: [],
  settled: 0,
  empty: 0,
  errors: 0,
});

/** The simulated job lengths' seed: every run, the horde's and the bare server's, gets the same ones. */
const THINK_SEED = 20_261_202;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs the workers (and requesters, when a key is given) for warm-up + windows; samples go to the window they started in. */
export async function runLoad(
  o: LoadOptions,
): Promise<{ windows: WindowSamples[]; settled: number; firstError?: string }> {
  const windows = Array.from({ length: o.windows }, emptyWindow);
  const start = performance.now();
  const end = start + o.warmupMs + o.windows * o.windowMs;
  const windowAt = (t: number): WindowSamples | undefined => {
    const i = Math.floor((t - start - o.warmupMs) / o.windowMs);
    return i >= 0 && i < o.windows ? windows[i] : undefined;
  };
  let firstError: string | undefined;
  const fail = (w: WindowSamples | undefined, what: string): void => {
    if (w) w.errors++;
    firstError ??= what;
  };
  let deficit = 0;
  /** Jobs settled in the whole run, warm-up included (the server's CPU time is over all of it). */
  let settled = 0;
  /** Requesters waiting for a job to be popped, each woken by one. */
  const idle: (() => void)[] = [];

  const worker = async (i: number): Promise<void> => {
    const name = `bench-worker-${i}`;
    const jobLength = new Rng(THINK_SEED + i);
    while (performance.now() < end) {
      const t0 = performance.now();
      let popped: Answer;
      try {
        popped = await post(
          `${o.url}/v2/generate/text/pop`,
          {
            name,
            models: [MODEL],
            max_length: 512,
            max_context_length: 2048,
            amount: 1,
            threads: 1,
            bridge_agent: 'horde-desktop-bench:1:local',
          },
          o.workerKey,
        );
      } catch (err) {
        fail(windowAt(t0), `pop: ${String(err)}`);
        continue;
      }
      const popMs = performance.now() - t0;
      const w = windowAt(t0);
      const id = (popped.body as { id?: string | null } | undefined)?.id;
      if (popped.status !== 200) {
        fail(w, `pop answered ${popped.status} ${JSON.stringify(popped.body)}`);
        await sleep(50);
        continue;
      }
      w?.pop.push(popMs);
      if (!id) {
        if (w) w.empty++;
        await sleep(20);
        continue;
      }
      deficit++;
      idle.shift()?.();
      if (o.thinkMs > 0) await sleep(o.thinkMs * (0.5 + jobLength.next()));
      const t1 = performance.now();
      try {
        const sub = await post(
          `${o.url}/v2/generate/text/submit`,
          { id, generation: 'y'.repeat(200), state: 'ok', seed: 1 },
          o.workerKey,
        );
        const subMs = performance.now() - t1;
        if (sub.status !== 200) fail(w, `submit answered ${sub.status} ${JSON.stringify(sub.body)}`);
        else {
          settled++;
          if (w) {
            w.submit.push(subMs);
            w.pair.push(popMs + subMs);
            w.settled++;
          }
        }
      } catch (err) {
        fail(w, `submit: ${String(err)}`);
      }
    }
  };

  const requester = async (): Promise<void> => {
    while (performance.now() < end) {
      if (deficit <= 0) {
        await new Promise<void>((r) => {
          const timer = setTimeout(() => {
            idle.splice(idle.indexOf(wake), 1);
            r();
          }, 50);
          const wake = (): void => {
            clearTimeout(timer);
            r();
          };
          idle.push(wake);
        });
        continue;
      }
      deficit--;
      const t0 = performance.now();
      try {
        const a = await post(
          `${o.url}/v2/generate/text/async`,
          {
            prompt: 'a request from the bench requester',
            params: { n: 1, max_length: MAX_LENGTH, max_context_length: MAX_CONTEXT },
            models: [MODEL],
          },
          o.requesterKey ?? '',
        );
        if (a.status !== 202) fail(windowAt(t0), `async answered ${a.status} ${JSON.stringify(a.body)}`);
        else windowAt(t0)?.async.push(performance.now() - t0);
      } catch (err) {
        fail(windowAt(t0), `async: ${String(err)}`);
      }
    }
  };

  const poller = async (i: number): Promise<void> => {
    const ids = o.statusIds ?? [];
    for (let k = i; performance.now() < end && ids.length > 0; k += 7) {
      const id = ids[k % ids.length]!;
      const t0 = performance.now();
      try {
        const a = await get(`${o.url}/v2/generate/text/status/${id}`, o.requesterKey ?? '');
        if (a.status !== 200) fail(windowAt(t0), `status answered ${a.status} ${JSON.stringify(a.body)}`);
        else windowAt(t0)?.status.push(performance.now() - t0);
      } catch (err) {
        fail(windowAt(t0), `status: ${String(err)}`);
      }
      await sleep(o.pollEveryMs ?? 250);
    }
  };

  const loops: Promise<void>[] = [];
  for (let i = 0; i < o.workers; i++) loops.push(worker(i));
  for (let i = 0; i < (o.pollers ?? 0); i++) loops.push(poller(i));
  // One requester per worker: each post waits its turn at the server like a pop does, and with
  // four, flat out at 200 workers, they posted about 80 requests a second against 2,200 jobs
  // popped (async p50 50 ms): the 1k and 10k queues ran dry, and a job's cost left out its post.
  if (o.requesterKey !== undefined) for (let i = 0; i < o.workers; i++) loops.push(requester());
  await Promise.all(loops);
  return firstError === undefined ? { windows, settled } : { windows, settled, firstError };
}

interface LevelFigures {
  popP50: Summary;
  popP99: Summary;
  submitP50: Summary;
  submitP99: Summary;
  pairP99: Summary;
  asyncP50: Summary;
  statusP50: Summary;
  statusP99: Summary;
  settledPerS: Summary;
  errors: number;
  empty: number;
  firstError?: string;
}

function figures(windows: WindowSamples[], windowMs: number, firstError?: string): LevelFigures {
  const per = (f: (w: WindowSamples) => number): Summary => summarize(windows.map(f));
  const f: LevelFigures = {
    popP50: per((w) => percentile(w.pop, 50)),
    popP99: per((w) => percentile(w.pop, 99)),
    submitP50: per((w) => percentile(w.submit, 50)),
    submitP99: per((w) => percentile(w.submit, 99)),
    pairP99: per((w) => percentile(w.pair, 99)),
    asyncP50: per((w) => percentile(w.async, 50)),
    statusP50: per((w) => percentile(w.status, 50)),
    statusP99: per((w) => percentile(w.status, 99)),
    settledPerS: per((w) => w.settled / (windowMs / 1000)),
    errors: windows.reduce((a, w) => a + w.errors, 0),
    empty: windows.reduce((a, w) => a + w.empty, 0),
  };
  return firstError === undefined ? f : { ...f, firstError };
}

// ─── in-process store pop/submit, and the pop query's plan ───────────────────

interface StoreFigures {
  popMs: number[];
  submitMs: number[];
}

/** pop + submit through the store functions in process (no HTTP), on the first of the owner's workers. */
function storePopSubmit(dbPath: string, ownerId: number, count: number, budgetMs: number): StoreFigures {
  const db = new HordeDb(dbPath);
  try {
    const owner = userById(db, ownerId) as UserRow;
    const worker = db.get<WorkerRow>(
      'SELECT * FROM workers WHERE owner_id = ? ORDER BY name LIMIT 1',
      ownerId,
    );
    if (!worker) throw new Error('no worker has checked in yet');
    const popMs: number[] = [];
    const submitMs: number[] = [];
    const pop = {
      models: [MODEL],
      maxLength: 512,
      maxContextLength: 2048,
      amount: 1,
      priorityUserIds: [owner.id],
    };
    const until = performance.now() + budgetMs;
    for (let i = 0; i < count && performance.now() < until; i++) {
      const t0 = performance.now();
      const { popped } = popText(db, worker, pop, Date.now(), LIFECYCLE);
      popMs.push(performance.now() - t0);
      const jobId = popped?.jobIds[0];
      if (!jobId) break;
      const t1 = performance.now();
      submitText(
        db,
        { jobId, user: owner, generation: 'y'.repeat(200), state: 'ok', seed: 1 },
        Date.now(),
        LIFECYCLE,
      );
      submitMs.push(performance.now() - t1);
    }
    return { popMs, submitMs };
  } finally {
    db.close();
  }
}

// ─── EXPLAIN QUERY PLAN of every query on the request paths ──────────────────

export interface QueryPlan {
  /** The routes whose handling ran the statement (pop, submit, status, async). */
  paths: string[];
  sql: string;
  plan: string[];
  problem?: string;
}

/** Tables with a fixed handful of rows (one per kind, setting or migration): a scan of them costs nothing. */
const SMALL_TABLES = new Set([
  'sqlite_sequence',
  'queue_counts',
  'local_owner',
  'club_settings',
  'schema_migrations',
]);

/** A plan is good when every table it reads is reached through an index (or is one of the fixed small tables). */
function planProblem(plan: string[]): string | undefined {
  for (const d of plan) {
    const m = /^SCAN (\w+)/.exec(d);
    if (!m || /VIRTUAL TABLE|CONSTANT ROW|USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/.test(d))
      continue;
    const table = m[1] ?? '';
    // A scan of a CTE (json_each, the bulk fixture's counter) or a subquery's result is not a table scan.
    if (SMALL_TABLES.has(table) || /^(c|w|m|json_each)$/.test(table) || d.includes('(subquery')) continue;
    return `scans a table: ${d}`;
  }
  return undefined;
}

/**
 * Runs the real routes once each through an embedded horde in this process
 * (pop twice: a fresh worker and a batched check-in; submit; status of a
 * request deep in a 2k queue, twice; async), records every statement the
 * store prepares, and asks SQLite for each plan with the very same text and
 * parameters.
 */
async function capturePlans(dir: string): Promise<{ plans: QueryPlan[]; calls: RouteCall[] }> {
  const dbPath = path.join(dir, 'plans.sqlite');
  const accounts = createAccounts(dbPath);
  const setup = new HordeDb(dbPath);
  fillQueue(setup, userById(setup, accounts.requester.id) as UserRow, 2_000);
  const deep = setup.get<{ id: string }>(
    "SELECT id FROM text_requests WHERE status = 'queued' ORDER BY extra_priority, created_at DESC LIMIT 1",
  )?.id;
  setup.close();
  const seen = new Map<string, { params: SqlParam[]; paths: Set<string> }>();
  let current: string | undefined;
  /** Statements and commits of each route call, in order (load-independent figures of the work per request). */
  const calls: RouteCall[] = [];
  const call = (path: string, route = path): void => {
    current = path;
    calls.push({ route, statements: 0, commits: 0 });
  };
  const proto = HordeDb.prototype;
  const original = { get: proto.get, all: proto.all, run: proto.run, tx: proto.tx };
  proto.tx = function <T>(this: HordeDb, fn: () => T): T {
    // `depth` is the transaction nesting: 0 means this call begins (and commits) a write transaction.
    const last = calls[calls.length - 1];
    if (current && last && (this as unknown as { depth: number }).depth === 0) last.commits++;
    return original.tx.call(this, fn) as T;
  };
  for (const m of ['get', 'all', 'run'] as const) {
    const fn = original[m] as (this: HordeDb, sql: string, ...params: SqlParam[]) => unknown;
    (proto as unknown as Record<string, unknown>)[m] = function (
      this: HordeDb,
      sql: string,
      ...params: SqlParam[]
    ) {
      if (current) {
        const e = seen.get(sql) ?? { params, paths: new Set<string>() };
        e.paths.add(current);
        seen.set(sql, e);
        const last = calls[calls.length - 1];
        if (last) last.statements++;
      }
      return fn.call(this, sql, ...params);
    };
  }
  const horde = await startHorde({ dbPath, limits: BENCH_LIMITS, backups: false });
  try {
    const popBody = {
      name: 'plans-worker',
      models: [MODEL],
      max_length: 512,
      max_context_length: 2048,
      amount: 1,
      threads: 1,
      bridge_agent: 'horde-desktop-bench:1:local',
    };
    const jobs: string[] = [];
    for (let i = 0; i < 2; i++) {
      call('pop', i === 0 ? 'pop (new worker)' : 'pop');
      const a = await post(`${horde.url}/v2/generate/text/pop`, popBody, accounts.owner.apikey);
      const id = (a.body as { id?: string | null } | undefined)?.id;
      if (a.status !== 200 || !id)
        throw new Error(`plans: pop answered ${a.status} ${JSON.stringify(a.body)}`);
      jobs.push(id);
    }
    for (const id of jobs) {
      call('submit');
      const a = await post(
        `${horde.url}/v2/generate/text/submit`,
        { id, generation: 'y'.repeat(200), state: 'ok', seed: 1 },
        accounts.owner.apikey,
      );
      if (a.status !== 200) throw new Error(`plans: submit answered ${a.status} ${JSON.stringify(a.body)}`);
    }
    for (let i = 0; i < 2; i++) {
      call('status');
      const a = await get(`${horde.url}/v2/generate/text/status/${deep ?? ''}`, accounts.requester.apikey);
      if (a.status !== 200) throw new Error(`plans: status answered ${a.status} ${JSON.stringify(a.body)}`);
    }
    call('async');
    const a = await post(
      `${horde.url}/v2/generate/text/async`,
      {
        prompt: 'plans',
        params: { n: 1, max_length: MAX_LENGTH, max_context_length: MAX_CONTEXT },
        models: [MODEL],
      },
      accounts.requester.apikey,
    );
    if (a.status !== 202) throw new Error(`plans: async answered ${a.status} ${JSON.stringify(a.body)}`);
  } finally {
    current = undefined;
    Object.assign(proto, original);
    await horde.close();
  }
  const db = new HordeDb(dbPath);
  try {
    const plans = [...seen.entries()].map(([sql, e]) => {
      const plan = (
        db.sql.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(e.params as never[])) as { detail: string }[]
      ).map((r) => r.detail);
      const problem = planProblem(plan);
      return {
        paths: [...e.paths],
        sql: sql.replace(/\s+/g, ' ').trim(),
        plan,
        ...(problem ? { problem } : {}),
      };
    });
    return { plans, calls };
  } finally {
    db.close();
  }
}

interface RouteCall {
  route: string;
  statements: number;
  commits: number;
}

/** "pop 12 statements / 1 commit, ..." from the last call of each route (the steady state: a known worker, a kept position). */
function perRoute(calls: readonly RouteCall[]): string {
  const last = new Map<string, RouteCall>();
  for (const c of calls) last.set(c.route, c);
  return [...last.values()]
    .map((c) => `${c.route} ${c.statements} statements / ${c.commits} commit${c.commits === 1 ? '' : 's'}`)
    .join(', ');
}

/** The plans as Markdown, for bench/results/query-plans.md and the README. */
export function plansMarkdown(plans: readonly QueryPlan[]): string {
  const lines = [
    '# EXPLAIN QUERY PLAN of every statement on the text pop, submit, status and async paths',
    '',
    'Written by `npm run bench` (horde): the real routes run once each against an embedded horde with 2k',
    'queued requests; every statement the store ran is listed once with the routes that ran it.',
    'Statements inside triggers (queue counts, the position log) are single-row inserts and updates by key.',
    '',
  ];
  for (const p of plans) {
    lines.push(
      `- **${p.paths.join(', ')}**${p.problem ? ` — ${p.problem}` : ''}`,
      '  ```sql',
      `  ${p.sql}`,
      '  ```',
    );
    for (const d of p.plan) lines.push(`  - ${d}`);
  }
  return `${lines.join('\n')}\n`;
}

// ─── the benchmark ───────────────────────────────────────────────────────────

export interface HordeOptions {
  /** Queue lengths for the HTTP phases, ascending. */
  levels: number[];
  /** Queue lengths the store pop is timed at (a superset of `levels` may include 1M). */
  storeLevels: number[];
  /** Simulated worker counts, each run against every level. */
  workers: number[];
  /** Simulated generation time in the latency phase: real workers spend seconds per job. */
  thinkMs: number;
  warmupMs: number;
  windowMs: number;
  windows: number;
  /** The throughput phase: the same workers with no think time, the most the horde settles. */
  saturationWindowMs: number;
  saturationWindows: number;
  storeOps: number;
  /** Bound on the in-process pops per level, whatever storeOps says. */
  storeBudgetMs: number;
  /** Where the query plans go as Markdown. */
  plansOut?: string;
  log: (line: string) => void;
}

/** The issue's latency goal for pop + submit at 100k queued with 200 workers. */
const P99_TARGET_MS = 20;

const kLabel = (n: number): string =>
  n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n);

interface LevelRun {
  level: number;
  workers: number;
  http: LevelFigures;
  max: LevelFigures;
  /** The server's CPU time per job settled flat out (Linux), its async post and status polls included. */
  cpuPerJobMs?: number;
}

const cpuText = (ms: number | undefined): string => (ms === undefined ? 'n/a' : `${ms.toFixed(2)} ms`);

export async function benchHorde(o: HordeOptions): Promise<BenchResult> {
  const started = performance.now();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'horde-bench-'));
  const dbPath = path.join(dir, 'horde.sqlite');
  const details: Record<string, unknown> = {
    workers: o.workers,
    thinkMs: o.thinkMs,
    saturationWindowMs: o.saturationWindowMs,
    windowMs: o.windowMs,
    windows: o.windows,
  };
  try {
    const { plans, calls } = await capturePlans(dir);
    if (o.plansOut) {
      await mkdir(path.dirname(o.plansOut), { recursive: true });
      await writeFile(o.plansOut, plansMarkdown(plans));
    }
    const accounts = createAccounts(dbPath);
    /** Latency at a worker-like pace, then throughput flat out, against one server. */
    const phases = async (
      url: string,
      workers: number,
      keys: { workerKey: string; requesterKey?: string },
      statusIds: string[],
      serverPid: number,
    ) => {
      const pollers = Math.max(2, Math.round(workers / 10));
      const common = { url, workers, statusIds, pollers, pollEveryMs: 250, ...keys };
      const a = await runLoad({
        ...common,
        thinkMs: o.thinkMs,
        warmupMs: o.warmupMs,
        windowMs: o.windowMs,
        windows: o.windows,
      });
      const cpuBefore = await processCpuMs(serverPid);
      const b = await runLoad({
        ...common,
        thinkMs: 0,
        warmupMs: Math.min(o.warmupMs, 1000),
        windowMs: o.saturationWindowMs,
        windows: o.saturationWindows,
      });
      const cpuAfter = await processCpuMs(serverPid);
      return {
        latency: figures(a.windows, o.windowMs, a.firstError),
        throughput: figures(b.windows, o.saturationWindowMs, b.firstError),
        // Flat out the server's CPU is the limit; its time per job does not move with the windows'
        // few seconds the way jobs/s does.
        cpuPerJobMs:
          cpuBefore !== undefined && cpuAfter !== undefined && b.settled > 0
            ? (cpuAfter - cpuBefore) / b.settled
            : undefined,
      };
    };

    // The transport floor first, per worker count, while the machine is as it will be for the horde.
    const floors = new Map<number, Awaited<ReturnType<typeof phases>>>();
    const bare = await startServerChild<{ url: string }>(HERE, ['serve-bare'], { readyTimeoutMs: 30_000 });
    try {
      for (const w of o.workers) {
        const f = await phases(
          bare.info.url,
          w,
          { workerKey: 'x', requesterKey: 'x' },
          [randomUUID()],
          bare.pid,
        );
        floors.set(w, f);
        o.log(
          `  horde: bare node:http floor, ${w} workers: pop p50 ${f.latency.popP50.median.toFixed(2)} ms, ` +
            `p99 ${f.latency.popP99.median.toFixed(2)} ms, ${f.throughput.settledPerS.median.toFixed(0)} jobs/s flat out, ` +
            `server CPU ${cpuText(f.cpuPerJobMs)} a job`,
        );
      }
    } finally {
      await bare.stop();
    }

    const runs: LevelRun[] = [];
    const store = new Map<number, { popMs: number[]; submitMs: number[]; seedS: number }>();
    const allLevels = [...new Set([...o.levels, ...o.storeLevels])].sort((x, y) => x - y);
    const server = await startServerChild<{ url: string }>(HERE, ['serve-horde', dbPath], {
      readyTimeoutMs: 60_000,
    });
    try {
      for (const level of allLevels) {
        const db = new HordeDb(dbPath);
        const t0 = performance.now();
        const seeded = fillQueue(db, userById(db, accounts.requester.id) as UserRow, level);
        const seedS = (performance.now() - t0) / 1000;
        const statusIds = sampleQueued(db, 200);
        db.close();
        o.log(`  horde: queue at ${kLabel(level)} (seeded ${seeded} in ${seedS.toFixed(1)} s)`);
        if (o.levels.includes(level)) {
          for (const w of o.workers) {
            const {
              latency: http,
              throughput: max,
              cpuPerJobMs,
            } = await phases(
              server.info.url,
              w,
              { workerKey: accounts.owner.apikey, requesterKey: accounts.requester.apikey },
              statusIds,
              server.pid,
            );
            runs.push({
              level,
              workers: w,
              http,
              max,
              ...(cpuPerJobMs !== undefined ? { cpuPerJobMs } : {}),
            });
            const err = http.firstError ?? max.firstError;
            o.log(
              `  horde ${kLabel(level)}, ${w} workers: pop p50 ${http.popP50.median.toFixed(2)} p99 ${http.popP99.median.toFixed(2)} ms, ` +
                `pop+submit p99 ${http.pairP99.median.toFixed(2)} ms, status p50 ${http.statusP50.median.toFixed(2)} ms, ` +
                `${max.settledPerS.median.toFixed(0)} jobs/s flat out, server CPU ${cpuText(cpuPerJobMs)} a job, errors ${http.errors + max.errors}` +
                (err ? ` (${err.slice(0, 200)})` : ''),
            );
            // Put back what the phases settled beyond what the requesters re-posted.
            const db2 = new HordeDb(dbPath);
            fillQueue(db2, userById(db2, accounts.requester.id) as UserRow, level);
            db2.close();
          }
        }
        if (o.storeLevels.includes(level)) {
          const f = storePopSubmit(dbPath, accounts.owner.id, o.storeOps, o.storeBudgetMs);
          store.set(level, { ...f, seedS });
          o.log(
            `  horde store @${kLabel(level)}: pop p50 ${percentile(f.popMs, 50).toFixed(3)} ms, submit p50 ${percentile(f.submitMs, 50).toFixed(3)} ms`,
          );
          const db3 = new HordeDb(dbPath);
          fillQueue(db3, userById(db3, accounts.requester.id) as UserRow, level);
          db3.close();
        }
      }
    } finally {
      await server.stop();
    }

    const rows: Row[] = [];
    const top = Math.max(...o.workers);
    const goalLevel = o.levels.includes(100_000) ? 100_000 : o.levels[o.levels.length - 1];
    for (const w of o.workers) {
      const floor = floors.get(w)!;
      for (const l of runs.filter((r) => r.workers === w)) {
        const isGoal = w === top && l.level === goalLevel;
        rows.push(
          row({
            bench: 'horde',
            metric: `pop+submit p99 @${kLabel(l.level)} queued, ${w} workers`,
            unit: 'ms',
            project: l.http.pairP99,
            referenceLabel: 'bare node:http, same load',
            reference: floor.latency.pairP99,
            ...(isGoal
              ? {
                  target: {
                    // The bare server's own p99 under the same client load says what is the machine's:
                    // above the target, the absolute figure cannot be met here, and the ratio is the horde's.
                    text:
                      floor.latency.pairP99.median >= P99_TARGET_MS
                        ? `< ${P99_TARGET_MS} ms (bare's own p99 ${floor.latency.pairP99.median.toFixed(0)} ms is over it)`
                        : `< ${P99_TARGET_MS} ms`,
                    pass: l.http.pairP99.n > 0 ? l.http.pairP99.median < P99_TARGET_MS : undefined,
                  },
                }
              : {}),
            note:
              `bare node:http's own pop+submit p99 under the same client load ${floor.latency.pairP99.median.toFixed(1)} ms ` +
              `(the horde ${(l.http.pairP99.median / floor.latency.pairP99.median).toFixed(1)}× that); ` +
              `pop p50 ${l.http.popP50.median.toFixed(1)} / p99 ${l.http.popP99.median.toFixed(1)} ms (bare ${floor.latency.popP50.median.toFixed(1)} / ${floor.latency.popP99.median.toFixed(1)}), ` +
              `submit p50 ${l.http.submitP50.median.toFixed(1)} / p99 ${l.http.submitP99.median.toFixed(1)} ms, ` +
              `status p50 ${l.http.statusP50.median.toFixed(1)} / p99 ${l.http.statusP99.median.toFixed(1)} ms, async p50 ${l.http.asyncP50.median.toFixed(1)} ms; ` +
              `flat out ${l.max.settledPerS.median.toFixed(0)} jobs/s (bare ${floor.throughput.settledPerS.median.toFixed(0)} jobs/s), ` +
              `server CPU ${cpuText(l.cpuPerJobMs)} a job (bare ${cpuText(floor.cpuPerJobMs)} a job); errors ${l.http.errors + l.max.errors}`,
          }),
        );
      }
    }
    const at = (level: number, w: number): LevelRun | undefined =>
      runs.find((r) => r.level === level && r.workers === w);
    const low = at(o.levels[0] ?? 0, top);
    const high = goalLevel !== undefined ? at(goalLevel, top) : undefined;
    const scaleOk = (x: Summary, y: Summary): boolean | undefined =>
      x.n > 0 && y.n > 0 ? x.median / y.median <= 1.5 : undefined;
    if (low && high && low !== high) {
      rows.push(
        row({
          bench: 'horde',
          metric: `pop p50 over HTTP @${kLabel(high.level)} vs @${kLabel(low.level)}, ${top} workers`,
          unit: 'ms',
          project: high.http.popP50,
          referenceLabel: `@${kLabel(low.level)}`,
          reference: low.http.popP50,
          target: { text: '≤ 1.5×', pass: scaleOk(high.http.popP50, low.http.popP50) },
        }),
        row({
          bench: 'horde',
          metric: `status p50 over HTTP @${kLabel(high.level)} vs @${kLabel(low.level)}, ${top} workers`,
          unit: 'ms',
          project: high.http.statusP50,
          referenceLabel: `@${kLabel(low.level)}`,
          reference: low.http.statusP50,
          note: 'pollers read requests drawn across the whole queue, every 250 ms each',
        }),
        row({
          bench: 'horde',
          metric: `jobs settled/s flat out @${kLabel(high.level)}, ${top} workers`,
          unit: '/s',
          project: high.max.settledPerS,
          referenceLabel: 'bare node:http jobs, same calls',
          reference: floors.get(top)!.throughput.settledPerS,
          target: {
            text: '≥ 0.5×',
            pass:
              high.max.settledPerS.n > 0 && floors.get(top)!.throughput.settledPerS.n > 0
                ? high.max.settledPerS.median / floors.get(top)!.throughput.settledPerS.median >= 0.5
                : undefined,
          },
          note:
            `no think time, pollers and requesters running; the server's CPU time ${cpuText(high.cpuPerJobMs)} a job ` +
            `(its async post, pop, submit and a share of the polls), bare node:http's ${cpuText(floors.get(top)!.cpuPerJobMs)} the same calls`,
        }),
      );
    }
    const sLow = store.get(o.storeLevels[0] ?? 0);
    const sHighLevel = o.storeLevels[o.storeLevels.length - 1] ?? 0;
    const sHigh = store.get(sHighLevel);
    if (sLow && sHigh && sLow !== sHigh) {
      const a = summarize(sHigh.popMs);
      const b = summarize(sLow.popMs);
      rows.push(
        row({
          bench: 'horde',
          metric: `pop in store @${kLabel(sHighLevel)} vs @${kLabel(o.storeLevels[0] ?? 0)}`,
          unit: 'ms',
          project: a,
          referenceLabel: `@${kLabel(o.storeLevels[0] ?? 0)}`,
          reference: b,
          target: { text: '≤ 1.5×', pass: scaleOk(a, b) },
          note: `popText in process, no HTTP; submit ${summarize(sHigh.submitMs).median.toFixed(3)} vs ${summarize(sLow.submitMs).median.toFixed(3)} ms; the ${kLabel(sHighLevel)} queue seeded in ${sHigh.seedS.toFixed(0)} s`,
        }),
      );
    }
    const problems = plans.filter((p) => p.problem !== undefined);
    rows.push({
      bench: 'horde',
      metric: 'pop/submit/status/async queries walk an index',
      unit: '',
      target: { text: 'index, no scan', pass: plans.length > 0 ? problems.length === 0 : undefined },
      note:
        `${plans.length} statements (bench/results/query-plans.md); per call: ${perRoute(calls)}` +
        (problems.length > 0
          ? `; ${problems.map((p) => `${p.problem} in ${p.sql.slice(0, 80)}`).join('; ')}`
          : ''),
    });
    details.runs = runs;
    details.store = [...store.entries()].map(([level, f]) => ({
      level,
      seedSeconds: Math.round(f.seedS * 10) / 10,
      popMs: summarize(f.popMs),
      submitMs: summarize(f.submitMs),
    }));
    details.floors = [...floors.entries()].map(([workers, f]) => ({ workers, ...f }));
    details.queryPlans = plans;
    details.routeCalls = calls;
    return { name: 'horde', rows, details, seconds: (performance.now() - started) / 1000 };
  } finally {
    agent.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

if (isEntry(import.meta.url)) {
  const mode = process.argv[2];
  if (mode === 'serve-horde') void serveHorde(process.argv[3] ?? '');
  else if (mode === 'serve-bare') void serveBare();
}
