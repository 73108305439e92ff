import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setLinuxAutostart } from './autostart';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('Linux start at login', () => {
  it('adds and removes the XDG autostart entry', async () => {
    const config = mkdtempSync(join(tmpdir(), 'xdg-'));
    dirs.push(config);
    const entry = join(config, 'autostart', 'horde-desktop.desktop');
    await setLinuxAutostart(true, config, '/usr/bin/horde-desktop', undefined);
    expect(readFileSync(entry, 'utf8')).toContain('Exec="/usr/bin/horde-desktop" --hidden');
    await setLinuxAutostart(false, config, '/usr/bin/horde-desktop', undefined);
    expect(existsSync(entry)).toBe(false);
    await setLinuxAutostart(false, config, '/usr/bin/horde-desktop', undefined);
  });
});
