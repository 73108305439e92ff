import { describe, expect, it } from 'vitest';
import { fromKudos } from '../../shared/ledger/money';
import type { WorkerStats } from '../../shared/worker/stats';
import {
  trayIconFile,
  trayInputFromStats,
  trayModel,
  type TrayAction,
  type TrayInput,
  type TrayModel,
} from './tray-menu';

function menu(input: Partial<TrayInput> & Pick<TrayInput, 'state'>): TrayModel {
  return trayModel({
    balanceKudos: fromKudos(1234.5),
    locale: 'en-US',
    timeZone: 'UTC',
    closeToTray: true,
    startAtLogin: false,
    ...input,
  });
}

function enabledActions(model: TrayModel): TrayAction[] {
  return model.items.flatMap((item) => (item.type === 'action' && item.enabled ? [item.id] : []));
}

function statusLines(model: TrayModel): string[] {
  return model.items.flatMap((item) => (item.type === 'status' ? [item.label] : []));
}

describe('tray menu model', () => {
  it('always offers open, earn now, pause for 1 h, stop earning and quit, in that order', () => {
    const labels = menu({ state: 'running' }).items.flatMap((i) => (i.type === 'action' ? [i.label] : []));
    expect(labels).toEqual([
      'Open Horde Desktop',
      'Earn now',
      'Pause for 1 hour',
      'Earn when idle',
      'Stop earning',
      'Quit Horde Desktop',
    ]);
  });

  it('while earning: shows the earning icon and offers pause and stop, not earn now', () => {
    const model = menu({ state: 'running' });
    expect(model.icon).toBe('earning');
    expect(enabledActions(model)).toEqual(['open', 'pause_1h', 'stop', 'quit']);
    expect(statusLines(model)[0]).toBe('Earning kudos');
  });

  it('while waiting for idle: shows the waiting icon and offers earn now, pause and stop', () => {
    const model = menu({ state: 'waiting_for_idle' });
    expect(model.icon).toBe('waiting');
    expect(enabledActions(model)).toEqual(['open', 'earn_now', 'pause_1h', 'stop', 'quit']);
  });

  it('while paused: shows when the pause ends and offers to earn again', () => {
    const model = menu({ state: 'paused', pausedUntil: Date.UTC(2026, 0, 1, 14, 5) });
    expect(model.icon).toBe('paused');
    expect(statusLines(model)[0]).toBe('Paused until 02:05 PM');
    expect(enabledActions(model)).toEqual(['open', 'earn_now', 'auto', 'stop', 'quit']);
  });

  it('when stopped: stop is greyed out', () => {
    const model = menu({ state: 'stopped' });
    expect(model.icon).toBe('paused');
    expect(enabledActions(model)).toEqual(['open', 'earn_now', 'auto', 'quit']);
  });

  it('in maintenance: alerts and says why, and sends the user to the window rather than retrying', () => {
    const model = menu({ state: 'maintenance', reason: 'too many dropped jobs' });
    expect(model.icon).toBe('alert');
    expect(statusLines(model)[0]).toBe('Maintenance mode: too many dropped jobs');
    expect(enabledActions(model)).toEqual(['open', 'stop', 'quit']);
  });

  it('without a model: alerts and cannot earn', () => {
    const model = menu({ state: 'no_model' });
    expect(model.icon).toBe('alert');
    expect(enabledActions(model)).not.toContain('earn_now');
  });

  it('shows the kudos balance in the tooltip and the menu', () => {
    const model = menu({ state: 'running', balanceKudos: fromKudos(1234.567) });
    expect(model.tooltip).toBe('Horde Desktop · Earning kudos · 1,234.57 kudos');
    expect(statusLines(model)).toContain('Balance: 1,234.57 kudos');
  });

  it('says so when the balance is not known yet', () => {
    expect(menu({ state: 'stopped', balanceKudos: undefined }).tooltip).toContain('balance unavailable');
  });
});

describe('tray input from the worker', () => {
  const stats = (over: Partial<WorkerStats>): WorkerStats => ({
    state: 'waiting_for_idle',
    stateReason: '',
    jobsDone: 0,
    jobsFaulted: 0,
    tokensPerSecond: 0,
    kudosThisSession: fromKudos(0),
    uptimeSeconds: 0,
    advertised: { models: [], maxLength: 0, maxContextLength: 0, forms: [] },
    ...over,
  });
  const rest = { balanceKudos: fromKudos(10), closeToTray: true, startAtLogin: false, locale: 'en-US' };

  it('uses the worker’s own words for its state', () => {
    const model = trayModel(
      trayInputFromStats(stats({ stateReason: 'On battery: earning resumes on AC power' }), rest),
    );
    expect(statusLines(model)[0]).toBe('On battery: earning resumes on AC power');
    expect(model.icon).toBe('waiting');
  });

  it('shows the horde’s maintenance reason', () => {
    const model = trayModel(
      trayInputFromStats(
        stats({ state: 'maintenance', stateReason: 'x', maintenance: { on: true, reason: 'slow jobs' } }),
        rest,
      ),
    );
    expect(statusLines(model)[0]).toBe('Maintenance mode: slow jobs');
  });

  it('shows an alert when the worker is not running at all', () => {
    const model = trayModel(trayInputFromStats(null, rest));
    expect(model.icon).toBe('alert');
    expect(statusLines(model)[0]).toBe('The worker is not running');
  });
});

describe('tray toggles', () => {
  it('shows the close-to-tray and start-at-login settings as checkboxes', () => {
    const toggles = menu({ state: 'running', closeToTray: false, startAtLogin: true }).items.filter(
      (i) => i.type === 'toggle',
    );
    expect(toggles).toEqual([
      {
        type: 'toggle',
        id: 'close_to_tray',
        label: 'Keep earning when the window is closed',
        checked: false,
      },
      { type: 'toggle', id: 'start_at_login', label: 'Start at login', checked: true },
    ]);
  });
});

describe('tray icon files', () => {
  it('uses the light glyph on dark menus, the dark glyph on light menus, and templates on macOS', () => {
    expect(trayIconFile('earning', 'dark', 'linux')).toBe('tray/dark/earning.png');
    expect(trayIconFile('paused', 'light', 'win32')).toBe('tray/light/paused.png');
    expect(trayIconFile('waiting', 'dark', 'darwin')).toBe('tray/template/waitingTemplate.png');
  });
});

describe('the mode in force', () => {
  const modes = (model: TrayModel) =>
    model.items.flatMap((i) => (i.type === 'action' && i.checked !== undefined ? [[i.id, i.checked]] : []));

  it('is checked in the menu, the others not', () => {
    const model = trayModel(
      trayInputFromStats(
        { state: 'paused', stateReason: 'Paused by you until 14:00', mode: 'pause_1h' } as WorkerStats,
        { balanceKudos: fromKudos(1), closeToTray: true, startAtLogin: false },
      ),
    );
    expect(modes(model)).toEqual([
      ['earn_now', false],
      ['pause_1h', true],
      ['auto', false],
      ['stop', false],
    ]);
  });

  it('follows the worker from automatic to earning now', () => {
    const input = { balanceKudos: fromKudos(1), closeToTray: true, startAtLogin: false };
    const auto = trayModel(
      trayInputFromStats({ state: 'idle_no_work', stateReason: '', mode: 'auto' } as WorkerStats, input),
    );
    const now = trayModel(
      trayInputFromStats({ state: 'running', stateReason: '', mode: 'earn_now' } as WorkerStats, input),
    );
    expect(modes(auto).filter(([, on]) => on)).toEqual([['auto', true]]);
    expect(modes(now).filter(([, on]) => on)).toEqual([['earn_now', true]]);
  });
});
