import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../electron/bridge/secret-store';
import { startAppServices, type AppServices } from '../../electron/app/services';
import type { EventMessage } from '../../shared/bridge/contract';

// The Electron shell's services, composed as the utility process composes them, in plain Node:
// embedded horde, bridge backend and worker, with an empty models folder.
describe('desktop services (utility process composition)', () => {
  let dataDir: string;
  let services: AppServices;
  const secrets = new MemorySecretStore();
  const events: EventMessage[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'horde-desktop-'));
    services = await startAppServices({
      dataDir,
      version: '0.1.0-test',
      secrets,
      log: { info: (m) => logs.push(m), warn: (m) => logs.push(`warn: ${m}`) },
    });
    services.subscribe((m) => events.push(m));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts the embedded horde and gives the app its own owner account', async () => {
    const info = await services.handlers['app:info']();
    expect(info).toMatchObject({ shell: 'electron', horde: { mode: 'embedded' }, dataDir });
    expect(info.horde.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    expect(await secrets.get('ownerApiKey')).toEqual(expect.any(String));
    const account = await services.handlers['account:get']();
    expect(account.anonymous).toBe(false);
  });

  it('runs a worker that says it has no model when the models folder is empty', async () => {
    const stats = await services.handlers['worker:stats']();
    expect(stats).not.toBeNull();
    services.setSignals({ idleSeconds: 3600, onBattery: false, locked: false, userActive: false });
    await services.handlers['worker:control']({ action: 'earn_now' });
    // The worker's loop notices on its next turn; wait for it to say so.
    let state = (await services.handlers['worker:stats']())?.state;
    for (let i = 0; i < 100 && state !== 'no_model'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = (await services.handlers['worker:stats']())?.state;
    }
    expect(state).toBe('no_model');
    expect(events.some((m) => m.event === 'worker:stats')).toBe(true);
  });

  it('shuts down cleanly, reporting no job, and closes the database', async () => {
    const report = await services.shutdown();
    expect(report).toEqual({ job: 'none', errors: [] });
  });
});
