/**
 * Horde throughput and latency: simulated workers pop and submit over HTTP
 * against the embedded horde (its own process, rate limits relaxed through
 * `startHorde`'s limits) while requesters post one new request for every job
 * popped, so the queue stays at 1k, 10k, 100k waiting requests. The queue is
 * filled up front with the store's own `enqueueText` (the fastest legitimate
 * way: the same rows the async route writes, without 100k HTTP round trips).
 *
 * Beside it, in the same run: the same load against a bare node:http server
 * that parses the body and answers a pop-sized JSON (the transport floor), and
 * pop + submit through the store functions in process (no HTTP), with the pop
 * query's EXPLAIN QUERY PLAN.
 *
 * Child use: tsx bench/horde.ts serve-horde <dbPath> | serve-bare
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
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
import { row, type BenchResult, type Row } from './report';
import { percentile, summarize, type Summary } from './stats';

const HERE = fileURLToPath(import.meta.url);
const MODEL = 'koboldcpp/bench-model';
const MAX_LENGTH = 80;
const MAX_CONTEXT = 1024;
const REQUEST_TIMEOUT_MS = 10_000;

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
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), apikey },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
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
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(data);
  });
}

// ─── children: the horde, and the bare HTTP floor ────────────────────────────

async function serveHorde(dbPath: string): Promise<void> {
  const horde = await startHorde({
    dbPath,
    // Hundreds of requests per second from one key are the point here; the sweep still runs before every pop.
    limits: { rateLimitMax: 100_000_000, rateLimitWindowMs: 1000, sweepIntervalMs: 0 },
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

async function serveBare(): Promise<void> {
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      // Parse and answer as a JSON API would, so the floor includes the JSON work every route does.
      const body = JSON.parse(text || '{}') as { id?: string };
      const out = body.id !== undefined ? JSON.stringify({ reward: 1.5 }) : BARE_POP;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
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

function createAccounts(dbPath: string): Accounts {
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

/** Tops the queue up to `target` waiting requests with the store's own enqueue, in one transaction. */
function fillQueue(db: HordeDb, requester: UserRow, target: number): number {
  const missing = target - queuedTextRequests(db);
  if (missing <= 0) return 0;
  const now = Date.now();
  db.tx(() => {
    for (let i = 0; i < missing; i++) {
      enqueueText(
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
        now,
        LIFECYCLE,
      );
    }
  });
  return missing;
}

// ─── load ────────────────────────────────────────────────────────────────────

interface LoadOptions {
  url: string;
  workerKey: string;
  requesterKey?: string;
  workers: number;
  /** Simulated generation time between pop and submit. */
  thinkMs: number;
  warmupMs: number;
  windowMs: number;
  windows: number;
}

interface WindowSamples {
  pop: number[];
  submit: number[];
  pair: number[];
  async: number[];
  settled: number;
  empty: number;
  errors: number;
}

const emptyWindow = (): WindowSamples => ({
  pop: [],
  submit: [],
  pair: [],
  async: [],
  settled: 0,
  empty: 0,
  errors: 0,
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs the workers (and requesters, when a key is given) for warm-up + windows; samples go to the window they started in. */
async function runLoad(o: LoadOptions): Promise<{ windows: WindowSamples[]; firstError?: string }> {
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
  let wakeRequester: (() => void) | undefined;

  const worker = async (i: number): Promise<void> => {
    const name = `bench-worker-${i}`;
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
      wakeRequester?.();
      if (o.thinkMs > 0) await sleep(o.thinkMs);
      const t1 = performance.now();
      try {
        const sub = await post(
          `${o.url}/v2/generate/text/submit`,
          { id, generation: 'y'.repeat(200), state: 'ok', seed: 1 },
          o.workerKey,
        );
        const subMs = performance.now() - t1;
        if (sub.status !== 200) fail(w, `submit answered ${sub.status} ${JSON.stringify(sub.body)}`);
        else if (w) {
          w.submit.push(subMs);
          w.pair.push(popMs + subMs);
          w.settled++;
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
          wakeRequester = r;
          setTimeout(r, 50);
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

  const loops: Promise<void>[] = [];
  for (let i = 0; i < o.workers; i++) loops.push(worker(i));
  if (o.requesterKey !== undefined) for (let i = 0; i < 4; i++) loops.push(requester());
  await Promise.all(loops);
  return firstError === undefined ? { windows } : { windows, firstError };
}

interface LevelFigures {
  popP50: Summary;
  popP99: Summary;
  submitP50: Summary;
  submitP99: Summary;
  pairP99: Summary;
  asyncP50: Summary;
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
  plans: { sql: string; plan: string[] }[];
}

function storePopSubmit(dbPath: string, ownerId: number, count: number, budgetMs: number): StoreFigures {
  const db = new HordeDb(dbPath);
  try {
    const owner = userById(db, ownerId) as UserRow;
    const worker = db.get<WorkerRow>(
      'SELECT * FROM workers WHERE owner_id = ? ORDER BY name LIMIT 1',
      ownerId,
    );
    if (!worker) throw new Error('no worker has checked in yet');
    // Record the SQL pop runs, to ask SQLite for its plan with the very same text and parameters.
    const seen: { sql: string; params: SqlParam[] }[] = [];
    const get = db.get.bind(db);
    db.get = ((sql: string, ...params: SqlParam[]) => {
      if (seen.length < 8) seen.push({ sql, params });
      return get(sql, ...params);
    }) as HordeDb['get'];
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
      if (i === 0) db.get = get;
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
    const plans = seen
      .filter((s) => /FROM text_(queue|requests)\b/.test(s.sql) && /ORDER BY[\s\S]*LIMIT 1/.test(s.sql))
      .filter((s, i, all) => all.findIndex((x) => x.sql === s.sql) === i)
      .map((s) => ({
        sql: s.sql.replace(/\s+/g, ' ').trim(),
        plan: (
          db.sql.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...(s.params as never[])) as { detail: string }[]
        ).map((r) => r.detail),
      }));
    return { popMs, submitMs, plans };
  } finally {
    db.close();
  }
}

/**
 * A plan is good when every table is reached through an index and nothing is
 * sorted in a temporary b-tree, except where the query picks given users'
 * requests: then it must reach them through an index on user_id (a sort of
 * those users' own rows is bounded by what they queued, not by the queue).
 */
function planProblem(sql: string, plan: string[]): string | undefined {
  const tables = plan.filter((d) => /^(SCAN|SEARCH) \w+/.test(d) && !/VIRTUAL TABLE|CONSTANT ROW/.test(d));
  if (tables.length === 0) return 'the plan names no table';
  const bare = tables.find((d) => !/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY|USING ROWID/.test(d));
  if (bare) return `scans a table: ${bare}`;
  const byUser = /user_id IN/.test(sql);
  if (byUser && !tables.some((d) => /user_id/.test(d))) return 'picks users without an index on user_id';
  if (!byUser && plan.some((d) => /USE TEMP B-TREE FOR ORDER BY/.test(d)))
    return 'sorts the queue in a temporary b-tree';
  return undefined;
}

// ─── the benchmark ───────────────────────────────────────────────────────────

export interface HordeOptions {
  levels: number[];
  workers: number;
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
  log: (line: string) => void;
}

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
    const accounts = createAccounts(dbPath);
    const load = {
      workers: o.workers,
      thinkMs: o.thinkMs,
      warmupMs: o.warmupMs,
      windowMs: o.windowMs,
      windows: o.windows,
    };
    const saturation = {
      workers: o.workers,
      thinkMs: 0,
      warmupMs: Math.min(o.warmupMs, 1000),
      windowMs: o.saturationWindowMs,
      windows: o.saturationWindows,
    };
    /** Latency at a worker-like pace, then throughput flat out, against one server. */
    const phases = async (url: string, keys: { workerKey: string; requesterKey?: string }) => {
      const a = await runLoad({ ...load, url, ...keys });
      const b = await runLoad({ ...saturation, url, ...keys });
      return {
        latency: figures(a.windows, o.windowMs, a.firstError),
        throughput: figures(b.windows, o.saturationWindowMs, b.firstError),
      };
    };

    // The transport floor first, while the machine is as it will be for the horde.
    const bare = await startServerChild<{ url: string }>(HERE, ['serve-bare'], { readyTimeoutMs: 30_000 });
    let floor: LevelFigures;
    let floorMax: LevelFigures;
    try {
      const f = await phases(bare.info.url, { workerKey: 'x' });
      floor = f.latency;
      floorMax = f.throughput;
      o.log(
        `  horde: bare node:http floor pop p50 ${floor.popP50.median.toFixed(2)} ms, p99 ${floor.popP99.median.toFixed(2)} ms, ` +
          `${floorMax.settledPerS.median.toFixed(0)} pairs/s flat out`,
      );
    } finally {
      await bare.stop();
    }

    const levels: {
      level: number;
      http: LevelFigures;
      max: LevelFigures;
      store: StoreFigures;
      seeded: number;
      seedMs: number;
    }[] = [];
    const server = await startServerChild<{ url: string }>(HERE, ['serve-horde', dbPath], {
      readyTimeoutMs: 60_000,
    });
    try {
      for (const level of o.levels) {
        const db = new HordeDb(dbPath);
        const requester = userById(db, accounts.requester.id) as UserRow;
        const t0 = performance.now();
        const seeded = fillQueue(db, requester, level);
        const seedMs = performance.now() - t0;
        db.close();
        o.log(`  horde: queue at ${level} (seeded ${seeded} in ${(seedMs / 1000).toFixed(1)} s)`);
        const { latency: http, throughput: max } = await phases(server.info.url, {
          workerKey: accounts.owner.apikey,
          requesterKey: accounts.requester.apikey,
        });
        // Put back what the HTTP phase settled beyond what the requesters re-posted, then time the store itself.
        const db2 = new HordeDb(dbPath);
        fillQueue(db2, userById(db2, accounts.requester.id) as UserRow, level);
        const queued = queuedTextRequests(db2);
        db2.close();
        const store = storePopSubmit(dbPath, accounts.owner.id, o.storeOps, o.storeBudgetMs);
        levels.push({ level, http, max, store, seeded, seedMs });
        o.log(
          `  horde ${level}: pop p50 ${http.popP50.median.toFixed(2)} p99 ${http.popP99.median.toFixed(2)} ms, ` +
            `submit p99 ${http.submitP99.median.toFixed(2)} ms, ${max.settledPerS.median.toFixed(0)} jobs/s flat out, ` +
            `store pop ${percentile(store.popMs, 50).toFixed(3)} ms, queue ${queued}, errors ${http.errors}` +
            ((http.firstError ?? max.firstError)
              ? ` (${(http.firstError ?? max.firstError ?? '').slice(0, 200)})`
              : ''),
        );
      }
    } finally {
      await server.stop();
    }

    const rows: Row[] = [];
    const floorLabel = 'bare node:http, same load';
    for (const l of levels) {
      const k = l.level >= 1000 ? `${l.level / 1000}k` : String(l.level);
      rows.push(
        row({
          bench: 'horde',
          metric: `pop p50 @${k} queued`,
          unit: 'ms',
          project: l.http.popP50,
          referenceLabel: floorLabel,
          reference: floor.popP50,
        }),
        row({
          bench: 'horde',
          metric: `pop+submit p99 @${k} queued`,
          unit: 'ms',
          project: l.http.pairP99,
          referenceLabel: floorLabel,
          reference: floor.pairP99,
          ...(l.level === 10_000
            ? {
                target: {
                  text: '< 20 ms',
                  pass: l.http.pairP99.n > 0 ? l.http.pairP99.median < 20 : undefined,
                },
              }
            : {}),
          note: `pop p99 ${l.http.popP99.median.toFixed(1)} ms, submit p50 ${l.http.submitP50.median.toFixed(1)} / p99 ${l.http.submitP99.median.toFixed(1)} ms, async p50 ${l.http.asyncP50.median.toFixed(1)} ms, errors ${l.http.errors}`,
        }),
        row({
          bench: 'horde',
          metric: `jobs settled/s flat out @${k} queued`,
          unit: '/s',
          project: l.max.settledPerS,
          referenceLabel: 'bare node:http pairs',
          reference: floorMax.settledPerS,
          note: `no think time; pop p50 ${l.max.popP50.median.toFixed(1)} ms, errors ${l.max.errors}; at ${o.thinkMs} ms per job the workers settled ${l.http.settledPerS.median.toFixed(0)}/s`,
        }),
      );
    }
    const low = levels[0];
    const high = levels[levels.length - 1];
    if (low && high && high !== low) {
      const kl = `${low.level / 1000}k`;
      const kh = `${high.level / 1000}k`;
      const storeLow = summarize(low.store.popMs);
      const storeHigh = summarize(high.store.popMs);
      const scaleOk = (x: Summary, y: Summary): boolean | undefined =>
        x.n > 0 && y.n > 0 ? x.median / y.median <= 1.5 : undefined;
      rows.push(
        row({
          bench: 'horde',
          metric: `pop in store @${kh} vs @${kl}`,
          unit: 'ms',
          project: storeHigh,
          referenceLabel: `@${kl}`,
          reference: storeLow,
          target: { text: '≤ 1.5×', pass: scaleOk(storeHigh, storeLow) },
          note: 'popText in process, no HTTP',
        }),
        row({
          bench: 'horde',
          metric: `pop p50 over HTTP @${kh} vs @${kl}`,
          unit: 'ms',
          project: high.http.popP50,
          referenceLabel: `@${kl}`,
          reference: low.http.popP50,
          target: { text: '≤ 1.5×', pass: scaleOk(high.http.popP50, low.http.popP50) },
        }),
      );
    }
    const plans = (high?.store.plans ?? []).map((p) => ({ ...p, problem: planProblem(p.sql, p.plan) }));
    const problems = plans.filter((p) => p.problem !== undefined);
    rows.push({
      bench: 'horde',
      metric: 'pop queries walk an index',
      unit: '',
      target: { text: 'index, no scan', pass: plans.length > 0 ? problems.length === 0 : undefined },
      note:
        `${plans.length} pop queries: ` +
        plans
          .map(
            (p) =>
              `[${p.plan.filter((d) => /^(SCAN|SEARCH) (?!\w+ VIRTUAL)|TEMP B-TREE/.test(d)).join('; ')}]${p.problem ? ` ${p.problem}` : ''}`,
          )
          .join(' '),
    });
    details.levels = levels.map((l) => ({
      level: l.level,
      seeded: l.seeded,
      seedSeconds: Math.round(l.seedMs) / 1000,
      http: l.http,
      flatOut: l.max,
      storePopMs: summarize(l.store.popMs),
      storeSubmitMs: summarize(l.store.submitMs),
    }));
    details.floor = { latency: floor, throughput: floorMax };
    details.popQueryPlans = plans;
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
