import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeBackend } from '../../electron/bridge/backend';
import { MemorySecretStore } from '../../electron/bridge/secret-store';
import { startHorde, type Horde } from '../../electron/horde/index';
import { hordeJson } from '../harness/horde-json';
import { TEST_SETTINGS } from './bridge-helpers';
import { fromKudos } from '../../shared/ledger/money';

/**
 * Issue 15: with the embedded horde the journal is read from the horde's
 * ledger, so every kudos change — awards, transfers in and out, jobs paid and
 * earned — is on the Ledger screen, and its total is the header balance.
 */
describe('the journal explains the balance', () => {
  let dir: string;
  let horde: Horde;
  let backend: BridgeBackend;
  let owner: { id: number; username: string; apikey: string };
  let bob: { username: string; apikey: string };

  const newBackend = async () => {
    const b = new BridgeBackend({
      dataDir: dir,
      version: '0.0.0-test',
      shell: 'serve',
      settingsDefaults: TEST_SETTINGS,
      secrets: new MemorySecretStore(),
      models: { list: async () => [] },
      pollMs: 100,
    });
    await b.load();
    await b.credentials.setOwnerKey(owner.apikey);
    await b.start({
      horde: { mode: 'embedded', url: horde.url },
      worker: null,
      ledger: { read: horde.admin.ledgerOf },
    });
    return b;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'journal-ledger-'));
    horde = await startHorde({ dbPath: path.join(dir, 'horde.sqlite'), port: 0 });
    owner = horde.admin.ensureOwner('alice');
    bob = horde.admin.addUser('bob');
    horde.admin.award(owner.username, 40, 'welcome award');
    horde.admin.award(bob.username, 100, 'test');
    backend = await newBackend();
  });

  afterAll(async () => {
    await backend?.stop();
    await horde?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const worker = (key: string, name: string) => ({
    async serveOne(): Promise<void> {
      const pop = await hordeJson(horde.url, 'POST', '/v2/generate/text/pop', key, {
        name,
        models: ['journal-model'],
        max_length: 512,
        max_context_length: 2048,
      });
      expect(pop.id).toBeTruthy();
      await hordeJson(horde.url, 'POST', '/v2/generate/text/submit', key, { id: pop.id, generation: 'done' });
    },
  });

  it('awards, incoming and outgoing transfers, paid and earned jobs: Ledger total == balance', async () => {
    // Things the app did not do itself: an incoming transfer from bob.
    await hordeJson(horde.url, 'POST', '/v2/kudos/transfer', bob.apikey, {
      username: owner.username,
      amount: 12.5,
    });
    // Alice's request, served by bob's worker (alice pays).
    const req = {
      prompt: 'paid by alice',
      models: ['journal-model'],
      params: { max_length: 32, max_context_length: 1024 },
    };
    const paid = await backend.handlers['requests:submitText'](req);
    await worker(bob.apikey, 'bob-worker').serveOne();
    // Bob's request served by alice's worker (alice earns), outside the app.
    await hordeJson(horde.url, 'POST', '/v2/generate/text/async', bob.apikey, {
      prompt: 'earned by alice',
      models: ['journal-model'],
      params: { max_length: 48, max_context_length: 1024 },
    });
    await worker(owner.apikey, 'alice-worker').serveOne();
    // A transfer out through the window.
    await backend.handlers['account:transfer']({
      toUsername: bob.username,
      kudos: fromKudos(3.25),
      idempotencyKey: 'k-1',
    });

    // The tracker sees the paid request end; the sync reads the rest.
    await expect
      .poll(
        async () => (await backend.handlers['requests:history']({})).find((h) => h.id === paid.id)?.state,
        {
          timeout: 10_000,
        },
      )
      .toBe('done');
    await expect
      .poll(
        async () =>
          [...new Set((await backend.handlers['journal:entries']({})).entries.map((e) => e.kind))].sort(),
        {
          timeout: 10_000,
        },
      )
      .toEqual(['award', 'job_earned', 'job_paid', 'transfer_in', 'transfer_out']);

    const page = await backend.handlers['journal:entries']({});
    const account = await backend.handlers['account:get']();
    // Milli-kudos: within half a hundredth of a kudos, the balance's shown precision.
    expect(Math.abs(page.totals.net - account.kudos)).toBeLessThan(5);
    expect(page.totals.transferredIn).toBe(fromKudos(12.5));
    expect(page.totals.transferredOut).toBe(fromKudos(3.25));
    // The welcome award (and the starting kudos, where the horde mints them) are awards.
    const awards = page.entries.filter((e) => e.kind === 'award');
    expect(awards.map((e) => e.memo)).toContain('welcome award');
    expect(page.totals.awarded).toBe(awards.reduce((s, e) => s + e.kudos, 0));
    expect(page.entries.find((e) => e.kind === 'transfer_in')).toMatchObject({ counterparty: bob.username });
    expect(page.entries.find((e) => e.kind === 'job_paid')).toMatchObject({ ref: paid.id });

    // A restart reads the ledger again and records nothing twice.
    await backend.stop();
    backend = await newBackend();
    const again = await backend.handlers['journal:entries']({});
    expect(again.entries.map((e) => e.id).sort()).toEqual(page.entries.map((e) => e.id).sort());
    expect(Math.abs(again.totals.net - (await backend.handlers['account:get']()).kudos)).toBeLessThan(5);
  });

  it("marks a job one's own request paid to one's own worker as self-paid, on both sides and only there", async () => {
    const before = new Set((await backend.handlers['journal:entries']({})).entries.map((e) => e.id));
    const mine = await backend.handlers['requests:submitText']({
      prompt: 'paid by alice to alice',
      models: ['journal-model'],
      params: { max_length: 24, max_context_length: 1024 },
    });
    await worker(owner.apikey, 'alice-worker').serveOne();
    const fresh = async () =>
      (await backend.handlers['journal:entries']({})).entries.filter(
        (e) => !before.has(e.id) && (e.kind === 'job_paid' || e.kind === 'job_earned'),
      );
    await expect.poll(async () => (await fresh()).length, { timeout: 10_000 }).toBe(2);
    const [a, b] = await fresh();
    expect([a!.kind, b!.kind].sort()).toEqual(['job_earned', 'job_paid']);
    expect(a!.selfPaid && b!.selfPaid).toBe(true);
    expect(a!.kudos + b!.kudos).toBe(0);
    expect((await fresh()).find((e) => e.kind === 'job_paid')).toMatchObject({ ref: mine.id });
    // The jobs of the first test (bob paid alice, alice paid bob) are no self-payments.
    const others = (await backend.handlers['journal:entries']({})).entries.filter(
      (e) => before.has(e.id) && (e.kind === 'job_paid' || e.kind === 'job_earned'),
    );
    expect(others.length).toBeGreaterThan(1);
    expect(others.some((e) => e.selfPaid)).toBe(false);
  });
});
