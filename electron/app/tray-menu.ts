/**
 * The tray is the app's face while the window is closed: what the worker is doing,
 * the balance, and the few controls a volunteer needs without opening the window.
 */

import type { WorkerMode, WorkerState, WorkerStats } from '../../shared/worker/stats';
import { formatKudos } from '../../shared/format/kudos';
import type { Milli } from '../../shared/ledger/money';
import type { TrayDownload } from './tray-downloads';

export type TrayWorkerState = WorkerState;

export type TrayIconState = 'earning' | 'waiting' | 'paused' | 'alert';
export type TrayAction = 'open' | 'earn_now' | 'pause_1h' | 'auto' | 'stop' | 'quit';

export interface TrayInput {
  state: TrayWorkerState;
  /** Spendable milli-kudos, as the bridge carries them; undefined until the first account read succeeds. */
  balanceKudos: Milli | undefined;
  /** When a timed pause ends (epoch ms), for the status line. */
  pausedUntil?: number;
  /** The worker's own words for its state (WorkerStats.stateReason); shown instead of the generic line. */
  reason?: string;
  /** The control in force, checked in the menu. */
  mode?: WorkerMode;
  /** Formats numbers and times; fixed in tests. */
  locale?: string;
  timeZone?: string;
  /** The shell settings the tray toggles (see desktop-settings.ts). */
  closeToTray: boolean;
  startAtLogin: boolean;
  /** Model downloads running or failed (tray-downloads.ts), one status line each. */
  downloads?: TrayDownload[];
}

export type TrayToggle = 'close_to_tray' | 'start_at_login';

export type TrayMenuItem =
  /** `checked`: the mode in force, for the four mode actions (shown as a radio group). */
  | { type: 'action'; id: TrayAction; label: string; enabled: boolean; checked?: boolean }
  | { type: 'toggle'; id: TrayToggle; label: string; checked: boolean }
  | { type: 'status'; label: string }
  | { type: 'separator' };

export interface TrayModel {
  icon: TrayIconState;
  tooltip: string;
  items: TrayMenuItem[];
}

const ICON: Record<TrayWorkerState, TrayIconState> = {
  running: 'earning',
  idle_no_work: 'earning',
  waiting_for_idle: 'waiting',
  paused: 'paused',
  stopped: 'paused',
  maintenance: 'alert',
  no_model: 'alert',
  error: 'alert',
};

function statusLine(input: TrayInput): string {
  const reason = input.reason?.trim();
  if (reason) return input.state === 'maintenance' ? `Maintenance mode: ${reason}` : reason;
  switch (input.state) {
    case 'running':
      return 'Earning kudos';
    case 'idle_no_work':
      return 'Ready to earn: no jobs right now';
    case 'waiting_for_idle':
      return 'Waiting until the computer is idle';
    case 'paused':
      if (input.pausedUntil !== undefined) {
        const time = new Date(input.pausedUntil).toLocaleTimeString(input.locale, {
          hour: '2-digit',
          minute: '2-digit',
          ...(input.timeZone === undefined ? {} : { timeZone: input.timeZone }),
        });
        return `Paused until ${time}`;
      }
      return 'Paused';
    case 'stopped':
      return 'Not earning';
    case 'maintenance':
      return 'Maintenance mode';
    case 'no_model':
      return 'No model installed';
    case 'error':
      return 'Worker error';
  }
}

// Which controls make sense in each state: a control that would do nothing is greyed out, not hidden,
// so the menu keeps its shape and the user learns where things are.
const ACTIVE: ReadonlySet<TrayWorkerState> = new Set(['running', 'idle_no_work']);

function enabled(action: TrayAction, state: TrayWorkerState): boolean {
  switch (action) {
    case 'open':
    case 'quit':
      return true;
    case 'earn_now':
      // Maintenance and a missing model need the window, not a retry from the tray.
      return !ACTIVE.has(state) && state !== 'maintenance' && state !== 'no_model';
    case 'pause_1h':
      return ACTIVE.has(state) || state === 'waiting_for_idle';
    case 'auto':
      return state === 'paused' || state === 'stopped';
    case 'stop':
      return state !== 'stopped';
  }
}

const LABEL: Record<TrayAction, string> = {
  open: 'Open Horde Desktop',
  earn_now: 'Earn now',
  pause_1h: 'Pause for 1 hour',
  auto: 'Earn when idle',
  stop: 'Stop earning',
  quit: 'Quit Horde Desktop',
};

export function trayModel(input: TrayInput): TrayModel {
  const status = statusLine(input);
  const balance =
    input.balanceKudos === undefined
      ? 'balance unavailable'
      : `${formatKudos(input.balanceKudos, input.locale)} kudos`;
  const action = (id: TrayAction): TrayMenuItem => ({
    type: 'action',
    id,
    label: LABEL[id],
    enabled: enabled(id, input.state),
  });
  // The mode in force stays clickable-looking but checked, so the menu says which one is on.
  const mode = (id: WorkerMode): TrayMenuItem => ({
    type: 'action',
    id,
    label: LABEL[id],
    enabled: input.mode === id || enabled(id, input.state),
    checked: input.mode === id,
  });
  const downloads = input.downloads ?? [];
  // Windows cuts tooltips at 127 characters: the first download's short form only.
  const downloading = downloads[0] ? ` · ${downloads[0].short}` : '';
  return {
    icon: ICON[input.state],
    tooltip: `Horde Desktop · ${status} · ${balance}${downloading}`,
    items: [
      action('open'),
      { type: 'separator' },
      { type: 'status', label: status },
      { type: 'status', label: `Balance: ${balance}` },
      ...downloads.map((d): TrayMenuItem => ({ type: 'status', label: d.line })),
      { type: 'separator' },
      mode('earn_now'),
      mode('pause_1h'),
      mode('auto'),
      mode('stop'),
      { type: 'separator' },
      {
        type: 'toggle',
        id: 'close_to_tray',
        label: 'Keep earning when the window is closed',
        checked: input.closeToTray,
      },
      { type: 'toggle', id: 'start_at_login', label: 'Start at login', checked: input.startAtLogin },
      { type: 'separator' },
      action('quit'),
    ],
  };
}

export type MenuTheme = 'light' | 'dark';

/**
 * Tray icon path under assets/ for a state. A dark menu bar needs the light glyph and vice versa
 * (assets/tray/<menu theme>/<state>.png, with @2x beside it); macOS tints template images itself.
 */
export function trayIconFile(icon: TrayIconState, menuTheme: MenuTheme, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return `tray/template/${icon}Template.png`;
  return `tray/${menuTheme}/${icon}.png`;
}

/** The tray's reading of the worker's stats; a missing worker (services down) shows as an error. */
export function trayInputFromStats(
  stats: WorkerStats | null | undefined,
  rest: Omit<TrayInput, 'state' | 'reason'>,
): TrayInput {
  if (!stats) return { ...rest, state: 'error', reason: 'The worker is not running' };
  const reason =
    stats.state === 'maintenance' ? (stats.maintenance?.reason ?? stats.stateReason) : stats.stateReason;
  return { ...rest, state: stats.state, reason, ...(stats.mode ? { mode: stats.mode } : {}) };
}
