import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DESKTOP_SETTINGS, DesktopSettingsStore } from './desktop-settings';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'desktop-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('desktop settings', () => {
  it('starts with closing to the tray on and start at login off', async () => {
    const store = new DesktopSettingsStore(join(dir, 'desktop.json'));
    expect(await store.load()).toEqual({ closeToTray: true, startAtLogin: false, notifyJobDone: true });
  });

  it('keeps a change across restarts', async () => {
    const file = join(dir, 'desktop.json');
    await new DesktopSettingsStore(file).set({ startAtLogin: true });
    expect(await new DesktopSettingsStore(file).load()).toMatchObject({
      startAtLogin: true,
      closeToTray: true,
    });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ startAtLogin: true });
  });

  it('falls back to the default for a broken field or a broken file', async () => {
    const file = join(dir, 'desktop.json');
    await writeFile(file, JSON.stringify({ closeToTray: 'yes please', startAtLogin: true }));
    expect(await new DesktopSettingsStore(file).load()).toEqual({
      ...DEFAULT_DESKTOP_SETTINGS,
      startAtLogin: true,
    });
    await writeFile(file, '{ not json');
    expect(await new DesktopSettingsStore(file).load()).toEqual(DEFAULT_DESKTOP_SETTINGS);
  });
});
