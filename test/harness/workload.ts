import { randomUUID } from 'node:crypto';
import { NoAnswer, errorBody, request, type RawResponse } from './http';
import type { SetupUser } from './protocol';
import type { Rng } from './rng';

/**
 * A random but seeded mix of what requesters and workers do to a horde:
 * text requests, pops, submits (ok and faulted, and duplicates), cancels,
 * transfers with idempotency keys, status reads. Every logical operation is
 * retried, with the same idempotency key and body, until it gets an HTTP
 * answer, as a real client does across a server crash; what was answered
 * (acknowledged) is recorded so the crash test can check it survived.
 */

export const HARNESS_MODEL = 'harness/tiny-model';

export type Op =
  | { kind: 'transfer'; from: SetupUser; to: SetupUser; amount: number; key: string; attempts: number }
  | {
      kind: 'async';
      user: SetupUser;
      maxLength: number;
      n: number;
      /** Refuses slow workers, which makes the horde hold the kudos up front (a reservation). */
      upfront: boolean;
      key: string;
      attempts: number;
    }
  | { kind: 'pop'; worker: WorkerSpec; attempts: number; sentSeq?: number }
  | { kind: 'submit'; worker: WorkerSpec; jobId: string; state: 'ok' | 'faulted'; attempts: number }
  | { kind: 'cancel'; user: SetupUser; requestId: string; attempts: number }
  | { kind: 'status'; requestId: string; attempts: number };

export interface WorkerSpec {
  name: string;
  owner: SetupUser;
}

export interface AckedTransfer {
  key: string;
  from: number;
  to: number;
  amountMilli: number;
  applied: boolean;
  rc?: string;
  /** More than one attempt was sent (an earlier one got no answer). */
  retried: boolean;
}

export interface AckedSubmit {
  jobId: string;
  worker: WorkerSpec;
  state: 'ok' | 'faulted';
  rewardMilli: number | undefined;
  rc?: string;
  retried: boolean;
}

export interface Counters {
  answered: number;
  unanswered: number;
  retriesSent: number;
  byKind: Record<string, number>;
  byStatus: Record<string, number>;
}

export class Workload {
  /** Where the horde answers now; null while it is down. */
  url: string | null = null;
  readonly pending: Op[] = [];
  readonly transfers = new Map<string, AckedTransfer>();
  readonly submits = new Map<string, AckedSubmit>();
  /** Text requests the horde acknowledged (202 with an id), with their owner. */
  readonly requests = new Map<
    string,
    { user: SetupUser; cancelled: boolean; cancelAckedAt: number | undefined }
  >();
  /**
   * Job id → who popped it, in which life, and the answer counter when the pop was sent
   * (to compare with `cancelAckSeq` of the job's request).
   */
  readonly popped = new Map<string, { worker: WorkerSpec; life: number; sentSeq: number }>();
  /** Request id → the answer counter when its cancel was acknowledged. */
  readonly cancelAckSeq = new Map<string, number>();
  /** Counts answers received; orders "acknowledged before sent" across concurrent clients. */
  private answerSeq = 0;
  /** Jobs popped and not yet submitted by the worker that holds them. */
  readonly inHand: { worker: WorkerSpec; jobId: string }[] = [];
  readonly violations: string[] = [];
  /** Acknowledged requests the horde later answered RequestNotFound for; the checker wants them expired. */
  readonly notFound = new Set<string>();
  readonly counters: Counters = { answered: 0, unanswered: 0, retriesSent: 0, byKind: {}, byStatus: {} };
  life = 0;
  /** Called on every answer (the crash test kills the horde from here). */
  onAnswer: (() => void) | undefined;
  /** Lives in which the horde clock jumped past the job deadline (jobs may be requeued). */
  readonly clockJumps = new Set<number>();

  constructor(
    private readonly rng: Rng,
    readonly requesters: SetupUser[],
    readonly workers: WorkerSpec[],
    private readonly timeoutMs = 5_000,
  ) {}

  private violation(msg: string): void {
    this.violations.push(`[life ${this.life}] ${msg}`);
  }

  /** Picks the next operation: a pending retry first, else a fresh random one. */
  nextOp(): Op {
    const retry = this.pending.shift();
    if (retry) return retry;
    const rng = this.rng;
    const users = [
      ...new Map([...this.requesters, ...this.workers.map((w) => w.owner)].map((u) => [u.id, u])).values(),
    ];
    const kind = rng.weighted<Op['kind']>([
      ['transfer', 3],
      ['async', 3],
      ['pop', 3],
      ['submit', this.inHand.length > 0 ? 4 : 0],
      ['cancel', this.requests.size > 0 ? 1 : 0],
      ['status', this.requests.size > 0 ? 1 : 0],
    ]);
    switch (kind) {
      case 'transfer': {
        const from = rng.pick(users);
        let to = rng.pick(users);
        if (to.id === from.id) to = users[(users.indexOf(from) + 1) % users.length]!;
        // Now and then more than anyone holds, so refusals are exercised too.
        const amount = rng.chance(0.05) ? 1_000_000 : rng.int(1, 30);
        return { kind, from, to, amount, key: randomUUID(), attempts: 0 };
      }
      case 'async':
        return {
          kind,
          user: rng.pick(this.requesters),
          maxLength: rng.int(16, 120),
          n: rng.chance(0.2) ? 2 : 1,
          upfront: rng.chance(0.4),
          key: randomUUID(),
          attempts: 0,
        };
      case 'pop':
        return { kind, worker: rng.pick(this.workers), attempts: 0 };
      case 'submit': {
        const i = rng.int(0, this.inHand.length - 1);
        const job = this.inHand.splice(i, 1)[0]!;
        return {
          kind,
          worker: job.worker,
          jobId: job.jobId,
          state: rng.chance(0.15) ? 'faulted' : 'ok',
          attempts: 0,
        };
      }
      case 'cancel': {
        const open = [...this.requests.entries()].filter(([, r]) => !r.cancelled);
        if (open.length === 0) return this.nextOp();
        const [requestId, r] = rng.pick(open);
        r.cancelled = true; // decided; acknowledged once the answer comes
        return { kind, user: r.user, requestId, attempts: 0 };
      }
      case 'status':
        return { kind, requestId: rng.pick([...this.requests.keys()]), attempts: 0 };
    }
  }

  /** Sends one attempt of `op`; on no answer the op goes back to `pending` and NoAnswer is rethrown. */
  async run(op: Op): Promise<void> {
    const base = this.url;
    if (base === null) {
      this.pending.push(op);
      throw new NoAnswer('horde is down', false);
    }
    op.attempts++;
    if (op.attempts > 1) this.counters.retriesSent++;
    if (op.kind === 'pop') op.sentSeq = this.answerSeq;
    let res: RawResponse;
    try {
      res = await this.send(base, op);
    } catch (e) {
      if (e instanceof NoAnswer) {
        this.counters.unanswered++;
        // A pop that got no answer is not retried: a worker just pops again (the job, if one
        // was handed out, comes back after the horde's timeout).
        if (op.kind !== 'pop') this.pending.push(op);
      }
      throw e;
    }
    this.answerSeq++;
    this.counters.answered++;
    this.onAnswer?.();
    this.counters.byKind[op.kind] = (this.counters.byKind[op.kind] ?? 0) + 1;
    this.counters.byStatus[String(res.status)] = (this.counters.byStatus[String(res.status)] ?? 0) + 1;
    if (res.status >= 500) {
      this.violation(`${op.kind} answered ${res.status}: ${res.text.slice(0, 300)}`);
      return;
    }
    if (res.status >= 400 && !errorBody(res)) {
      this.violation(`${op.kind} answered ${res.status} without {message, rc}: ${res.text.slice(0, 300)}`);
    }
    this.acknowledge(op, res);
  }

  private send(base: string, op: Op): Promise<RawResponse> {
    const t = this.timeoutMs;
    const json = (
      method: string,
      path: string,
      apikey: string,
      body?: object,
      headers: Record<string, string> = {},
    ) =>
      request({
        method,
        url: `${base}${path}`,
        headers: { apikey, 'client-agent': 'reliability-harness:1:test', ...headers },
        ...(body !== undefined ? { body } : {}),
        timeoutMs: t,
      });
    switch (op.kind) {
      case 'transfer':
        return json(
          'POST',
          '/v2/kudos/transfer',
          op.from.apikey,
          { username: op.to.username, amount: op.amount },
          { 'idempotency-key': op.key },
        );
      case 'async':
        return json(
          'POST',
          '/v2/generate/text/async',
          op.user.apikey,
          {
            prompt: `harness prompt ${op.key}`,
            params: { n: op.n, max_length: op.maxLength, max_context_length: 1024 },
            models: [HARNESS_MODEL],
            slow_workers: !op.upfront,
          },
          { 'idempotency-key': op.key },
        );
      case 'pop':
        return json('POST', '/v2/generate/text/pop', op.worker.owner.apikey, {
          name: op.worker.name,
          models: [HARNESS_MODEL],
          max_length: 512,
          max_context_length: 2048,
          bridge_agent: 'reliability-harness:1:test',
        });
      case 'submit':
        return json('POST', '/v2/generate/text/submit', op.worker.owner.apikey, {
          id: op.jobId,
          generation: op.state === 'ok' ? 'harness generation' : '',
          state: op.state,
          seed: 1,
        });
      case 'cancel':
        return json('DELETE', `/v2/generate/text/status/${op.requestId}`, op.user.apikey);
      case 'status':
        return json('GET', `/v2/generate/text/status/${op.requestId}`, '0000000000');
    }
  }

  private acknowledge(op: Op, res: RawResponse): void {
    const rc = errorBody(res)?.rc;
    switch (op.kind) {
      case 'transfer': {
        const ok = res.status === 200;
        if (!ok && rc === undefined) return;
        const transferred = (res.json as { transferred?: unknown } | undefined)?.transferred;
        if (ok && transferred !== undefined && transferred !== op.amount) {
          this.violation(
            `transfer ${op.key}: asked ${op.amount}, horde says transferred ${String(transferred)}`,
          );
        }
        const prev = this.transfers.get(op.key);
        if (prev && prev.applied !== ok) {
          this.violation(
            `transfer ${op.key} answered ${prev.applied ? 'applied' : 'refused'} then ${res.status} ${rc}`,
          );
        }
        this.transfers.set(op.key, {
          key: op.key,
          from: op.from.id,
          to: op.to.id,
          amountMilli: op.amount * 1000,
          applied: ok,
          ...(rc !== undefined ? { rc } : {}),
          retried: op.attempts > 1,
        });
        // A flag is a fair outcome here: kills and clock jumps leave a worker's popped jobs
        // unfinished, and the fair-kudos rules flag its owner (rc *AccountFlagged). The ledger
        // checks still prove such a refused transfer moved nothing.
        const expected = ['KudosTransferNotEnough', 'TargetAccountFlagged', 'SourceAccountFlagged'];
        if (!ok && op.amount < 1_000_000 && !expected.includes(rc ?? '')) {
          this.violation(`transfer ${op.key} refused with unexpected rc ${rc} (${res.status})`);
        }
        return;
      }
      case 'async': {
        if (res.status === 202 || res.status === 200) {
          const id = (res.json as { id?: unknown } | undefined)?.id;
          if (typeof id !== 'string') {
            this.violation(`async answered ${res.status} without an id: ${res.text.slice(0, 200)}`);
            return;
          }
          this.requests.set(id, { user: op.user, cancelled: false, cancelAckedAt: undefined });
        } else if (rc !== 'KudosUpfront') {
          this.violation(`async refused with unexpected ${res.status} ${rc}`);
        }
        return;
      }
      case 'pop': {
        if (res.status !== 200) {
          this.violation(`pop refused: ${res.status} ${rc}`);
          return;
        }
        const body = res.json as { id?: string | null; ids?: string[] } | undefined;
        const ids = body?.ids && body.ids.length > 0 ? body.ids : body?.id ? [body.id] : [];
        for (const jobId of ids) {
          const seen = this.popped.get(jobId);
          // The same job may come back only when the horde's clock passed its deadline.
          if (seen && !this.clockJumpedSince(seen.life)) {
            this.violation(`job ${jobId} handed to ${op.worker.name}, already held by ${seen.worker.name}`);
          }
          this.popped.set(jobId, { worker: op.worker, life: this.life, sentSeq: op.sentSeq ?? 0 });
          this.inHand.push({ worker: op.worker, jobId });
        }
        return;
      }
      case 'submit': {
        const prev = this.submits.get(op.jobId);
        if (res.status === 200) {
          const reward = (res.json as { reward?: unknown } | undefined)?.reward;
          if (typeof reward !== 'number') {
            this.violation(`submit ${op.jobId}: 200 without a numeric reward`);
            return;
          }
          if (prev !== undefined) {
            this.violation(
              `job ${op.jobId} accepted twice (${prev.rewardMilli ?? prev.rc} then reward ${reward})`,
            );
          }
          this.submits.set(op.jobId, {
            jobId: op.jobId,
            worker: op.worker,
            state: op.state,
            rewardMilli: Math.round(reward * 1000),
            retried: op.attempts > 1,
          });
          // Some settled jobs are submitted once more later: that must be refused as a duplicate.
          if (op.state === 'ok' && this.rng.chance(0.3))
            this.inHand.push({ worker: op.worker, jobId: op.jobId });
          return;
        }
        if (rc === 'DuplicateGen') {
          // Fine when this job was settled before, or when an earlier attempt of this submit
          // reached the horde before a crash; a first-time submit must not be called a duplicate.
          if (!prev && op.attempts === 1)
            this.violation(`first submit of job ${op.jobId} refused as DuplicateGen`);
        }
        if (!prev) {
          this.submits.set(op.jobId, {
            jobId: op.jobId,
            worker: op.worker,
            state: op.state,
            rewardMilli: undefined,
            ...(rc !== undefined ? { rc } : {}),
            retried: op.attempts > 1,
          });
        }
        return;
      }
      case 'cancel': {
        const req = this.requests.get(op.requestId);
        if (res.status === 200) {
          if (req) req.cancelAckedAt = this.life;
          this.cancelAckSeq.set(op.requestId, this.answerSeq);
        } else if (rc === 'RequestNotFound') {
          // Right only if a retried cancel already went through, or the request expired.
          if (op.attempts === 1) this.notFound.add(op.requestId);
        } else {
          this.violation(`cancel of acknowledged request ${op.requestId} answered ${res.status} ${rc}`);
        }
        return;
      }
      case 'status': {
        // A cancelled request may be gone; any other acknowledged one must still be there.
        if (rc === 'RequestNotFound') this.notFound.add(op.requestId);
        else if (res.status !== 200)
          this.violation(`status of acknowledged request ${op.requestId}: ${res.status} ${rc}`);
        return;
      }
    }
  }

  clockJumpedSince(life: number): boolean {
    for (const l of this.clockJumps) if (l > life) return true;
    return false;
  }

  /** Retries every pending operation until each gets an answer (the horde must be up). */
  async drainPending(deadline: number): Promise<void> {
    while (this.pending.length > 0) {
      if (Date.now() > deadline)
        throw new Error(`${this.pending.length} operations still unanswered at the deadline`);
      const op = this.pending.shift()!;
      try {
        await this.run(op);
      } catch (e) {
        if (!(e instanceof NoAnswer)) throw e;
      }
    }
  }
}
