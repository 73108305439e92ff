import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeBackend } from '../../electron/bridge/backend';
import { MemorySecretStore } from '../../electron/bridge/secret-store';
import { startHorde, type Horde } from '../../electron/horde/index';
import { TEST_SETTINGS } from './bridge-helpers';
import { fromKudos } from '../../shared/ledger/money';

/**
 * The bridge's handlers against the real embedded horde (HTTP, SQLite), as
 * the Request and Ledger screens use them. No worker: requests stay queued.
 */
describe('bridge handlers against the embedded horde', () => {
  let dir: string;
  let horde: Horde;
  let backend: BridgeBackend;
  let bob: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bridge-horde-'));
    // Users start at 0 here so the figures are this test's awards (horde-fair.test.ts tests the 25).
    horde = await startHorde({
      dbPath: path.join(dir, 'horde.sqlite'),
      port: 0,
      limits: { startingKudos: 0 },
    });
    const owner = horde.admin.ensureOwner('alice');
    bob = horde.admin.addUser('bob').username;
    horde.admin.award(owner.username, 100, 'test');
    backend = new BridgeBackend({
      dataDir: dir,
      version: '0.0.0-test',
      shell: 'serve',
      settingsDefaults: TEST_SETTINGS,
      secrets: new MemorySecretStore(),
      models: { list: async () => [] },
      pollMs: 60_000,
    });
    await backend.load();
    await backend.credentials.setOwnerKey(owner.apikey);
    await backend.start({ horde: { mode: 'embedded', url: horde.url }, worker: null });
  });

  afterAll(async () => {
    await backend.stop();
    await horde.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the owner account and its balance', async () => {
    const account = await backend.handlers['account:get']();
    expect(account).toMatchObject({
      username: expect.stringMatching(/^alice#\d+$/),
      kudos: fromKudos(100),
      available: fromKudos(100),
      anonymous: false,
    });
  });

  it('transfers once per idempotency key and lists it in the ledger', async () => {
    const arg = { toUsername: bob, kudos: fromKudos(10), idempotencyKey: 'transfer-key-1' };
    const first = await backend.handlers['account:transfer'](arg);
    const again = await backend.handlers['account:transfer'](arg);
    expect(first.transferred).toBe(fromKudos(10));
    expect(again.account.kudos).toBe(fromKudos(90));
    const page = await backend.handlers['journal:entries']({ kinds: ['transfer_out'] });
    expect(page.entries).toHaveLength(1);
    expect(page.entries[0]).toMatchObject({ kind: 'transfer_out', kudos: fromKudos(-10), counterparty: bob });
  });

  it('refuses a transfer to an unknown user with the horde’s code and a hint', async () => {
    await expect(
      backend.handlers['account:transfer']({
        toUsername: 'nobody#999',
        kudos: fromKudos(1),
        idempotencyKey: 'transfer-key-2',
      }),
    ).rejects.toMatchObject({
      rc: expect.stringMatching(/UserNotFound|InvalidTargetUsername/),
      hint: expect.any(String),
    });
  });

  it('prices a request, submits it, holds its kudos while it waits, and cancels it', async () => {
    const req = {
      prompt: 'Once upon a time',
      models: [],
      params: { max_length: 64, max_context_length: 1024 },
    };
    const price = await backend.handlers['requests:price'](req);
    expect(price.kudos).toBeGreaterThan(0);
    expect(price.after).toBe(price.available - price.kudos);
    expect(price.needsUpfront).toBe(false);

    const job = await backend.handlers['requests:submitText'](req);
    const status = await backend.handlers['requests:status']({ id: job.id });
    // No worker serves any model here: the screen must say so rather than wait forever.
    expect(status).toMatchObject({ id: job.id, state: 'waiting', isPossible: false });
    expect((await backend.handlers['account:get']()).reserved).toBe(job.kudos);

    const cancelled = await backend.handlers['requests:cancel']({ id: job.id });
    expect(cancelled.state).toBe('cancelled');
    // Nothing was generated: nothing paid, the whole quote released.
    expect(cancelled).toMatchObject({ kudos: 0, refunded: job.kudos });
    // A status read after the cancel (the window's poll) still says Cancelled, never "Done".
    expect(await backend.handlers['requests:status']({ id: job.id })).toMatchObject({
      state: 'cancelled',
      refunded: job.kudos,
    });
    const [entry] = await backend.handlers['requests:history']({ limit: 1 });
    expect(entry).toMatchObject({
      id: job.id,
      state: 'cancelled',
      summary: 'Once upon a time',
      kudos: 0,
      refunded: job.kudos,
    });
    expect((await backend.handlers['account:get']()).reserved).toBe(0);
    // Nothing was generated, so nothing was paid.
    expect((await backend.handlers['journal:entries']({ kinds: ['job_paid'] })).entries).toEqual([]);
  });

  it('explains a request over the free size that the balance cannot cover', async () => {
    const poor = horde.admin.addUser('carol');
    await backend.handlers['settings:setApiKey']({ apiKey: poor.apikey });
    try {
      const req = { prompt: 'x', models: [], params: { max_length: 1024, max_context_length: 2048 } };
      expect((await backend.handlers['requests:price'](req)).needsUpfront).toBe(true);
      await expect(backend.handlers['requests:submitText'](req)).rejects.toMatchObject({
        rc: 'KudosUpfront',
        hint: expect.stringMatching(/up front/),
      });
    } finally {
      await backend.handlers['settings:setApiKey']({ apiKey: null });
    }
  });

  it('does not save a key the horde refuses', async () => {
    await expect(
      backend.handlers['settings:setApiKey']({ apiKey: 'not-a-real-key-123' }),
    ).rejects.toMatchObject({
      rc: 'InvalidAPIKey',
    });
    expect((await backend.handlers['settings:get']()).apiKeyMasked).toBeNull();
  });
});
