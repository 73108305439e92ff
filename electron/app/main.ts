// The Electron main process: wires the window, tray, power signals and the services process
// together. Every decision is made in the plain modules beside it; this file only connects them.
import path from 'node:path';
import { app, BrowserWindow, dialog, Notification, nativeTheme, safeStorage } from 'electron';
import type { AccountView, EventMessage, WorkerStats } from '../../shared/bridge/contract';
import type { DownloadProgress } from '../../shared/bridge/models';
import { APP_INDEX_URL } from './app-protocol';
import { setLinuxAutostart } from './autostart';
import { argvWithChoice, damagedChoiceFromArgv, damagedHordeDialog } from './damaged-horde';
import { DesktopSettingsStore, type DesktopSettings } from './desktop-settings';
import { HiddenInferenceWindow } from './inference-window';
import { registerBridgeIpc, sendBridgeEvent } from './ipc';
import { createBridgeIpcTable } from './ipc-table';
import {
  decideWindowClose,
  RequestNotifier,
  launchedHidden,
  loginItem,
  QuitCoordinator,
  type ShutdownReport,
} from './lifecycle';
import { pickFolder } from './folder-picker';
import { FileLog } from './log';
import { startPowerSignals } from './power';
import { workerIsWorking, type PowerSignalAdapter } from './power-signals';
import { applyCspToDevServer, registerAppScheme, serveRenderer } from './protocol';
import { SafeStorageSecretStore } from './secret-store';
import { launchServices, type LaunchedServices } from './services-launcher';
import { TrayController } from './tray';
import { TrayDownloads } from './tray-downloads';
import { trayInputFromStats, trayModel, type TrayAction, type TrayToggle } from './tray-menu';
import { createMainWindow, focusWindow } from './window';
import { contentSecurityPolicy, webgpuSwitches } from './window-options';

// The same data folder from source (`npm start`, where package.json has no productName) as installed.
app.setName('Horde Desktop');
// A separate data folder for a second profile or a test run.
if (process.env.HORDE_DESKTOP_DATA_DIR)
  app.setPath('userData', path.resolve(process.env.HORDE_DESKTOP_DATA_DIR));
// The dev server (npm run dev in renderer/) only when running from source.
const devServer = app.isPackaged ? undefined : process.env.HORDE_DESKTOP_DEV_SERVER;
const appUrl = devServer ?? APP_INDEX_URL;
// dist/electron/main.cjs → dist/
const distDir = path.join(__dirname, '..');

registerAppScheme();
for (const [name, value] of webgpuSwitches(process.platform)) app.commandLine.appendSwitch(name, value);

if (!app.requestSingleInstanceLock()) {
  // Another copy is running: it gets 'second-instance' and shows its window.
  app.quit();
} else {
  app.setAppUserModelId('io.hordedesktop.app');
  app.whenReady().then(start, (err: unknown) => {
    process.stderr.write(`Horde Desktop failed to start: ${String(err)}\n`);
    app.exit(1);
  });
}

async function start(): Promise<void> {
  app.setAppLogsPath();
  const log = new FileLog(path.join(app.getPath('logs'), 'main.log'));
  const dataDir = app.getPath('userData');
  log.info(`Horde Desktop ${app.getVersion()} starting; data in ${dataDir}`);

  const desktop = new DesktopSettingsStore(path.join(dataDir, 'desktop.json'));
  let settings: DesktopSettings = await desktop.load();
  const secrets = new SafeStorageSecretStore(path.join(dataDir, 'secrets.json'), safeStorage);
  if (!secrets.encrypted())
    log.warn('no OS keychain available: API keys are stored unencrypted (user-only file)');

  const csp = contentSecurityPolicy(devServer ? { devServerOrigin: new URL(devServer).origin } : {});
  serveRenderer(path.join(distDir, 'renderer'), csp);
  if (devServer) applyCspToDevServer(new URL(devServer).origin, csp);

  // ─── state shown in the tray ─────────────────────────────────────────
  let window: BrowserWindow | undefined;
  let stats: WorkerStats | null | undefined;
  let balance: number | undefined;
  let servicesDown = false;
  const notifier = new RequestNotifier();
  const downloads = new TrayDownloads();
  // Set once the power signals start (after the tray); stats may arrive before.
  const power: { adapter?: PowerSignalAdapter } = {};

  const tray = new TrayController(path.join(app.getAppPath(), 'assets'), {
    onAction: (action) => void trayAction(action),
    onToggle: (toggle, checked) => void trayToggle(toggle, checked),
  });
  const model = () =>
    trayModel(
      trayInputFromStats(servicesDown ? null : stats, {
        balanceKudos: balance,
        closeToTray: settings.closeToTray,
        startAtLogin: settings.startAtLogin,
        downloads: downloads.list(),
      }),
    );
  const refreshTray = () => tray.update(model());

  // ─── the services process ────────────────────────────────────────────
  const inference = new HiddenInferenceWindow((message) => log.warn(message));
  const quit = new QuitCoordinator({
    shutdown: async (): Promise<ShutdownReport> => {
      log.info('quitting: stopping the worker and closing the horde');
      if (servicesDown) return { job: 'none', errors: [] };
      return launched.client.shutdown();
    },
    exit: (report) => {
      const job = report.jobId ? ` (job ${report.jobId}: ${report.job})` : '';
      log.info(`shutdown done${job}${report.errors.length ? `; problems: ${report.errors.join('; ')}` : ''}`);
      launched.kill();
      void inference.close();
      tray.destroy();
      app.quit();
    },
  });
  app.on('before-quit', (event) => {
    if (quit.beforeQuit()) event.preventDefault();
  });

  const launched: LaunchedServices = launchServices({
    entry: path.join(__dirname, 'services.cjs'),
    main: {
      secrets,
      inference,
      pickFolder: () => pickFolder(window),
      log: (level, message) => log.write(level, `services: ${message}`),
    },
    onExit: (code) => {
      if (quit.quitting) return;
      servicesDown = true;
      log.error(`the services process exited (code ${code}); restart the app to earn again`);
      refreshTray();
    },
  });
  const services = launched.client;

  const onEvent = (message: EventMessage) => {
    sendBridgeEvent(window?.webContents, message.event, message.payload);
    if (message.event === 'worker:stats') {
      stats = message.payload as WorkerStats;
      // The idle time is read fast only while the worker works, so the user's return stops it within 1 s.
      power.adapter?.setWorking(workerIsWorking(stats.state));
      // The worker reads the owner's balance from the horde every half minute; account events may be rarer.
      if (stats.kudosTotal !== undefined) balance = stats.kudosTotal;
      refreshTray();
    } else if (message.event === 'account:changed') {
      balance = (message.payload as AccountView).kudos;
      refreshTray();
    } else if (message.event === 'models:download') {
      if (downloads.update(message.payload as DownloadProgress)) refreshTray();
    } else if (message.event === 'request:updated') {
      const visible =
        window !== undefined && !window.isDestroyed() && window.isVisible() && !window.isMinimized();
      const note = notifier.onRequestUpdate(
        message.payload as EventMessage<'request:updated'>['payload'],
        visible,
        settings.notifyJobDone,
      );
      if (note && Notification.isSupported()) {
        const n = new Notification({ title: note.title, body: note.body, silent: false });
        n.on('click', showWindow);
        n.show();
      }
    }
  };
  services.onEvent(onEvent);

  // ─── the window ──────────────────────────────────────────────────────
  registerBridgeIpc(
    createBridgeIpcTable(services.handlers, appUrl, {
      onRefused: (channel, reason) => log.warn(`refused bridge call ${channel}: ${reason}`),
    }),
  );

  function showWindow(): void {
    if (window === undefined || window.isDestroyed()) {
      window = createMainWindow({
        appUrl,
        preloadPath: path.join(__dirname, 'preload.cjs'),
        theme: nativeTheme.shouldUseDarkColors ? 'dark' : 'light',
        iconPath: path.join(app.getAppPath(), 'assets', 'icons', '512x512.png'),
        show: true,
        log: (message) => log.warn(message),
      });
      window.on('close', (event) => {
        const decision = decideWindowClose({
          quitting: quit.quitting,
          closeToTray: settings.closeToTray,
          trayAvailable: tray.available,
        });
        if (decision === 'hide') {
          event.preventDefault();
          window?.hide();
        }
      });
      window.on('closed', () => {
        window = undefined;
      });
    }
    focusWindow(window);
  }

  app.on('second-instance', showWindow);
  // macOS: clicking the dock icon with no window open.
  app.on('activate', showWindow);
  // With closing to the tray off, the last window closing quits; with it on, windows only hide.
  app.on('window-all-closed', () => {
    if (!settings.closeToTray || !tray.available) app.quit();
  });

  async function trayAction(action: TrayAction): Promise<void> {
    try {
      switch (action) {
        case 'open':
          showWindow();
          return;
        case 'quit':
          app.quit();
          return;
        default:
          stats = await services.handlers['worker:control']({ action });
          refreshTray();
      }
    } catch (err) {
      log.warn(`tray ${action} failed`, err);
    }
  }

  async function applyLoginItem(enabled: boolean): Promise<void> {
    if (process.platform === 'linux') {
      await setLinuxAutostart(enabled, app.getPath('appData'), process.execPath, process.env.APPIMAGE);
    } else {
      app.setLoginItemSettings(loginItem(enabled));
    }
  }

  async function trayToggle(toggle: TrayToggle, checked: boolean): Promise<void> {
    try {
      settings = await desktop.set(
        toggle === 'close_to_tray' ? { closeToTray: checked } : { startAtLogin: checked },
      );
      if (toggle === 'start_at_login' && app.isPackaged) await applyLoginItem(checked);
    } catch (err) {
      log.warn(`could not save ${toggle}`, err);
    }
    refreshTray();
  }

  // ─── start ───────────────────────────────────────────────────────────
  tray.start(model());
  const adapter = startPowerSignals(
    {
      setSignals: (s) => services.setSignals(s),
      reconnect: () => services.reconnect(),
      suspend: () => services.suspend(),
    },
    (err) => log.warn('power signal', err),
  );
  power.adapter = adapter;
  app.on('will-quit', () => adapter.stop());

  const hordeChoice = damagedChoiceFromArgv(process.argv);
  const hidden = launchedHidden(process.argv, app.getLoginItemSettings().wasOpenedAtLogin);
  // Without a tray a hidden start would leave the user nothing to click.
  if (!hidden || !tray.available) showWindow();

  try {
    await services.start({
      dataDir,
      version: app.getVersion(),
      inference: true,
      enginePageScript: path.join(__dirname, 'engine-page.js'),
      ...(hordeChoice ? { ifHordeDamaged: hordeChoice } : {}),
    });
    log.info('services started');
    stats = await services.handlers['worker:stats']();
    balance = (await services.handlers['account:get']().catch(() => undefined))?.kudos;
    refreshTray();
  } catch (err) {
    servicesDown = true;
    log.error('the services did not start', err);
    refreshTray();
    // The embedded horde's database is empty or damaged: the user chooses, and the app starts again with it.
    const ask = damagedHordeDialog(err);
    if (ask) {
      const { response } = await dialog.showMessageBox({
        type: 'error',
        title: 'Horde Desktop',
        message: ask.message,
        detail: ask.detail,
        buttons: ask.buttons,
        defaultId: ask.buttons.length - 1,
        cancelId: ask.buttons.length - 1,
      });
      const choice = ask.choices[response];
      if (choice) app.relaunch({ args: argvWithChoice(process.argv.slice(1), choice) });
      app.exit(choice ? 0 : 1);
    }
  }
}
