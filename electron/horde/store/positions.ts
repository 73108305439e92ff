import type { HordeDb } from './db';

/**
 * Queue positions of text requests without counting the queue on every
 * status poll. The first poll of a request counts the requests ahead of it
 * once (one pass over a covering index, O(position)); later polls add only
 * the changes logged since (`text_queue_log`, written by triggers on
 * `text_requests`, migration 20), which is O(changes since the last poll)
 * whatever the queue's length. The answer is exact either way: the log holds
 * every change of what a queued request contributes, from any code path.
 *
 * Only this process writes `text_requests` (the admin CLI never does), and
 * JavaScript runs one statement at a time, so the log's last seq and the
 * count read right after it describe the same state.
 */

export interface QueueAhead {
  /** 1 for the head of the queue. */
  position: number;
  /** Tokens the requests ahead will generate (max_length · n each). */
  tokensAhead: number;
}

interface Kept {
  seq: number;
  extraPriority: number;
  createdAt: number;
  count: number;
  tokens: number;
  usedAt: number;
}

interface Cache {
  kept: Map<string, Kept>;
  /** The same positions in queue order: a new request's count starts from the nearest one ahead of it. */
  order: Kept[];
  /** Log rows up to this seq are deleted; a position kept from before it is counted afresh. */
  prunedThrough: number;
  /** Polls since the log was last pruned. */
  polls: number;
}

/** Positions not asked for within this long are dropped (the window polls every few seconds). */
const KEEP_MS = 10 * 60_000;
/** Prune the log every this many polls (and keep at most this many positions). */
const PRUNE_EVERY = 1000;
const MAX_KEPT = 100_000;

const caches = new WeakMap<HordeDb, Cache>();

function cacheOf(db: HordeDb): Cache {
  let c = caches.get(db);
  if (!c) {
    c = { kept: new Map(), order: [], prunedThrough: 0, polls: 0 };
    caches.set(db, c);
  }
  return c;
}

/** The same order as pop and `compareQueue`: higher priority first, then older (strictly: ties are not ahead). */
const AHEAD = '(extra_priority > :p OR (extra_priority = :p AND created_at < :c))';

export function queueAhead(
  db: HordeDb,
  r: { id: string; extra_priority: number; created_at: number },
  nowMs: number = Date.now(),
): QueueAhead {
  const cache = cacheOf(db);
  const seq = lastSeq(db);
  let kept = cache.kept.get(r.id);
  if (
    kept &&
    current(kept, cache, seq) &&
    kept.extraPriority === r.extra_priority &&
    kept.createdAt === r.created_at
  ) {
    catchUp(db, kept, seq);
    kept.usedAt = nowMs;
  } else {
    if (kept) cache.order.splice(cache.order.indexOf(kept), 1);
    kept = firstCount(db, cache, r, seq, nowMs);
    cache.kept.set(r.id, kept);
    insertOrdered(cache.order, kept);
  }
  if (++cache.polls >= PRUNE_EVERY || cache.kept.size > MAX_KEPT) prune(db, cache, nowMs);
  return { position: kept.count + 1, tokensAhead: kept.tokens };
}

/** Changes to catch up on beyond which counting afresh is cheaper (it reads at most position + this many rows). */
const MAX_LAG = 4096;

/**
 * Whether a kept position is worth bringing up to date: the log still holds
 * what it has not seen, and that is less than counting it again would read
 * (a position nobody polled for a long while is counted afresh instead).
 */
function current(k: Kept, cache: Cache, seq: number): boolean {
  return k.seq >= cache.prunedThrough && seq - k.seq <= Math.max(MAX_LAG, k.count);
}

/** Applies the changes logged after the kept position's seq, up to `seq`. */
function catchUp(db: HordeDb, kept: Kept, seq: number): void {
  if (seq <= kept.seq) return;
  const d = db.get<{ n: number | null; t: number | null }>(
    `SELECT SUM(dn) AS n, SUM(dt) AS t FROM text_queue_log WHERE seq > :from AND seq <= :to AND ${AHEAD}`,
    { p: kept.extraPriority, c: kept.createdAt, from: kept.seq, to: seq },
  );
  kept.count += d?.n ?? 0;
  kept.tokens += d?.t ?? 0;
  kept.seq = seq;
}

/** Queue order of two keys: negative when `a` comes first. */
function compareKept(
  a: Pick<Kept, 'extraPriority' | 'createdAt'>,
  b: Pick<Kept, 'extraPriority' | 'createdAt'>,
): number {
  return b.extraPriority - a.extraPriority || a.createdAt - b.createdAt;
}

function insertOrdered(order: Kept[], k: Kept): void {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareKept(order[mid]!, k) <= 0) lo = mid + 1;
    else hi = mid;
  }
  order.splice(lo, 0, k);
}

/** The last kept position at or before `key` in queue order that the log can still bring up to date. */
function nearestAhead(
  cache: Cache,
  key: Pick<Kept, 'extraPriority' | 'createdAt'>,
  seq: number,
): Kept | undefined {
  let lo = 0;
  let hi = cache.order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareKept(cache.order[mid]!, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  // The nearest few only: a base much further up costs as much to count from as the head.
  for (let i = lo - 1; i >= Math.max(0, lo - 8); i--) {
    const k = cache.order[i]!;
    if (current(k, cache, seq)) return k;
  }
  return undefined;
}

const SUMS = 'COUNT(*) AS n, SUM(max_length * n) AS t FROM text_requests INDEXED BY text_requests_position';

/**
 * The first position of a request: the nearest kept position ahead of it,
 * brought up to date, plus the queued requests between the two (an index
 * range); with none kept, the whole count ahead. A new request is counted
 * from the one polled before it, not from the head of the queue.
 */
function firstCount(
  db: HordeDb,
  cache: Cache,
  r: { extra_priority: number; created_at: number },
  seq: number,
  nowMs: number,
): Kept {
  const key = { extraPriority: r.extra_priority, createdAt: r.created_at };
  const base = nearestAhead(cache, key, seq);
  let count = 0;
  let tokens = 0;
  const add = (sql: string, params: Record<string, number>): void => {
    const a = db.get<{ n: number; t: number | null }>(
      `SELECT ${SUMS} WHERE status = 'queued' AND ${sql}`,
      params,
    );
    count += a?.n ?? 0;
    tokens += a?.t ?? 0;
  };
  const p = r.extra_priority;
  const c = r.created_at;
  if (!base) {
    add(AHEAD, { p, c });
  } else {
    catchUp(db, base, seq);
    count = base.count;
    tokens = base.tokens;
    // What is ahead of r and not ahead of base: from base's key (ties with it included) up to r's.
    const pk = base.extraPriority;
    const ck = base.createdAt;
    if (pk === p) {
      if (ck < c) add('extra_priority = :p AND created_at >= :ck AND created_at < :c', { p, ck, c });
    } else {
      add('extra_priority = :pk AND created_at >= :ck', { pk, ck });
      add('extra_priority < :pk AND extra_priority > :p', { pk, p });
      add('extra_priority = :p AND created_at < :c', { p, c });
    }
  }
  return { seq, extraPriority: p, createdAt: c, count, tokens, usedAt: nowMs };
}

/** The log's last seq, also once it is pruned empty (AUTOINCREMENT keeps it). */
function lastSeq(db: HordeDb): number {
  return db.get<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'text_queue_log'")?.seq ?? 0;
}

/** For the sweep: keeps the log short even while nobody polls a status. */
export function pruneQueueLog(db: HordeDb, nowMs: number): void {
  prune(db, cacheOf(db), nowMs);
}

/** Drops positions nobody asked for lately, and the log rows every kept position has already seen. */
function prune(db: HordeDb, cache: Cache, nowMs: number): void {
  cache.polls = 0;
  const byUse = [...cache.kept.entries()].sort((a, b) => b[1].usedAt - a[1].usedAt);
  const seq = lastSeq(db);
  // Positions that would be counted afresh anyway do not hold the log back.
  cache.kept = new Map(
    byUse.filter(([, k], i) => i < MAX_KEPT && nowMs - k.usedAt <= KEEP_MS && current(k, cache, seq)),
  );
  cache.order = [...cache.kept.values()].sort(compareKept);
  let through = seq;
  for (const k of cache.kept.values()) through = Math.min(through, k.seq);
  if (through > cache.prunedThrough) {
    db.run('DELETE FROM text_queue_log WHERE seq <= ?', through);
    cache.prunedThrough = through;
  }
}
