import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody } from '../harness/http';
import { hordeFixture, type HordeFixture, type StartedHorde } from '../harness/horde-fixture';
import { ledgerViolations, queryDb, readLedger } from '../harness/ledger-db';
import { countFromEnv } from '../harness/rng';
import { HARNESS_MODEL } from '../harness/workload';

/**
 * Concurrency: requests sent together (Promise.all over loopback HTTP, so
 * they interleave inside the horde's event loop) must not overdraw a
 * balance, hand one job to two workers, or settle a job twice.
 * RACE_ROUNDS scales every race (default 10 rounds each).
 */

const ROUNDS = countFromEnv('RACE_ROUNDS', 10);
let fx: HordeFixture;
let h: StartedHorde;
/** Races run in this file, for the README figures. */
let races = 0;

const balanceMilli = (user: { id: number }): number =>
  queryDb<{ balance: number }>(
    h.dbPath,
    'SELECT balance FROM balances WHERE account = ?',
    `user:${user.id}`,
  )[0]?.balance ?? 0;
const heldMilli = (user: { id: number }): number =>
  queryDb<{ held: number | null }>(
    h.dbPath,
    'SELECT SUM(amount) AS held FROM holds WHERE account = ?',
    `user:${user.id}`,
  )[0]?.held ?? 0;

beforeAll(async () => {
  fx = await hordeFixture();
  h = await fx.start({
    // The per-key rate limit is tested in security-access; here it would only refuse the races.
    limits: { rateLimitMax: 1_000_000 },
    users: [
      { name: 'rich', award: 100_000 },
      { name: 'spender', award: 0 },
      { name: 'owner-a', award: 0 },
      { name: 'owner-b', award: 0 },
      { name: 'owner-c', award: 0 },
      { name: 'receiver', award: 0 },
    ],
  });
});

afterAll(async () => {
  console.log(`reliability-races: ${races} races run`);
  await fx?.dispose();
});

function expectLedgerSound(): void {
  expect(ledgerViolations(readLedger(h.dbPath))).toEqual([]);
}

async function transfer(
  from: { apikey: string },
  to: { username: string },
  amount: number,
  key = randomUUID(),
) {
  return h.api('POST', '/v2/kudos/transfer', {
    apikey: from.apikey,
    body: { username: to.username, amount },
    headers: { 'idempotency-key': key },
  });
}

/** A text request that must hold its kudos up front (it refuses slow workers). */
async function upfrontRequest(user: { apikey: string }, maxLength: number) {
  return textRequest(
    user,
    HARNESS_MODEL,
    { max_length: maxLength, max_context_length: 1024 },
    { slow_workers: false },
  );
}

/** Each race uses its own model name, so that only its own requests match its pops. */
let modelSeq = 0;
const freshModel = (): string => `race-model-${++modelSeq}`;

async function textRequest(user: { apikey: string }, model: string, params: object, extra: object = {}) {
  return h.api('POST', '/v2/generate/text/async', {
    apikey: user.apikey,
    body: { prompt: 'race', params: { n: 1, max_length: 64, ...params }, models: [model], ...extra },
  });
}

async function pop(worker: string, owner: { apikey: string }, model: string) {
  return h.api('POST', '/v2/generate/text/pop', {
    apikey: owner.apikey,
    body: { name: worker, models: [model], max_length: 4096, max_context_length: 8192 },
  });
}

describe('racing requesters never overdraw a balance', () => {
  it('concurrent transfers from one balance: exactly as many succeed as it covers', async () => {
    const [rich, spender, , , , receiver] = h.users;
    for (let round = 0; round < ROUNDS; round++) {
      // Give the spender exactly 100 kudos, then race 25 transfers of 10.
      const top = 100_000 - balanceMilli(spender!);
      if (top > 0) expect((await transfer(rich!, spender!, top / 1000)).status).toBe(200);
      const before = balanceMilli(spender!);
      expect(before).toBe(100_000);
      const answers = await Promise.all(Array.from({ length: 25 }, () => transfer(spender!, receiver!, 10)));
      races++;
      const ok = answers.filter((a) => a.status === 200).length;
      for (const a of answers) {
        expect(a.status, a.text).toBeLessThan(500);
        if (a.status !== 200) expect(errorBody(a)?.rc).toBe('KudosTransferNotEnough');
      }
      expect(ok).toBe(10);
      expect(balanceMilli(spender!)).toBe(0);
    }
    expectLedgerSound();
  });

  it('concurrent upfront requests and transfers never spend more than the balance', async () => {
    const [rich, spender, , , , receiver] = h.users;
    for (let round = 0; round < ROUNDS; round++) {
      const top = 100_000 - balanceMilli(spender!) + heldMilli(spender!);
      if (top !== 0) expect((await transfer(rich!, spender!, top / 1000)).status).toBe(200);
      const available = balanceMilli(spender!) - heldMilli(spender!);
      expect(available).toBe(100_000);
      // max_length 210 on an unknown model: 10 kudos held up front per request.
      const answers = await Promise.all([
        ...Array.from({ length: 12 }, () => upfrontRequest(spender!, 210)),
        ...Array.from({ length: 6 }, () => transfer(spender!, receiver!, 10)),
      ]);
      races++;
      for (const a of answers) {
        expect(a.status, a.text).toBeLessThan(500);
        if (a.status >= 400) expect(['KudosUpfront', 'KudosTransferNotEnough']).toContain(errorBody(a)?.rc);
      }
      // 100 kudos available and 18 claims of 10 each: exactly 10 may win.
      expect(answers.filter((a) => a.status === 200 || a.status === 202)).toHaveLength(10);
      const balance = balanceMilli(spender!);
      const held = heldMilli(spender!);
      expect(balance).toBeGreaterThanOrEqual(0);
      expect(held).toBeLessThanOrEqual(balance);
      // Cancel what was queued so the next round starts from a clean hold.
      for (const a of answers) {
        const id = (a.json as { id?: unknown } | undefined)?.id;
        if (a.status === 202 && typeof id === 'string') {
          expect(
            (await h.api('DELETE', `/v2/generate/text/status/${id}`, { apikey: spender!.apikey })).status,
          ).toBe(200);
        }
      }
      expect(heldMilli(spender!)).toBe(0);
    }
    expectLedgerSound();
  });
});

describe('racing workers never get the same job', () => {
  it('concurrent pops by several workers hand each job out once', async () => {
    const [rich, , a, b, c] = h.users;
    const owners = [a!, b!, c!];
    for (let round = 0; round < ROUNDS; round++) {
      const model = freshModel();
      for (let i = 0; i < 8; i++) {
        const r = await textRequest(rich!, model, { max_length: 32 });
        expect(r.status, r.text).toBe(202);
      }
      // 3 owners × 2 workers each × 3 pops each = 18 pops racing for 8 jobs.
      const pops = await Promise.all(
        owners.flatMap((o, oi) =>
          [0, 1].flatMap((wi) => [0, 1, 2].map(() => pop(`race-worker-${oi}-${wi}`, o, model))),
        ),
      );
      races++;
      const jobIds: string[] = [];
      for (const p of pops) {
        expect(p.status, p.text).toBe(200);
        const body = p.json as { id: string | null; ids?: string[] };
        jobIds.push(...(body.ids && body.ids.length > 0 ? body.ids : body.id ? [body.id] : []));
      }
      expect(new Set(jobIds).size).toBe(jobIds.length);
      expect(jobIds.length).toBe(8);
      // Settle them so the queue is empty for the next round.
      const rows = queryDb<{ id: string; worker_id: string }>(
        h.dbPath,
        `SELECT id, worker_id FROM text_jobs WHERE id IN (${jobIds.map(() => '?').join(',')})`,
        ...jobIds,
      );
      expect(rows).toHaveLength(8);
      expect(new Set(rows.map((r) => r.id)).size).toBe(8);
    }
  });
});

describe('a duplicate submit settles once', () => {
  it('concurrent submits of one job: one reward, the rest DuplicateGen', async () => {
    const [rich, , a] = h.users;
    for (let round = 0; round < ROUNDS; round++) {
      const model = freshModel();
      const r = await textRequest(rich!, model, { max_length: 64 });
      expect(r.status, r.text).toBe(202);
      const p = await pop('dup-worker', a!, model);
      const jobId = (p.json as { id: string | null }).id;
      expect(jobId).toBeTruthy();
      const ownerBefore = balanceMilli(a!);
      const richBefore = balanceMilli(rich!);
      const submits = await Promise.all(
        Array.from({ length: 8 }, () =>
          h.api('POST', '/v2/generate/text/submit', {
            apikey: a!.apikey,
            body: { id: jobId, generation: 'the same text', state: 'ok', seed: 7 },
          }),
        ),
      );
      races++;
      const ok = submits.filter((s) => s.status === 200);
      expect(ok).toHaveLength(1);
      for (const s of submits) {
        if (s.status !== 200) {
          expect(s.status, s.text).toBe(400);
          expect(errorBody(s)?.rc).toBe('DuplicateGen');
        }
      }
      const reward = Math.round((ok[0]!.json as { reward: number }).reward * 1000);
      expect(reward).toBeGreaterThan(0);
      expect(balanceMilli(a!) - ownerBefore).toBe(reward);
      expect(richBefore - balanceMilli(rich!)).toBe(reward);
      const settlements = queryDb<{ n: number }>(
        h.dbPath,
        "SELECT COUNT(*) AS n FROM ledger_events WHERE kind = 'job_settlement' AND key LIKE ?",
        `%${jobId}%`,
      );
      expect(settlements[0]?.n).toBe(1);
    }
    expectLedgerSound();
  });

  it('the same transfer sent concurrently with one Idempotency-Key moves kudos once', async () => {
    const [rich, , , , , receiver] = h.users;
    for (let round = 0; round < ROUNDS; round++) {
      const key = randomUUID();
      const before = balanceMilli(receiver!);
      const answers = await Promise.all(Array.from({ length: 8 }, () => transfer(rich!, receiver!, 3, key)));
      races++;
      for (const a of answers) expect(a.status, a.text).toBe(200);
      expect(balanceMilli(receiver!) - before).toBe(3_000);
      // Reusing the key for a different transfer is refused, not applied.
      const other = await transfer(rich!, receiver!, 4, key);
      expect(other.status).toBe(400);
      expect(errorBody(other)?.rc).toBe('IdempotencyKeyConflict');
      expect(balanceMilli(receiver!) - before).toBe(3_000);
    }
    expectLedgerSound();
  });

  it('submit racing cancel: paid at most once, the hold released, the ledger sound', async () => {
    const [rich, , , b] = h.users;
    for (let round = 0; round < ROUNDS; round++) {
      const model = freshModel();
      const r = await textRequest(
        rich!,
        model,
        { n: 2, max_length: 300, max_context_length: 1024 },
        { slow_workers: false },
      );
      expect(r.status, r.text).toBe(202);
      const requestId = (r.json as { id: string }).id;
      const p = await pop('cancel-race-worker', b!, model);
      const jobId = (p.json as { id: string | null }).id;
      expect(jobId).toBeTruthy();
      const [sub, cancel, pop2] = await Promise.all([
        h.api('POST', '/v2/generate/text/submit', {
          apikey: b!.apikey,
          body: { id: jobId, generation: 'raced', state: 'ok' },
        }),
        h.api('DELETE', `/v2/generate/text/status/${requestId}`, { apikey: rich!.apikey }),
        pop('cancel-race-worker-2', b!, model),
      ]);
      races++;
      for (const x of [sub, cancel, pop2]) expect(x.status, x.text).toBeLessThan(500);
      const holds = queryDb<{ n: number }>(
        h.dbPath,
        'SELECT COUNT(*) AS n FROM holds h JOIN text_requests r ON r.hold_id = h.hold_id WHERE r.id = ? AND h.amount > 0',
        requestId,
      );
      // A job popped in the race may still be out; submit it, then no hold may remain.
      const pop2Id = (pop2.json as { id?: string | null } | undefined)?.id;
      if (pop2Id) {
        await h.api('POST', '/v2/generate/text/submit', {
          apikey: b!.apikey,
          body: { id: pop2Id, generation: 'late', state: 'ok' },
        });
      }
      const after = queryDb<{ n: number }>(
        h.dbPath,
        'SELECT COUNT(*) AS n FROM holds h JOIN text_requests r ON r.hold_id = h.hold_id WHERE r.id = ? AND h.amount > 0',
        requestId,
      );
      expect(holds.length).toBe(1);
      expect(after[0]?.n).toBe(0);
      const settlements = queryDb<{ n: number }>(
        h.dbPath,
        "SELECT COUNT(*) AS n FROM ledger_events WHERE kind = 'job_settlement' AND key LIKE ?",
        `%${jobId}%`,
      );
      expect(settlements[0]?.n).toBeLessThanOrEqual(1);
      if (sub.status === 200 && (sub.json as { reward: number }).reward > 0)
        expect(settlements[0]?.n).toBe(1);
    }
    expectLedgerSound();
  });
});
