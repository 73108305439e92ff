import type { ShutdownReport } from '../compose';
import type { RequestUpdate } from '../../shared/bridge/contract';

/** What the window's close button does: hide to the tray while earning, or really close. */
export function decideWindowClose(input: {
  quitting: boolean;
  closeToTray: boolean;
  trayAvailable: boolean;
}): 'hide' | 'close' {
  if (input.quitting) return 'close';
  // Without a tray (some Linux desktops) a hidden window could never be brought back.
  return input.closeToTray && input.trayAvailable ? 'hide' : 'close';
}

/** The flag a login launch carries, so the app starts in the tray instead of opening its window. */
export const HIDDEN_FLAG = '--hidden';

export interface LoginItem {
  openAtLogin: boolean;
  /** Windows: arguments for the login launch. */
  args: string[];
}

export function loginItem(startAtLogin: boolean): LoginItem {
  return { openAtLogin: startAtLogin, args: startAtLogin ? [HIDDEN_FLAG] : [] };
}

/** True when this launch came from the login item (the flag on Windows/Linux, wasOpenedAtLogin on macOS). */
export function launchedHidden(argv: readonly string[], wasOpenedAtLogin: boolean): boolean {
  return wasOpenedAtLogin || argv.includes(HIDDEN_FLAG);
}

/**
 * A Linux login launch needs a .desktop file in ~/.config/autostart, which Electron's
 * setLoginItemSettings does not write there.
 */
export function autostartDesktopEntry(execPath: string, appImage: string | undefined): string {
  const exec = appImage ?? execPath;
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Horde Desktop',
    'Comment=Earn AI Horde kudos while the computer is idle',
    `Exec="${exec.replace(/(["\\`$])/g, '\\$1')}" ${HIDDEN_FLAG}`,
    'Icon=horde-desktop',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

// ─── quitting ────────────────────────────────────────────────────────────

export type { ShutdownReport } from '../compose';

export interface QuitCoordinatorOptions {
  /** Stops the worker (finishing or reporting its job) and closes the horde's database. */
  shutdown: () => Promise<ShutdownReport>;
  /** Quits for real once shutdown is over (app.quit()). */
  exit: (report: ShutdownReport) => void;
  /** Longest wait for shutdown before quitting anyway; the OS may be logging out. */
  deadlineMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

/**
 * Electron's before-quit fires before anything is torn down, but cannot wait for a promise.
 * So the first quit is held back, the services are shut down, and then the app quits again,
 * this time let through.
 */
export class QuitCoordinator {
  private phase: 'running' | 'stopping' | 'done' = 'running';
  private readonly deadlineMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;

  constructor(private readonly options: QuitCoordinatorOptions) {
    this.deadlineMs = options.deadlineMs ?? 30_000;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  }

  get quitting(): boolean {
    return this.phase !== 'running';
  }

  /** Call from before-quit; true means "prevent this quit, it will come again when ready". */
  beforeQuit(): boolean {
    if (this.phase === 'done') return false;
    if (this.phase === 'stopping') return true;
    this.phase = 'stopping';
    let settled = false;
    const finish = (report: ShutdownReport) => {
      if (settled) return;
      settled = true;
      this.phase = 'done';
      this.options.exit(report);
    };
    this.setTimer(
      () => finish({ job: 'abandoned', errors: [`shutdown took longer than ${this.deadlineMs} ms`] }),
      this.deadlineMs,
    );
    this.options
      .shutdown()
      .then(finish, (err: unknown) =>
        finish({ job: 'abandoned', errors: [err instanceof Error ? err.message : String(err)] }),
      );
    return true;
  }
}

// ─── notifications ───────────────────────────────────────────────────────

export interface RequestNotification {
  title: string;
  body: string;
  jobId: string;
}

const FINISHED = new Set(['done', 'faulted', 'expired']);

/** One notification per finished request, only while the user is not looking at the window. */
export class RequestNotifier {
  private readonly notified = new Set<string>();

  onRequestUpdate(
    update: RequestUpdate,
    windowVisible: boolean,
    enabled: boolean,
  ): RequestNotification | undefined {
    const { entry } = update;
    if (!FINISHED.has(entry.state) || this.notified.has(entry.id)) return undefined;
    this.notified.add(entry.id);
    if (windowVisible || !enabled) return undefined;
    const what = entry.kind === 'text' ? 'Text request' : 'Alchemy request';
    switch (entry.state) {
      case 'done':
        return { jobId: entry.id, title: `${what} finished`, body: preview(entry.result ?? entry.summary) };
      case 'faulted':
        return {
          jobId: entry.id,
          title: `${what} failed`,
          body: entry.error?.message ?? 'The horde could not complete it.',
        };
      default:
        return {
          jobId: entry.id,
          title: `${what} expired`,
          body: 'No worker picked it up in time; its kudos were released.',
        };
    }
  }
}

function preview(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 120 ? `${oneLine.slice(0, 119)}…` : oneLine;
}
