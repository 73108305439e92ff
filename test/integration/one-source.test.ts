import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountView, EventMessage, WorkerStats } from '../../shared/bridge/contract';
import { BridgeBackend } from '../../electron/bridge/backend';
import type { WorkerPort } from '../../electron/bridge/ports';
import { apiKeyName } from '../../electron/bridge/secrets-file';
import { MemorySecretStore } from '../../electron/bridge/secret-store';
import { startHorde, type Horde } from '../../electron/horde/index';
import { earnedSince, startOfToday } from '../../renderer/src/screens/earn/today';
import { TEST_SETTINGS } from './bridge-helpers';
import { fromKudos } from '../../shared/ledger/money';

/** A worker the test drives: its stats are pushed when the test says. */
function fakeWorker(): WorkerPort & { push(s: Partial<WorkerStats>): void } {
  const listeners = new Set<(s: WorkerStats) => void>();
  let current: WorkerStats = {
    state: 'idle_no_work',
    stateReason: '',
    jobsDone: 0,
    jobsFaulted: 0,
    tokensPerSecond: 0,
    kudosThisSession: fromKudos(0),
    uptimeSeconds: 0,
    advertised: { models: [], maxLength: 0, maxContextLength: 0, forms: [] },
  };
  return {
    stats: () => current,
    control: async () => current,
    leaveMaintenance: async () => current,
    onStats: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    push(s) {
      current = { ...current, ...s };
      for (const l of listeners) l(current);
    },
  };
}

/**
 * One source for each figure, per horde: on a custom horde (a second embedded horde on loopback
 * stands in), the balance the header and the Earn card show is that horde's user record
 * (/v2/find_user), and "earned today" is that horde's, never what the data folder's embedded
 * horde earned before.
 */
describe('the figures on a custom horde', () => {
  let dir: string;
  let horde: Horde;
  let backend: BridgeBackend;
  let alice: { username: string; apikey: string };
  const worker = fakeWorker();
  const events: EventMessage[] = [];

  const findUser = async () => {
    const res = await fetch(`${horde.url}/v2/find_user`, { headers: { apikey: alice.apikey } });
    expect(res.status).toBe(200);
    return (await res.json()) as { username: string; kudos: number; evaluating_kudos?: number };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'one-source-'));
    // The embedded horde of an earlier run earned 99 kudos today, in the data folder's journal.
    const earlier = { id: 'ledger:7', at: Date.now(), kind: 'job_earned', kudos: 99, memo: 'text job' };
    await writeFile(path.join(dir, 'journal.jsonl'), `${JSON.stringify(earlier)}\n`);
    horde = await startHorde({ dbPath: path.join(dir, 'elsewhere.sqlite'), port: 0 });
    alice = horde.admin.addUser('alice', { trusted: true });
    horde.admin.award(alice.username, 17.5, 'test');
    const secrets = new MemorySecretStore();
    await secrets.set(apiKeyName(horde.url), alice.apikey);
    backend = new BridgeBackend({
      dataDir: dir,
      version: '0.0.0-test',
      shell: 'serve',
      settingsDefaults: { ...TEST_SETTINGS, horde: { mode: 'custom', url: horde.url } },
      secrets,
      models: { list: async () => [] },
      pollMs: 60_000,
    });
    await backend.load();
    await backend.start({ horde: { mode: 'custom', url: horde.url }, worker });
    backend.bus.subscribe((m) => events.push(m));
  });

  afterAll(async () => {
    await backend.stop();
    await horde.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the balance and the kudos in evaluation of the horde’s user record', async () => {
    const record = await findUser();
    const account = await backend.handlers['account:get']();
    expect(account.username).toBe(record.username);
    // The horde answers float kudos; the bridge carries them as milli-kudos.
    expect(account.kudos).toBe(fromKudos(record.kudos));
    expect(account.evaluatingKudos).toBe(fromKudos(record.evaluating_kudos ?? 0));
    expect(account.kudos).toBe(fromKudos(25 + 17.5));
  });

  it('counts today’s earnings from this horde only', async () => {
    const page = await backend.handlers['journal:entries']({});
    expect(page.entries.map((e) => e.id)).not.toContain('ledger:7');
    expect(earnedSince(page.entries, startOfToday(Date.now()))).toBe(0);
    // A job earned here is recorded here, and is all today's figure says.
    await backend.recordEarned({ id: 'job-1', reward: 3.25, kind: 'text', model: 'm' });
    const after = await backend.handlers['journal:entries']({});
    expect(earnedSince(after.entries, startOfToday(Date.now()))).toBe(fromKudos(3.25));
  });

  it('tells the header and the Earn card together when the worker sees the balance move', async () => {
    horde.admin.award(alice.username, 10, 'test');
    const record = await findUser();
    events.length = 0;
    worker.push({ kudosTotal: fromKudos(record.kudos) });
    const deadline = Date.now() + 10_000;
    let pushed: AccountView | undefined;
    while (!pushed && Date.now() < deadline) {
      pushed = events.find((m) => m.event === 'account:changed')?.payload as AccountView | undefined;
      if (!pushed) await new Promise((r) => setTimeout(r, 50));
    }
    expect(pushed?.kudos).toBe(fromKudos(record.kudos));
    expect(pushed?.kudos).toBe(fromKudos(25 + 17.5 + 10));
  });
});
