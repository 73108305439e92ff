import { describe, expect, it } from 'vitest';
import type { EventMessage, HistoryEntry, WorkerStats } from '../../shared/bridge/contract';
import { DEFAULT_DESKTOP_SETTINGS, type DesktopSettings } from './desktop-settings';
import type { ServicesClient } from './services-link';
import { ShellState, type ShellReaction } from './shell-state';
import { TrayCommands } from './tray-commands';
import { fromKudos } from '../../shared/ledger/money';

const stats = (over: Partial<WorkerStats>) => ({ state: 'running', ...over }) as WorkerStats;
const done: HistoryEntry = {
  id: 'req-1',
  kind: 'text',
  submittedAt: 1,
  summary: 'Once upon a time',
  models: ['tiny-gpt2'],
  kudos: fromKudos(7),
  state: 'done',
  result: 'the end',
};
const msg = (event: EventMessage['event'], payload: unknown) => ({ event, payload }) as EventMessage;

describe('what the services’ events mean for the shell', () => {
  it('reads the worker’s stats and balance into the tray and says whether the worker works', () => {
    const state = new ShellState(() => DEFAULT_DESKTOP_SETTINGS);
    expect(
      state.onEvent(msg('worker:stats', stats({ state: 'running', kudosTotal: fromKudos(12) })), false),
    ).toEqual({
      tray: true,
      working: true,
    });
    expect(state.trayModel().tooltip).toContain('12');
    expect(state.onEvent(msg('worker:stats', stats({ state: 'paused' })), false).working).toBe(false);
    state.onEvent(msg('account:changed', { kudos: fromKudos(99) }), false);
    expect(state.trayModel().tooltip).toContain('99');
    state.servicesDown = true;
    expect(state.trayModel().tooltip).toContain('not running');
  });

  it('notifies once of a finished request, only while the window is not looked at and the setting is on', () => {
    let settings: DesktopSettings = DEFAULT_DESKTOP_SETTINGS;
    const state = new ShellState(() => settings);
    expect(state.onEvent(msg('request:updated', { entry: done }), true).notify).toBeUndefined();
    const hidden = new ShellState(() => settings);
    expect(hidden.onEvent(msg('request:updated', { entry: done }), false).notify).toMatchObject({
      title: 'Text request finished',
      body: 'the end',
    });
    expect(hidden.onEvent(msg('request:updated', { entry: done }), false).notify).toBeUndefined();
    settings = { ...settings, notifyJobDone: false };
    expect(
      hidden.onEvent(msg('request:updated', { entry: { ...done, id: 'req-2' } }), false).notify,
    ).toBeUndefined();
  });
});

describe('tray commands', () => {
  it('sends a worker control and shows the answer; a toggle saves the setting and redraws', async () => {
    const state = new ShellState(() => DEFAULT_DESKTOP_SETTINGS);
    const reactions: ShellReaction[] = [];
    const sent: unknown[] = [];
    const saved: Partial<DesktopSettings>[] = [];
    const logins: boolean[] = [];
    const client = {
      handlers: {
        'worker:control': async (arg: unknown) => {
          sent.push(arg);
          return stats({ state: 'paused', mode: 'pause_1h' });
        },
      },
    } as unknown as ServicesClient;
    const commands = new TrayCommands({
      client: () => client,
      state,
      react: (r) => reactions.push(r),
      showWindow: () => {},
      quit: () => {},
      saveSettings: async (patch) => {
        saved.push(patch);
        return { ...DEFAULT_DESKTOP_SETTINGS, ...patch };
      },
      applyLoginItem: async (on) => {
        logins.push(on);
      },
      log: { warn: () => {} },
    });
    await commands.action('pause_1h');
    expect(sent).toEqual([{ action: 'pause_1h' }]);
    expect(state.stats?.state).toBe('paused');
    await commands.toggle('start_at_login', true);
    await commands.toggle('close_to_tray', false);
    expect(saved).toEqual([{ startAtLogin: true }, { closeToTray: false }]);
    expect(logins).toEqual([true]);
    expect(reactions.map((r) => r.tray)).toEqual([true, true, true]);
  });
});
