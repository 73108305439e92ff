// The Electron main process: builds its services (shell-services.ts, backend-service.ts) and
// starts them in the order of service-group.ts. Every decision is made in the plain modules
// beside it; this file only connects them.
import path from 'node:path';
import { app, dialog, nativeTheme, safeStorage } from 'electron';
import { APP_INDEX_URL } from './app-protocol';
import { setLinuxAutostart } from './autostart';
import { BackendService } from './backend-service';
import { argvWithChoice, damagedChoiceFromArgv, damagedHordeDialog } from './damaged-horde';
import { DesktopSettingsStore, type DesktopSettings } from './desktop-settings';
import { pickFolder } from './folder-picker';
import { launchedHidden, loginItem, QuitCoordinator, type ShutdownReport } from './lifecycle';
import { FileLog } from './log';
import { applyCspToDevServer, registerAppScheme, serveRenderer } from './protocol';
import { SafeStorageSecretStore } from './secret-store';
import type { ServicesClient } from './services-link';
import { ServiceGroup, shellServices } from './service-group';
import {
  BridgeIpcService,
  PowerService,
  ServicesProcessService,
  showNotification,
  TrayService,
  WindowService,
} from './shell-services';
import { ShellState, type ShellReaction } from './shell-state';
import { TrayCommands } from './tray-commands';
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

  const warn = (message: string, err?: unknown) => log.warn(message, err);
  const state = new ShellState(() => settings);
  const react = (r: ShellReaction): void => {
    if (r.working !== undefined) power.setWorking(r.working);
    if (r.tray) tray.refresh();
    if (r.notify) showNotification(r.notify, () => mainWindow.showWindow());
  };
  const client = (): ServicesClient => processes.client;

  const commands = new TrayCommands({
    client,
    state,
    react,
    showWindow: () => mainWindow.showWindow(),
    quit: () => app.quit(),
    saveSettings: async (patch) => (settings = await desktop.set(patch)),
    ...(app.isPackaged ? { applyLoginItem } : {}),
    log: { warn },
  });
  const tray = new TrayService(path.join(app.getAppPath(), 'assets'), state, {
    onAction: (action) => void commands.action(action),
    onToggle: (toggle, checked) => void commands.toggle(toggle, checked),
  });
  const processes = new ServicesProcessService({
    entry: path.join(__dirname, 'services.cjs'),
    main: {
      secrets,
      pickFolder: (): Promise<string | null> => pickFolder(mainWindow.current),
      log: (level, message) => log.write(level, `services: ${message}`),
    },
    onExit: (code) => {
      if (quit.quitting) return;
      state.servicesDown = true;
      log.error(`the services process exited (code ${code}); restart the app to earn again`);
      tray.refresh();
    },
    warn,
  });
  const ipc = new BridgeIpcService({
    client,
    appUrl,
    contents: () => mainWindow.contents,
    onEvent: (message) => react(state.onEvent(message, mainWindow.visible)),
    warn,
  });
  const power = new PowerService(client, warn);
  const mainWindow = new WindowService({
    appUrl,
    preloadPath: path.join(__dirname, 'preload.cjs'),
    iconPath: path.join(app.getAppPath(), 'assets', 'icons', '512x512.png'),
    theme: () => (nativeTheme.shouldUseDarkColors ? 'dark' : 'light'),
    // Without a tray a hidden start would leave the user nothing to click.
    showAtStart: () =>
      !launchedHidden(process.argv, app.getLoginItemSettings().wasOpenedAtLogin) || !tray.available,
    quitting: (): boolean => quit.quitting,
    closeToTray: () => settings.closeToTray,
    trayAvailable: () => tray.available,
    warn,
  });
  const hordeChoice = damagedChoiceFromArgv(process.argv);
  const backend = new BackendService({
    client,
    init: {
      dataDir,
      version: app.getVersion(),
      inference: true,
      enginePageScript: path.join(__dirname, 'engine-page.js'),
      sdPageScript: path.join(__dirname, 'sd-page.js'),
      ...(hordeChoice ? { ifHordeDamaged: hordeChoice } : {}),
    },
    state,
    react,
    onStartFailed: askAboutDamagedHorde,
    log,
  });

  const shell = new ServiceGroup(
    shellServices({
      tray,
      'services-process': processes,
      'bridge-ipc': ipc,
      power,
      window: mainWindow,
      backend,
    }),
    (name, err) => log.warn(`stopping ${name} failed`, err),
  );
  const quit = new QuitCoordinator({
    shutdown: async (): Promise<ShutdownReport> => {
      log.info('quitting: stopping the worker and closing the horde');
      await shell.stop();
      return backend.report;
    },
    exit: (report) => {
      const job = report.jobId ? ` (job ${report.jobId}: ${report.job})` : '';
      log.info(`shutdown done${job}${report.errors.length ? `; problems: ${report.errors.join('; ')}` : ''}`);
      // Past the deadline the services may still be stopping: the process must not outlive main.
      void processes.stop();
      app.quit();
    },
  });
  app.on('before-quit', (event) => {
    if (quit.beforeQuit()) event.preventDefault();
  });

  await shell.start();
}

async function applyLoginItem(enabled: boolean): Promise<void> {
  if (process.platform === 'linux') {
    await setLinuxAutostart(enabled, app.getPath('appData'), process.execPath, process.env.APPIMAGE);
  } else {
    app.setLoginItemSettings(loginItem(enabled));
  }
}

/** The embedded horde's database is empty or damaged: the user chooses, and the app starts again with it. */
async function askAboutDamagedHorde(err: unknown): Promise<void> {
  const ask = damagedHordeDialog(err);
  if (!ask) return;
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
