import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SIGNALS,
  DESKTOP_IDLE_POLICY,
  SERVE_IDLE_POLICY,
  type IdlePolicySettings,
} from '../../shared/worker/stats';
import { applyAction, decide, inSchedule, PAUSE_1H_MS } from './idle-policy';

// Local-time dates, so the schedule tests hold in any time zone. 2026-11-30 is a Monday.
const monday = (h: number, m = 0) => new Date(2026, 10, 30, h, m).getTime();
const idle = { ...DEFAULT_SIGNALS, idleSeconds: 10 * 60 };
const desktop: IdlePolicySettings = { ...DESKTOP_IDLE_POLICY };

describe('decide', () => {
  it('serve mode earns always, with no signals at all', () => {
    expect(decide(SERVE_IDLE_POLICY, DEFAULT_SIGNALS, monday(12))).toMatchObject({
      run: true,
      cause: 'always',
    });
  });

  it('waits for the idle threshold, then earns, and stops the moment the user returns', () => {
    const now = monday(12);
    const waiting = decide(desktop, { ...DEFAULT_SIGNALS, idleSeconds: 120 }, now);
    expect(waiting).toMatchObject({ run: false, cause: 'not_idle' });
    expect(waiting.reason).toContain('3 min to go');
    expect(decide(desktop, { ...DEFAULT_SIGNALS, idleSeconds: 300 }, now).run).toBe(true);
    expect(decide(desktop, { ...idle, userActive: true }, now)).toMatchObject({
      run: false,
      cause: 'user_active',
    });
  });

  it('counts a locked screen as nobody at the keyboard', () => {
    expect(decide(desktop, { ...DEFAULT_SIGNALS, locked: true, idleSeconds: 3 }, monday(12)).run).toBe(true);
  });

  it('waits for the charger when set to run only on AC', () => {
    expect(decide(desktop, { ...idle, onBattery: true }, monday(12))).toMatchObject({
      run: false,
      cause: 'battery',
    });
    expect(decide({ ...desktop, onlyOnAC: false }, { ...idle, onBattery: true }, monday(12)).run).toBe(true);
  });

  it('pauses for full-screen programs when asked to', () => {
    expect(decide(desktop, { ...idle, fullscreenApp: true }, monday(12)).cause).toBe('fullscreen');
    expect(
      decide({ ...desktop, pauseWhenFullscreen: false }, { ...idle, fullscreenApp: true }, monday(12)).run,
    ).toBe(true);
  });

  it('pauses while a named program runs, whatever its path or case', () => {
    const settings = { ...desktop, pausePrograms: ['Blender'] };
    const d = decide(settings, { ...idle, runningPrograms: ['C:\\Program Files\\blender.EXE'] }, monday(12));
    expect(d).toMatchObject({ run: false, cause: 'program' });
    expect(d.reason).toContain('Blender');
    expect(decide(settings, { ...idle, runningPrograms: ['blend'] }, monday(12)).run).toBe(true);
  });

  it('bounds the CPU use of other programs with hysteresis', () => {
    const at = (load: number, running: boolean) =>
      decide(desktop, { ...idle, cpuLoadOthers: load }, monday(12), running).run;
    expect(at(60, true)).toBe(false);
    expect(at(45, true)).toBe(true);
    // Not running yet: 45 % is within 10 points of the 50 % bound, so it does not start.
    expect(at(45, false)).toBe(false);
    expect(at(35, false)).toBe(true);
  });

  it('earns only inside the schedule, including windows past midnight', () => {
    const nights = { ...desktop, schedule: [{ days: [1 as const], start: '22:00', end: '06:00' }] };
    expect(decide(nights, idle, monday(12))).toMatchObject({ run: false, cause: 'schedule' });
    expect(decide(nights, idle, monday(23)).run).toBe(true);
    expect(decide(nights, idle, monday(24 + 5)).run).toBe(true); // Tuesday 05:00
    expect(decide(nights, idle, monday(24 + 6)).run).toBe(false); // Tuesday 06:00
    expect(decide(nights, idle, monday(5)).run).toBe(false); // Monday 05:00 belongs to Sunday night
  });

  it('lets the user override: earn now beats every condition, pause for 1 h expires by itself', () => {
    const now = monday(12);
    const busy = { ...DEFAULT_SIGNALS, userActive: true, onBattery: true, fullscreenApp: true };
    expect(decide(applyAction(desktop, 'earn_now', now), busy, now)).toMatchObject({
      run: true,
      cause: 'override_earn',
    });

    const paused = applyAction(SERVE_IDLE_POLICY, 'pause_1h', now);
    const d = decide(paused, DEFAULT_SIGNALS, now + 59 * 60_000);
    expect(d).toMatchObject({ run: false, cause: 'override_paused' });
    expect(d.reason).toContain('until 13:00');
    expect(decide(paused, DEFAULT_SIGNALS, now + PAUSE_1H_MS).run).toBe(true);

    expect(applyAction(paused, 'auto', now).override).toBeUndefined();
  });
});

describe('inSchedule', () => {
  it('matches the day and the minute range, end excluded', () => {
    const weekdays = [{ days: [1, 2, 3, 4, 5] as (0 | 1 | 2 | 3 | 4 | 5)[], start: '09:30', end: '17:00' }];
    expect(inSchedule(weekdays, monday(9, 29))).toBe(false);
    expect(inSchedule(weekdays, monday(9, 30))).toBe(true);
    expect(inSchedule(weekdays, monday(17))).toBe(false);
    expect(inSchedule(weekdays, monday(-24 + 12))).toBe(false); // Sunday noon
  });
});
