import { LedgerWatcher, openReadOnly, type StoredEvent } from './ledger-db';
import type { HordeReady } from './protocol';
import type { Workload } from './workload';

/**
 * The crash test's invariants, checked against the database file after each
 * restart: the ledger is sound (see ledger-db.ts) and everything the horde
 * acknowledged before a crash is still there, applied exactly once.
 */

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Adds events to an index by every UUID in their key or memo (idempotency keys, job ids, request ids). */
function indexByUuid(events: readonly StoredEvent[], index: Map<string, StoredEvent[]>): void {
  for (const e of events) {
    const ids = new Set(
      [...(e.key.match(UUID) ?? []), ...(e.body.memo?.match(UUID) ?? [])].map((s) => s.toLowerCase()),
    );
    for (const id of ids) {
      const list = index.get(id);
      if (list) list.push(e);
      else index.set(id, [e]);
    }
  }
}

export interface CheckStats {
  events: number;
  /** Events by kind (job_settlement, uptime_reward, transfer, reservation, ...). */
  byKind: Record<string, number>;
  transfersChecked: number;
  settlementsChecked: number;
}

/** Checks one database across restarts, reading only what was appended since the last check. */
export class CrashChecker {
  private readonly watcher = new LedgerWatcher();
  private readonly byUuid = new Map<string, StoredEvent[]>();

  constructor(private readonly dbPath: string) {}

  check(w: Workload, ready: HordeReady | undefined): { problems: string[]; stats: CheckStats } {
    const db = openReadOnly(this.dbPath);
    try {
      const { snap, problems } = this.watcher.read(db);
      indexByUuid(snap.events, this.byUuid);
      const query = <T>(sql: string): T[] => db.prepare(sql).all() as T[];
      const result = checkFacts(w, ready, problems, this.byUuid, query, this.watcher.eventCount);
      for (const e of this.watcher.events)
        result.stats.byKind[e.kind] = (result.stats.byKind[e.kind] ?? 0) + 1;
      return result;
    } finally {
      db.close();
    }
  }
}

function checkFacts(
  w: Workload,
  ready: HordeReady | undefined,
  problems: string[],
  byUuid: Map<string, StoredEvent[]>,
  query: <T>(sql: string) => T[],
  eventCount: number,
): { problems: string[]; stats: CheckStats } {
  if (ready?.verify && !ready.verify.ok) {
    problems.push(`horde verify() after restart: ${JSON.stringify(ready.verify.differences).slice(0, 500)}`);
  }
  const of = (id: string, kind: string): StoredEvent[] =>
    (byUuid.get(id.toLowerCase()) ?? []).filter((e) => e.kind === kind);

  // Transfers: applied exactly once when the horde said so, never when it refused.
  let transfersChecked = 0;
  for (const t of w.transfers.values()) {
    const n = of(t.key, 'transfer').length;
    transfersChecked++;
    if (t.applied && n !== 1) problems.push(`acknowledged transfer ${t.key} is in the ledger ${n} times`);
    if (!t.applied && n !== 0)
      problems.push(`refused transfer ${t.key} (${t.rc}) is in the ledger ${n} times`);
  }
  // A transfer key applied although no answer ever came back is fine (a pending retry will see it),
  // but never twice: ledgerViolations already refuses duplicate keys; settle counts per job here.
  let settlementsChecked = 0;
  for (const [id, list] of byUuid) {
    const settlements = list.filter((e) => e.kind === 'job_settlement');
    if (settlements.length > 1 && w.popped.has(id)) {
      problems.push(
        `job ${id} settled ${settlements.length} times: ${settlements.map((e) => e.key).join(', ')}`,
      );
    }
  }
  for (const s of w.submits.values()) {
    if (s.rc === 'DuplicateGen' && s.state === 'ok' && s.retried) {
      // The first attempt reached the horde before it died: it must have settled once.
      const n = of(s.jobId, 'job_settlement').length;
      if (n !== 1) problems.push(`job ${s.jobId} called a duplicate on retry but has ${n} settlements`);
    }
    if (s.rewardMilli === undefined) continue;
    settlementsChecked++;
    const settlements = of(s.jobId, 'job_settlement');
    if (s.rewardMilli > 0) {
      if (settlements.length !== 1) {
        problems.push(
          `job ${s.jobId} acknowledged with reward ${s.rewardMilli / 1000} has ${settlements.length} settlements`,
        );
        continue;
      }
      const credit = (settlements[0]!.body.postings ?? []).find(
        (p) => p.account === `user:${s.worker.owner.id}`,
      );
      if (!credit || credit.amount !== s.rewardMilli) {
        problems.push(
          `job ${s.jobId}: reward answered ${s.rewardMilli} milli, the owner was credited ${credit?.amount ?? 'nothing'}`,
        );
      }
    } else if (settlements.some((e) => (e.body.postings ?? []).some((p) => p.amount !== 0))) {
      problems.push(`job ${s.jobId} answered reward 0 (${s.state}) but moved kudos`);
    }
  }

  // Requests and cancels the horde acknowledged.
  const reqRows = new Map(
    query<{ id: string; status: string }>('SELECT id, status FROM text_requests').map((r) => [
      r.id,
      r.status,
    ]),
  );
  for (const [id, r] of w.requests) {
    const status = reqRows.get(id);
    if (status === undefined) {
      problems.push(`acknowledged text request ${id} is not in the database`);
      continue;
    }
    if (w.notFound.has(id) && status !== 'expired') {
      problems.push(`acknowledged text request ${id} answered RequestNotFound while ${status}`);
    }
    if (r.cancelAckedAt !== undefined && status === 'queued') {
      problems.push(`text request ${id} is queued again although its cancel was acknowledged`);
    }
  }
  const jobRows = new Map(
    query<{ id: string; request_id: string; status: string }>(
      'SELECT id, request_id, status FROM text_jobs',
    ).map((r) => [r.id, r]),
  );
  for (const [jobId, p] of w.popped) {
    const row = jobRows.get(jobId);
    if (!row) {
      problems.push(`popped job ${jobId} is not in the database`);
      continue;
    }
    const cancelSeq = w.cancelAckSeq.get(row.request_id);
    if (cancelSeq !== undefined && p.sentSeq >= cancelSeq) {
      problems.push(
        `job ${jobId} was popped from request ${row.request_id} after its cancel was acknowledged`,
      );
    }
  }
  for (const s of w.submits.values()) {
    if (s.rewardMilli !== undefined || s.rc === 'DuplicateGen') continue;
    // A refused submit is right only when the job was taken back: timed out, or its request ended.
    const job = jobRows.get(s.jobId);
    const reqStatus = job ? reqRows.get(job.request_id) : undefined;
    const excused =
      job?.status === 'aborted' ||
      reqStatus === 'cancelled' ||
      reqStatus === 'expired' ||
      reqStatus === 'faulted';
    if (!excused) {
      problems.push(
        `submit of job ${s.jobId} refused (${s.rc}) though job is ${job?.status}, request ${reqStatus}`,
      );
    }
  }
  return { problems, stats: { events: eventCount, byKind: {}, transfersChecked, settlementsChecked } };
}
