import { describe, expect, it } from 'vitest';
import type { HistoryEntry, RequestUpdate } from '../../shared/bridge/contract';
import {
  autostartDesktopEntry,
  decideWindowClose,
  RequestNotifier,
  launchedHidden,
  loginItem,
  QuitCoordinator,
  type ShutdownReport,
} from './lifecycle';
import { fromKudos } from '../../shared/ledger/money';

describe('closing the window', () => {
  it('hides to the tray by default, so earning continues', () => {
    expect(decideWindowClose({ quitting: false, closeToTray: true, trayAvailable: true })).toBe('hide');
  });
  it('closes when the user turned that off, when there is no tray, or when quitting', () => {
    expect(decideWindowClose({ quitting: false, closeToTray: false, trayAvailable: true })).toBe('close');
    expect(decideWindowClose({ quitting: false, closeToTray: true, trayAvailable: false })).toBe('close');
    expect(decideWindowClose({ quitting: true, closeToTray: true, trayAvailable: true })).toBe('close');
  });
});

describe('start at login', () => {
  it('registers a hidden launch when on and nothing when off', () => {
    expect(loginItem(true)).toEqual({ openAtLogin: true, args: ['--hidden'] });
    expect(loginItem(false)).toEqual({ openAtLogin: false, args: [] });
  });
  it('recognises a login launch', () => {
    expect(launchedHidden(['/opt/horde-desktop', '--hidden'], false)).toBe(true);
    expect(launchedHidden(['/opt/horde-desktop'], true)).toBe(true);
    expect(launchedHidden(['/opt/horde-desktop'], false)).toBe(false);
  });
  it('writes a Linux autostart entry that starts the AppImage hidden', () => {
    const entry = autostartDesktopEntry(
      '/tmp/.mount_x/horde-desktop',
      '/home/me/Apps/Horde Desktop.AppImage',
    );
    expect(entry).toContain('Exec="/home/me/Apps/Horde Desktop.AppImage" --hidden');
    expect(entry.startsWith('[Desktop Entry]\n')).toBe(true);
  });
});

function quitHarness(shutdown: () => Promise<ShutdownReport>) {
  const exits: ShutdownReport[] = [];
  let fireDeadline: () => void = () => {};
  const q = new QuitCoordinator({
    shutdown,
    exit: (r) => exits.push(r),
    setTimer: (fn) => {
      fireDeadline = fn;
    },
  });
  return { q, exits, fireDeadline: () => fireDeadline() };
}

describe('quitting', () => {
  it('holds the first quit until the worker has finished its job and the database is closed', async () => {
    let release: (r: ShutdownReport) => void = () => {};
    const h = quitHarness(() => new Promise((resolve) => (release = resolve)));
    expect(h.q.beforeQuit()).toBe(true);
    expect(h.q.beforeQuit()).toBe(true); // a second Quit click while stopping changes nothing
    expect(h.exits).toEqual([]);
    release({ job: 'finished', jobId: 'j1', errors: [] });
    await Promise.resolve();
    expect(h.exits).toEqual([{ job: 'finished', jobId: 'j1', errors: [] }]);
    expect(h.q.beforeQuit()).toBe(false);
  });

  it('quits anyway, saying why, when shutdown fails', async () => {
    const h = quitHarness(() => Promise.reject(new Error('database is locked')));
    h.q.beforeQuit();
    await new Promise((r) => setImmediate(r));
    expect(h.exits).toEqual([{ job: 'abandoned', errors: ['database is locked'] }]);
  });

  it('quits anyway at the deadline, and only once', async () => {
    let release: (r: ShutdownReport) => void = () => {};
    const h = quitHarness(() => new Promise((resolve) => (release = resolve)));
    h.q.beforeQuit();
    h.fireDeadline();
    release({ job: 'finished', errors: [] });
    await Promise.resolve();
    expect(h.exits).toHaveLength(1);
    expect(h.exits[0]?.job).toBe('abandoned');
  });
});

function update(entry: Partial<HistoryEntry>): RequestUpdate {
  return {
    entry: {
      id: 'r1',
      kind: 'text',
      submittedAt: 0,
      summary: 'Write a haiku about kudos',
      models: [],
      kudos: fromKudos(10),
      state: 'processing',
      ...entry,
    },
  };
}

describe('job notifications', () => {
  it('notifies once when a request finishes while the window is hidden, with the start of the answer', () => {
    const n = new RequestNotifier();
    expect(n.onRequestUpdate(update({ state: 'processing' }), false, true)).toBeUndefined();
    expect(
      n.onRequestUpdate(update({ state: 'done', result: 'Idle cores hum\nkudos fall' }), false, true),
    ).toEqual({
      jobId: 'r1',
      title: 'Text request finished',
      body: 'Idle cores hum kudos fall',
    });
    expect(n.onRequestUpdate(update({ state: 'done', result: 'x' }), false, true)).toBeUndefined();
  });

  it('stays quiet while the window is visible, when turned off, and for the user’s own cancel', () => {
    const n = new RequestNotifier();
    expect(n.onRequestUpdate(update({ id: 'a', state: 'done' }), true, true)).toBeUndefined();
    expect(n.onRequestUpdate(update({ id: 'b', state: 'done' }), false, false)).toBeUndefined();
    expect(n.onRequestUpdate(update({ id: 'c', state: 'cancelled' }), false, true)).toBeUndefined();
  });

  it('says when a request failed and why', () => {
    const note = new RequestNotifier().onRequestUpdate(
      update({
        kind: 'alchemy',
        state: 'faulted',
        error: { rc: 'NoValidWorkers', message: 'No worker can serve it' },
      }),
      false,
      true,
    );
    expect(note).toMatchObject({ title: 'Alchemy request failed', body: 'No worker can serve it' });
  });
});
