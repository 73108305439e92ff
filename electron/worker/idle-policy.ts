/**
 * The idle policy: whether the worker may earn now, and why (or why not), in
 * words the user reads in the tray and the worker panel. Pure: the same
 * settings, signals and time always give the same answer.
 */
import type {
  IdlePolicySettings,
  IdleSignals,
  PolicyOverride,
  ScheduleWindow,
} from '../../shared/worker/stats';

export type DecisionCause =
  | 'override_earn'
  | 'override_paused'
  | 'battery'
  | 'schedule'
  | 'program'
  | 'fullscreen'
  | 'cpu'
  | 'user_active'
  | 'not_idle'
  | 'idle'
  | 'always';

export interface Decision {
  run: boolean;
  reason: string;
  cause: DecisionCause;
}

/** Once running, the CPU bound is crossed upward; to start again other programs must drop this far below it, so the worker does not flap. */
export const CPU_HYSTERESIS_PERCENT = 10;

export const PAUSE_1H_MS = 60 * 60 * 1000;

/**
 * @param running whether the worker runs now; only the CPU bound uses it (hysteresis).
 */
export function decide(
  settings: IdlePolicySettings,
  signals: IdleSignals,
  now: number,
  running = false,
): Decision {
  const override = activeOverride(settings.override, now);
  if (override?.mode === 'paused') {
    const until = override.until === undefined ? '' : ` until ${clockTime(override.until)}`;
    return { run: false, cause: 'override_paused', reason: `Paused by you${until}` };
  }
  if (override?.mode === 'earn_now') {
    return { run: true, cause: 'override_earn', reason: 'Earning now, as you asked' };
  }
  if (settings.onlyOnAC && signals.onBattery) {
    return { run: false, cause: 'battery', reason: 'On battery power: earning waits for the charger' };
  }
  if (settings.schedule && settings.schedule.length > 0 && !inSchedule(settings.schedule, now)) {
    return { run: false, cause: 'schedule', reason: 'Outside the earning schedule' };
  }
  const program = blockingProgram(settings.pausePrograms ?? [], signals.runningPrograms);
  if (program !== undefined) {
    return { run: false, cause: 'program', reason: `Paused while ${program} runs` };
  }
  if (settings.pauseWhenFullscreen && signals.fullscreenApp) {
    return {
      run: false,
      cause: 'fullscreen',
      reason: 'Paused while a full-screen program (game or video) is in front',
    };
  }
  const cpuLimit = settings.maxCpuPercentOthers;
  if (cpuLimit !== undefined && cpuLimit < 100) {
    const bound = running ? cpuLimit : Math.max(0, cpuLimit - CPU_HYSTERESIS_PERCENT);
    if (signals.cpuLoadOthers > bound) {
      return {
        run: false,
        cause: 'cpu',
        reason: `Other programs use ${Math.round(signals.cpuLoadOthers)} % of the CPU (limit ${cpuLimit} %)`,
      };
    }
  }
  if (settings.idleMinutes <= 0) {
    return { run: true, cause: 'always', reason: 'Earning (always on)' };
  }
  if (!signals.locked) {
    if (signals.userActive) {
      return { run: false, cause: 'user_active', reason: 'You are using the computer' };
    }
    const needed = settings.idleMinutes * 60;
    if (signals.idleSeconds < needed) {
      const left = Math.ceil((needed - signals.idleSeconds) / 60);
      return {
        run: false,
        cause: 'not_idle',
        reason: `Waiting for the computer to be idle ${settings.idleMinutes} min (${left} min to go)`,
      };
    }
  }
  return { run: true, cause: 'idle', reason: 'Earning while the computer is idle' };
}

/** The override in force at `now`, or undefined when none is set or it has expired. */
export function activeOverride(
  override: PolicyOverride | undefined,
  now: number,
): PolicyOverride | undefined {
  if (override === undefined) return undefined;
  if (override.until !== undefined && now >= override.until) return undefined;
  return override;
}

/** The settings with the tray/panel action applied ('auto' clears any override). */
export function applyAction(
  settings: IdlePolicySettings,
  action: 'earn_now' | 'pause_1h' | 'auto',
  now: number,
): IdlePolicySettings {
  const { override: _dropped, ...rest } = settings;
  switch (action) {
    case 'earn_now':
      return { ...rest, override: { mode: 'earn_now' } };
    case 'pause_1h':
      return { ...rest, override: { mode: 'paused', until: now + PAUSE_1H_MS } };
    case 'auto':
      return rest;
  }
}

export function inSchedule(windows: readonly ScheduleWindow[], now: number): boolean {
  const date = new Date(now);
  const day = date.getDay();
  const minute = date.getHours() * 60 + date.getMinutes();
  const yesterday = (day + 6) % 7;
  return windows.some((w) => {
    const start = minutesOf(w.start);
    const end = minutesOf(w.end);
    const days = w.days as readonly number[];
    if (end > start) return days.includes(day) && minute >= start && minute < end;
    // Runs past midnight: the evening part belongs to the start day, the morning part to the day after.
    return (days.includes(day) && minute >= start) || (days.includes(yesterday) && minute < end);
  });
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function blockingProgram(blocked: readonly string[], running: readonly string[]): string | undefined {
  if (blocked.length === 0 || running.length === 0) return undefined;
  const names = new Set(running.map(normalizeProgram));
  return blocked.find((p) => names.has(normalizeProgram(p)));
}

/** "C:\\Games\\Game.EXE" and "game" name the same program. */
function normalizeProgram(name: string): string {
  const base = name.trim().split(/[\\/]/).pop() ?? '';
  return base.toLowerCase().replace(/\.(exe|app)$/, '');
}

function clockTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
