import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HordeClient } from '../client/horde-client';
import type { FetchLike } from '../client/http';
import { RequestHistory } from './history';
import { IntentLog } from './intents';
import { Journal } from './journal';
import { reconcile } from './reconcile';
import { fromKudos } from '../../shared/ledger/money';

/**
 * Issue 15: a transfer in flight when the app stopped is never re-sent to a horde without
 * idempotency (the public AI Horde). The reconciler reads the user's record first: a `gifted`
 * total grown by the amount means the horde applied it (journal entry, once); otherwise it was
 * not sent, and it is not sent now either.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const HORDE = 'https://aihorde.test/api';

async function setup(gifted: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'transfer-check-'));
  dirs.push(dir);
  const seen: string[] = [];
  const fetch: FetchLike = async (url, init) => {
    seen.push(`${init.method ?? 'GET'} ${new URL(url).pathname}`);
    if (url.endsWith('/v2/find_user'))
      return Response.json({ username: 'me#5', id: 5, kudos: 100, kudos_details: { gifted } });
    return Response.json({ message: 'unexpected', rc: 'BadRequest' }, { status: 400 });
  };
  const client = new HordeClient({
    baseUrl: HORDE,
    apiKey: () => 'k'.repeat(22),
    clientAgent: 'test:1:me',
    fetch,
    retryDelayMs: 0,
  });
  const intents = new IntentLog(path.join(dir, 'intents.jsonl'));
  const journal = new Journal(path.join(dir, 'journal.jsonl'));
  const history = new RequestHistory(path.join(dir, 'requests.json'));
  await Promise.all([intents.load(), journal.load(), history.load()]);
  await intents.begin({
    type: 'transfer',
    id: 'idem-1',
    at: 1_000,
    horde: HORDE,
    toUsername: 'friend#9',
    kudos: 12.5,
    giftedBefore: 40,
  });
  const run = () => reconcile({ intents, history, journal, client, horde: HORDE, fromLedger: false });
  return { run, seen, intents, journal };
}

describe('an interrupted transfer on a horde without idempotency', () => {
  it('is recorded once when the user record shows it applied, and never sent again', async () => {
    const s = await setup(52.5);
    const report = await s.run();
    expect(report.transfersApplied).toEqual(['idem-1']);
    expect(s.seen).toEqual(['GET /api/v2/find_user']);
    const out = s.journal.query({ kinds: ['transfer_out'] }).entries;
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kudos: fromKudos(-12.5), counterparty: 'friend#9' });
    expect(s.intents.pending()).toEqual([]);
    // A second reconcile (another restart) has nothing left to do.
    await s.run();
    expect(s.journal.query({ kinds: ['transfer_out'] }).entries).toHaveLength(1);
  });

  it('is reported not sent when the record shows no such gift, and is not re-sent', async () => {
    const s = await setup(40);
    const report = await s.run();
    expect(report.transfersNotSent).toEqual(['idem-1']);
    expect(s.seen.filter((c) => c.includes('transfer'))).toEqual([]);
    expect(s.journal.query({ kinds: ['transfer_out'] }).entries).toEqual([]);
  });
});
