import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startAppServices } from '../../electron/app/services';
import { MemorySecretStore } from '../../electron/bridge/secret-store';
import { composeServices, SHUTDOWN_ORDER, type AppServices } from '../../electron/compose';
import { osOwnerName } from '../../electron/bridge/owner-name';
import { DESKTOP_IDLE_POLICY, SERVE_IDLE_POLICY } from '../../shared/worker/stats';

// One composition root for both shells: `npm run serve` and the desktop app's services process
// compose the same services with the same defaults, and shut them down in the same order.
describe('the composition root, composed as serve and as the desktop app', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function compose(shell: 'serve' | 'electron') {
    const dataDir = await mkdtemp(join(tmpdir(), `compose-${shell}-`));
    dirs.push(dataDir);
    const notes: string[] = [];
    const log = { info: (m: string) => notes.push(m), warn: (m: string) => notes.push(`warn: ${m}`) };
    const secrets = new MemorySecretStore();
    const services: AppServices =
      shell === 'serve'
        ? await composeServices({ shell, dataDir, version: '0.1.0-test', secrets, log, idleSignals: false })
        : await startAppServices({ dataDir, version: '0.1.0-test', secrets, log });
    return { dataDir, notes, secrets, services };
  }

  it('gives both the same defaults, the same horde choice and an owner account', async () => {
    const serve = await compose('serve');
    const desktop = await compose('electron');
    try {
      const [serveSettings, desktopSettings] = await Promise.all([
        serve.services.handlers['settings:get'](),
        desktop.services.handlers['settings:get'](),
      ]);
      // The idle policy follows what the shell can observe: a terminal reports no idle signals.
      const { idle: serveIdle, modelsDir: serveModels, ...serveRest } = serveSettings;
      const { idle: desktopIdle, modelsDir: desktopModels, ...desktopRest } = desktopSettings;
      expect(serveRest).toEqual(desktopRest);
      expect(serveRest.workerName).toMatch(/\(Horde Desktop\)$/);
      expect(serveModels).toBe(join(serve.dataDir, 'models'));
      expect(desktopModels).toBe(join(desktop.dataDir, 'models'));
      expect(serveIdle).toEqual(SERVE_IDLE_POLICY);
      expect(desktopIdle).toEqual(DESKTOP_IDLE_POLICY);

      const [serveInfo, desktopInfo] = await Promise.all([
        serve.services.handlers['app:info'](),
        desktop.services.handlers['app:info'](),
      ]);
      expect(serveInfo).toMatchObject({ shell: 'serve', horde: { mode: 'embedded' }, workerEnabled: true });
      expect(desktopInfo).toMatchObject({
        shell: 'electron',
        horde: { mode: 'embedded' },
        workerEnabled: true,
      });
      for (const { secrets, services } of [serve, desktop]) {
        expect(await secrets.get('ownerApiKey')).toEqual(expect.any(String));
        const account = await services.handlers['account:get']();
        expect(account.anonymous).toBe(false);
        // The OS user's friendly name (this machine runs tests as root: "Volunteer"), never root#1.
        expect(account.username).toBe(`${osOwnerName()}#${account.id}`);
        expect(account.username).not.toMatch(/^root#/);
      }
      // The owner picks another name; the number stays, and the next read says the new one.
      const before = await serve.services.handlers['account:get']();
      const renamed = await serve.services.handlers['account:rename']({ name: 'Ada' });
      expect(renamed.username).toBe(`Ada#${before.id}`);
      expect((await serve.services.handlers['account:get']()).username).toBe(renamed.username);
    } finally {
      const reports = await Promise.all([serve.services.shutdown(), desktop.services.shutdown()]);
      expect(reports).toEqual([
        { job: 'none', errors: [] },
        { job: 'none', errors: [] },
      ]);
    }
    const order = (notes: string[]) => notes.flatMap((n) => /^shutdown: (.+) stopped$/.exec(n)?.[1] ?? []);
    expect(order(serve.notes)).toEqual([...SHUTDOWN_ORDER]);
    expect(order(desktop.notes)).toEqual(order(serve.notes));
    // The worker stops before the horde closes the database it reports its job to.
    expect(SHUTDOWN_ORDER.indexOf('worker')).toBeLessThan(SHUTDOWN_ORDER.indexOf('horde'));
  });
});
