/**
 * What the shell (tray, power signals, notifications) knows of the services, and what each of
 * their events means for it. Plain code: main's services call `onEvent` and act on the answer.
 */
import type { AccountView, EventMessage, RequestUpdate, WorkerStats } from '../../shared/bridge/contract';
import type { DownloadProgress } from '../../shared/bridge/models';
import type { DesktopSettings } from './desktop-settings';
import { RequestNotifier, type RequestNotification } from './lifecycle';
import { workerIsWorking } from './power-signals';
import { TrayDownloads } from './tray-downloads';
import { trayInputFromStats, trayModel, type TrayModel } from './tray-menu';
import type { Milli } from '../../shared/ledger/money';

export interface ShellReaction {
  /** Redraw the tray. */
  tray: boolean;
  /** Whether the worker works now (the idle time is then read fast, so a return stops it within 1 s). */
  working?: boolean;
  /** A system notification to show. */
  notify?: RequestNotification;
}

export class ShellState {
  /** undefined until first read; null when the services report no worker. */
  stats: WorkerStats | null | undefined;
  /** Spendable milli-kudos; undefined until the first account read. */
  balance: Milli | undefined;
  /** The services process exited or did not start: the tray says the worker is not running. */
  servicesDown = false;
  private readonly downloads = new TrayDownloads();
  private readonly notifier = new RequestNotifier();

  constructor(private readonly settings: () => DesktopSettings) {}

  trayModel(): TrayModel {
    const settings = this.settings();
    return trayModel(
      trayInputFromStats(this.servicesDown ? null : this.stats, {
        balanceKudos: this.balance,
        closeToTray: settings.closeToTray,
        startAtLogin: settings.startAtLogin,
        downloads: this.downloads.list(),
      }),
    );
  }

  setStats(stats: WorkerStats | null): ShellReaction {
    this.stats = stats;
    // The worker reads the owner's balance from the horde every half minute; account events may be rarer.
    if (stats?.kudosTotal !== undefined) this.balance = stats.kudosTotal;
    return stats ? { tray: true, working: workerIsWorking(stats.state) } : { tray: true };
  }

  /** `windowVisible`: the user is looking at the window (then no notification). */
  onEvent(message: EventMessage, windowVisible: boolean): ShellReaction {
    switch (message.event) {
      case 'worker:stats':
        return this.setStats(message.payload as WorkerStats);
      case 'account:changed':
        this.balance = (message.payload as AccountView).kudos;
        return { tray: true };
      case 'models:download':
        return { tray: this.downloads.update(message.payload as DownloadProgress) };
      case 'request:updated': {
        const notify = this.notifier.onRequestUpdate(
          message.payload as RequestUpdate,
          windowVisible,
          this.settings().notifyJobDone,
        );
        return notify ? { tray: false, notify } : { tray: false };
      }
      default:
        return { tray: false };
    }
  }
}
