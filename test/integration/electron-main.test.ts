import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectron } from '../../scripts/build-electron';
import { BRIDGE_CHANNELS } from '../../shared/bridge/channels';

// The built main process (dist/electron/main.cjs) run in Node against a stand-in for the
// `electron` module — the Electron binary cannot run on these machines. The stand-in records
// what main asks of Electron (IPC handlers, tray menus, windows) and forks the real services
// bundle as its "utility process", so the window's calls go all the way to the embedded horde.
const root = join(import.meta.dirname, '..', '..');
const out = join(root, 'out', `main-test-${process.pid}`);

const PARENT_PORT_SHIM = `
const listeners = new Map();
process.parentPort = {
  postMessage: (m) => process.send(m),
  on: (event, fn) => { const l = (data) => fn({ data }); listeners.set(fn, l); process.on('message', l); },
  off: (event, fn) => { process.off('message', listeners.get(fn)); },
};
`;

const FAKE_ELECTRON = String.raw`
const { EventEmitter } = require('node:events');
const { fork } = require('node:child_process');
const path = require('node:path');
const state = { handlers: new Map(), trayMenus: [], trayTooltips: [], windows: [], quitCalls: 0, loginItems: [] };
const paths = { userData: process.env.HORDE_DESKTOP_DATA_DIR, appData: path.join(process.env.HORDE_DESKTOP_DATA_DIR, 'appData') };

class App extends EventEmitter {
  isPackaged = false;
  commandLine = { appendSwitch() {} };
  setName() {}
  setPath(name, p) { paths[name] = p; }
  getPath(name) { return paths[name] ?? path.join(paths.userData, name); }
  setAppLogsPath() { paths.logs = path.join(paths.userData, 'logs'); }
  getVersion() { return '0.1.0'; }
  getAppPath() { return process.env.FAKE_APP_PATH; }
  requestSingleInstanceLock() { return true; }
  setAppUserModelId() {}
  whenReady() { return Promise.resolve(); }
  getLoginItemSettings() { return { wasOpenedAtLogin: false }; }
  setLoginItemSettings(s) { state.loginItems.push(s); }
  quit() {
    state.quitCalls += 1;
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => { prevented = true; } });
    if (!prevented) { this.emit('will-quit', {}); setImmediate(() => process.exit(0)); }
  }
  exit(code) { process.exit(code); }
}
const app = new App();

class WebContents extends EventEmitter {
  sent = [];
  session = { setPermissionRequestHandler() {}, setPermissionCheckHandler() {} };
  setWindowOpenHandler() {}
  isDestroyed() { return false; }
  send(channel, message) { this.sent.push({ channel, message }); }
  executeJavaScript() { return Promise.reject(new Error('no page in tests')); }
}
class BrowserWindow extends EventEmitter {
  constructor(options) { super(); this.options = options; this.webContents = new WebContents(); this.urls = []; this.visible = false; state.windows.push(this); }
  loadURL(url) { this.urls.push(url); setImmediate(() => this.emit('ready-to-show')); return Promise.resolve(); }
  show() { this.visible = true; }
  hide() { this.visible = false; }
  focus() {}
  isMinimized() { return false; }
  restore() {}
  isVisible() { return this.visible; }
  isDestroyed() { return false; }
  destroy() {}
  close() { let prevented = false; this.emit('close', { preventDefault: () => { prevented = true; } }); if (!prevented) { this.closed = true; this.emit('closed'); } }
}
class Tray extends EventEmitter {
  setImage(image) { this.image = image; }
  setToolTip(t) { state.trayTooltips.push(t); }
  setContextMenu(menu) { state.trayMenus.push(menu); }
  isDestroyed() { return false; }
  destroy() {}
}
class Notification extends EventEmitter { static isSupported() { return false; } show() {} }

const powerMonitor = Object.assign(new EventEmitter(), { getSystemIdleTime: () => 0, isOnBatteryPower: () => false });

const utilityProcess = {
  fork(modulePath) {
    const child = fork(modulePath, [], {
      execArgv: ['--require', process.env.FAKE_PARENT_PORT_SHIM],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const proc = new EventEmitter();
    child.on('message', (m) => proc.emit('message', m));
    child.on('exit', (code) => proc.emit('exit', code ?? 0));
    process.on('exit', () => child.kill());
    proc.postMessage = (m) => child.send(m);
    proc.kill = () => child.kill();
    return proc;
  },
};

module.exports = {
  app,
  BrowserWindow,
  Tray,
  Notification,
  powerMonitor,
  utilityProcess,
  Menu: { buildFromTemplate: (template) => template },
  nativeImage: { createFromPath: (p) => ({ path: p }) },
  nativeTheme: Object.assign(new EventEmitter(), { shouldUseDarkColors: false }),
  shell: { openExternal: () => Promise.resolve() },
  protocol: { registerSchemesAsPrivileged() {}, handle() {} },
  session: { defaultSession: { webRequest: { onHeadersReceived() {} } } },
  ipcMain: { handle: (c, fn) => state.handlers.set(c, fn), removeHandler: (c) => state.handlers.delete(c) },
  safeStorage: {
    isEncryptionAvailable: () => true,
    encryptString: (s) => Buffer.from(s, 'utf8').reverse(),
    decryptString: (b) => Buffer.from(b).reverse().toString('utf8'),
  },
};

// The test drives this process over Node IPC.
process.on('message', async (m) => {
  if (!m || typeof m.test !== 'string') return;
  const reply = (value) => process.send({ testReply: m.id, value });
  switch (m.test) {
    case 'state': {
      const last = state.trayMenus.at(-1) ?? [];
      return reply({
        channels: [...state.handlers.keys()],
        tooltip: state.trayTooltips.at(-1),
        menu: last.map((i) => ({ label: i.label, enabled: i.enabled, type: i.type })),
        windows: state.windows.map((w) => ({ urls: w.urls, visible: w.visible, prefs: w.options.webPreferences, closed: !!w.closed })),
        events: state.windows.flatMap((w) => w.webContents.sent.map((s) => s.channel + ' ' + s.message.event)),
      });
    }
    case 'invoke': {
      const fn = state.handlers.get('bridge:' + m.channel);
      const event = { senderFrame: { url: m.url, parent: null }, sender: {} };
      return reply(await fn(event, m.arg));
    }
    case 'close-window': {
      state.windows[0].close();
      return reply(null);
    }
    case 'tray-click': {
      const item = (state.trayMenus.at(-1) ?? []).find((i) => i.label === m.label);
      item.click({ checked: !item.checked });
      return reply(null);
    }
    case 'quit':
      app.quit();
      return reply(null);
  }
});
`;

const REGISTER = `
const Module = require('node:module');
const original = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'electron') return process.env.FAKE_ELECTRON;
  return original.call(this, request, ...rest);
};
`;

interface MainState {
  channels: string[];
  tooltip?: string;
  menu: { label?: string; enabled?: boolean; type?: string }[];
  windows: { urls: string[]; visible: boolean; prefs: Record<string, unknown>; closed: boolean }[];
  events: string[];
}

describe('Electron main process (against a stand-in electron module)', () => {
  let child: ChildProcess;
  let dataDir: string;
  let nextId = 1;

  function ask<T>(message: Record<string, unknown>): Promise<T> {
    const id = nextId++;
    return new Promise<T>((resolve) => {
      const onMessage = (m: { testReply?: number; value: T }) => {
        if (m?.testReply !== id) return;
        child.off('message', onMessage);
        resolve(m.value);
      };
      child.on('message', onMessage);
      child.send({ ...message, id });
    });
  }

  async function until(check: (s: MainState) => boolean): Promise<MainState> {
    let state = await ask<MainState>({ test: 'state' });
    for (let i = 0; i < 400 && !check(state); i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = await ask<MainState>({ test: 'state' });
    }
    return state;
  }

  beforeAll(async () => {
    await buildElectron(out);
    dataDir = await mkdtemp(join(tmpdir(), 'horde-desktop-main-'));
    await writeFile(join(out, 'fake-electron.cjs'), FAKE_ELECTRON);
    await writeFile(join(out, 'register.cjs'), REGISTER);
    await writeFile(join(out, 'parent-port.cjs'), PARENT_PORT_SHIM);
    child = fork(join(out, 'main.cjs'), [], {
      execArgv: ['--require', join(out, 'register.cjs')],
      serialization: 'advanced',
      // main's log echoes to stderr; the log file in the data folder has it all.
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: {
        ...process.env,
        HORDE_DESKTOP_DATA_DIR: dataDir,
        FAKE_ELECTRON: join(out, 'fake-electron.cjs'),
        FAKE_PARENT_PORT_SHIM: join(out, 'parent-port.cjs'),
        FAKE_APP_PATH: root,
      },
    });
  });

  afterAll(async () => {
    child?.kill();
    await rm(out, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('opens one secure window on the app page and registers every bridge channel', async () => {
    const state = await until((s) => s.channels.length > 0 && s.windows.length > 0);
    expect(state.channels).toContain('bridge:account:transfer');
    expect(state.channels).toHaveLength(BRIDGE_CHANNELS.length);
    expect(state.windows).toHaveLength(1);
    expect(state.windows[0]?.urls).toEqual(['app://horde/index.html']);
    expect(state.windows[0]?.prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
    expect(String(state.windows[0]?.prefs.preload)).toMatch(/preload\.cjs$/);
  });

  it('answers the app page from the services process, and refuses another origin', async () => {
    const info = await ask<{ ok: boolean; result?: { shell: string; horde: { mode: string } } }>({
      test: 'invoke',
      channel: 'app:info',
      url: 'app://horde/index.html',
    });
    expect(info).toMatchObject({ ok: true, result: { shell: 'electron', horde: { mode: 'embedded' } } });
    const foreign = await ask({ test: 'invoke', channel: 'app:info', url: 'https://evil.example/' });
    expect(foreign).toMatchObject({ ok: false, error: { rc: 'Forbidden' } });
    const bad = await ask({
      test: 'invoke',
      channel: 'worker:control',
      url: 'app://horde/index.html',
      arg: { action: 'mine bitcoin' },
    });
    expect(bad).toMatchObject({ ok: false, error: { rc: 'BadArgument' } });
  });

  it('shows the worker in the tray with its controls', async () => {
    const state = await until((s) => (s.tooltip ?? '').includes('kudos') && s.menu.length > 0);
    expect(state.tooltip).toMatch(/^Horde Desktop · .+ · [\d,.]+ kudos$/);
    const labels = state.menu.map((i) => i.label).filter(Boolean);
    expect(labels).toEqual(
      expect.arrayContaining([
        'Open Horde Desktop',
        'Earn now',
        'Pause for 1 hour',
        'Stop earning',
        'Quit Horde Desktop',
      ]),
    );
  });

  it('pushes worker stats to the window', async () => {
    const earn = await ask({
      test: 'invoke',
      channel: 'worker:control',
      url: 'app://horde/index.html',
      arg: { action: 'earn_now' },
    });
    expect(earn).toMatchObject({ ok: true });
    const state = await until((s) => s.events.includes('bridge:event worker:stats'));
    expect(state.events).toContain('bridge:event worker:stats');
  });

  it('keeps earning in the tray when the window is closed', async () => {
    await ask({ test: 'close-window' });
    const state = await ask<MainState>({ test: 'state' });
    expect(state.windows[0]).toMatchObject({ visible: false, closed: false });
  });

  it('quits from the tray after stopping the services, and exits cleanly', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await ask({ test: 'tray-click', label: 'Quit Horde Desktop' });
    expect(await exited).toBe(0);
    const log = await readFile(join(dataDir, 'logs', 'main.log'), 'utf8');
    expect(log).toContain('quitting: stopping the worker and closing the horde');
    expect(log).toMatch(/shutdown done\n/);
  });
});
