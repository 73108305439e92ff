import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../shared/bridge/contract';
import { SERVE_IDLE_POLICY } from '../../shared/worker/stats';
import { SettingsStore } from './settings-store';

const DEFAULTS: Settings = {
  horde: { mode: 'embedded' },
  workerName: 'w',
  modelsDir: '/models',
  threads: 0,
  memoryMb: 0,
  lanSharing: false,
  lanPort: null,
  idle: SERVE_IDLE_POLICY,
  theme: 'system',
};

describe('SettingsStore', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'settings-'));
    file = path.join(dir, 'settings.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('starts from the defaults and keeps what was saved across a restart', async () => {
    const first = new SettingsStore(file, DEFAULTS);
    expect(await first.load()).toEqual(DEFAULTS);
    await first.update({
      theme: 'dark',
      idle: { idleMinutes: 10 },
      horde: { mode: 'custom', url: 'http://10.0.0.2:7001/api' },
    });

    const second = new SettingsStore(file, DEFAULTS);
    const loaded = await second.load();
    expect(loaded.theme).toBe('dark');
    expect(loaded.horde).toEqual({ mode: 'custom', url: 'http://10.0.0.2:7001/api' });
    // A partial idle patch keeps the other idle fields.
    expect(loaded.idle).toEqual({ ...SERVE_IDLE_POLICY, idleMinutes: 10 });
  });

  it('needs no restart for any setting: each applies live (compose.ts)', async () => {
    const s = new SettingsStore(file, DEFAULTS);
    await s.load();
    await s.update({ theme: 'light', threads: 2 });
    expect(s.restartRequired).toBe(false);
    // The worker starts again on a new models folder or name (compose.ts): no restart.
    await s.update({ modelsDir: '/elsewhere', workerName: 'renamed' });
    expect(s.restartRequired).toBe(false);
    // The horde and LAN sharing rebind the backend and the worker live (compose.ts): no restart either.
    await s.update({
      lanSharing: true,
      lanPort: 7001,
      horde: { mode: 'custom', url: 'http://10.0.0.5:7001/api' },
    });
    expect(s.restartRequired).toBe(false);
  });

  it('drops a field that fails validation and keeps the rest', async () => {
    await writeFile(
      file,
      JSON.stringify({ theme: 'dark', threads: -5, horde: { mode: 'custom', url: 'ftp://x' } }),
    );
    const loaded = await new SettingsStore(file, DEFAULTS).load();
    expect(loaded.theme).toBe('dark');
    expect(loaded.threads).toBe(0);
    expect(loaded.horde).toEqual({ mode: 'embedded' });
  });

  // A file that is not JSON at all: records.test.ts (restored from its last good copy, or a stop naming it).

  it('writes whole files only (no temp files left behind) and tells listeners what changed', async () => {
    const s = new SettingsStore(file, DEFAULTS);
    await s.load();
    const changes: string[][] = [];
    s.onChange((c) => changes.push(c.changed));
    await Promise.all([s.update({ theme: 'dark' }), s.update({ workerName: 'renamed' })]);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ theme: 'dark', workerName: 'renamed' });
    // The new file and its last good copy; no temporary file.
    expect((await readdir(dir)).sort()).toEqual(['settings.json', 'settings.json.bak']);
    expect(changes).toEqual([['theme'], ['workerName']]);
  });
});
