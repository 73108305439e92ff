/**
 * What the tray menu's items do. Plain code: the window, the quit and the login item are injected.
 */
import type { DesktopSettings } from './desktop-settings';
import type { ServicesClient } from './services-link';
import type { ShellReaction, ShellState } from './shell-state';
import type { TrayAction, TrayToggle } from './tray-menu';

export interface TrayCommandsDeps {
  client: () => ServicesClient;
  state: ShellState;
  react: (reaction: ShellReaction) => void;
  showWindow: () => void;
  quit: () => void;
  /** Saves the shell settings and returns them as saved. */
  saveSettings: (patch: Partial<DesktopSettings>) => Promise<DesktopSettings>;
  /** Registers (or removes) the login item; only for an installed app. */
  applyLoginItem?: (enabled: boolean) => Promise<void>;
  log: { warn(message: string, err?: unknown): void };
}

export class TrayCommands {
  constructor(private readonly deps: TrayCommandsDeps) {}

  async action(action: TrayAction): Promise<void> {
    try {
      switch (action) {
        case 'open':
          this.deps.showWindow();
          return;
        case 'quit':
          this.deps.quit();
          return;
        default:
          this.deps.react(
            this.deps.state.setStats(await this.deps.client().handlers['worker:control']({ action })),
          );
      }
    } catch (err) {
      this.deps.log.warn(`tray ${action} failed`, err);
    }
  }

  async toggle(toggle: TrayToggle, checked: boolean): Promise<void> {
    try {
      await this.deps.saveSettings(
        toggle === 'close_to_tray' ? { closeToTray: checked } : { startAtLogin: checked },
      );
      if (toggle === 'start_at_login') await this.deps.applyLoginItem?.(checked);
    } catch (err) {
      this.deps.log.warn(`could not save ${toggle}`, err);
    }
    this.deps.react({ tray: true });
  }
}
