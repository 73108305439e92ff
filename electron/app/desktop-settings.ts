import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SerialQueue, writeFileAtomic } from '../bridge/atomic-file';

/**
 * The shell's own settings, which mean nothing in serve mode: what closing the window does,
 * start at login, notifications. Kept beside the app settings (desktop.json in the data folder)
 * and changed from the tray menu.
 */
export const DesktopSettingsSchema = z.object({
  /** Closing the window keeps the worker earning in the tray; quit from the tray menu. */
  closeToTray: z.boolean().catch(true),
  startAtLogin: z.boolean().catch(false),
  /** A system notification when one of the user's requests finishes while the window is hidden. */
  notifyJobDone: z.boolean().catch(true),
});

export type DesktopSettings = z.infer<typeof DesktopSettingsSchema>;

export const DEFAULT_DESKTOP_SETTINGS: DesktopSettings = {
  closeToTray: true,
  startAtLogin: false,
  notifyJobDone: true,
};

export class DesktopSettingsStore {
  private current: DesktopSettings = { ...DEFAULT_DESKTOP_SETTINGS };
  private readonly queue = new SerialQueue();

  constructor(private readonly file: string) {}

  /** A missing, unreadable or partly wrong file gives the defaults for what is missing. */
  async load(): Promise<DesktopSettings> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(this.file, 'utf8'));
    } catch {
      raw = {};
    }
    const input = typeof raw === 'object' && raw !== null ? raw : {};
    this.current = DesktopSettingsSchema.parse({ ...DEFAULT_DESKTOP_SETTINGS, ...input });
    return this.get();
  }

  get(): DesktopSettings {
    return { ...this.current };
  }

  set(patch: Partial<DesktopSettings>): Promise<DesktopSettings> {
    return this.queue.run(async () => {
      this.current = DesktopSettingsSchema.parse({ ...this.current, ...patch });
      await writeFileAtomic(this.file, `${JSON.stringify(this.current, null, 2)}\n`);
      return this.get();
    });
  }
}
