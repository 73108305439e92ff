import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { autostartDesktopEntry } from './lifecycle';

/**
 * Start at login on Linux: the XDG autostart entry (~/.config/autostart), which
 * Electron's setLoginItemSettings does not manage on Linux.
 */
export async function setLinuxAutostart(
  enabled: boolean,
  configHome: string,
  execPath: string,
  appImage: string | undefined,
): Promise<void> {
  const file = join(configHome, 'autostart', 'horde-desktop.desktop');
  if (!enabled) {
    await rm(file, { force: true });
    return;
  }
  await mkdir(join(configHome, 'autostart'), { recursive: true });
  await writeFile(file, autostartDesktopEntry(execPath, appImage));
}
