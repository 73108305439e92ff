// The Electron-bound services of the main process, one start/stop each (order and rules in
// service-group.ts). They only wire Electron to the plain modules beside them.
import { app, BrowserWindow, Notification, type WebContents } from 'electron';
import type { EventMessage } from '../../shared/bridge/contract';
import { HiddenInferenceWindow } from './inference-window';
import { registerBridgeIpc, sendBridgeEvent } from './ipc';
import { createBridgeIpcTable } from './ipc-table';
import { decideWindowClose, type RequestNotification } from './lifecycle';
import { startPowerSignals } from './power';
import type { PowerSignalAdapter } from './power-signals';
import type { MainService } from './service-group';
import { launchServices, type LaunchedServices } from './services-launcher';
import type { MainSide, ServicesClient } from './services-link';
import type { ShellState } from './shell-state';
import { TrayController, type TrayHandlers } from './tray';
import { createMainWindow, focusWindow } from './window';
import type { MainWindowInput } from './window-options';

type Warn = (message: string, err?: unknown) => void;

export class TrayService implements MainService {
  readonly name = 'tray';
  private readonly controller: TrayController;

  constructor(
    assetsDir: string,
    private readonly state: ShellState,
    handlers: TrayHandlers,
  ) {
    this.controller = new TrayController(assetsDir, handlers);
  }

  /** False where the desktop has no tray. */
  get available(): boolean {
    return this.controller.available;
  }

  start(): void {
    this.controller.start(this.state.trayModel());
  }

  refresh(): void {
    this.controller.update(this.state.trayModel());
  }

  stop(): void {
    this.controller.destroy();
  }
}

/** The services utility process, and the hidden windows it may run inference in (text, images). */
export class ServicesProcessService implements MainService {
  readonly name = 'services-process';
  private launched: LaunchedServices | undefined;
  private readonly inference: HiddenInferenceWindow;
  private readonly imageInference: HiddenInferenceWindow;

  constructor(
    private readonly options: {
      entry: string;
      main: Omit<MainSide, 'inference'>;
      /** The process ended on its own (not by stop). */
      onExit: (code: number) => void;
      warn: (message: string) => void;
    },
  ) {
    this.inference = new HiddenInferenceWindow('text', options.warn);
    this.imageInference = new HiddenInferenceWindow('image', options.warn);
  }

  get client(): ServicesClient {
    if (!this.launched) throw new Error('the services process is not running');
    return this.launched.client;
  }

  start(): void {
    const launched = launchServices({
      entry: this.options.entry,
      main: { ...this.options.main, inference: this.inference, imageInference: this.imageInference },
      onExit: (code) => {
        if (this.launched === launched) this.options.onExit(code);
      },
    });
    this.launched = launched;
  }

  async stop(): Promise<void> {
    const launched = this.launched;
    this.launched = undefined;
    launched?.kill();
    await Promise.all([this.inference.close(), this.imageInference.close()]);
  }
}

/** The window's bridge: its calls go to the services process, their events come back to it. */
export class BridgeIpcService implements MainService {
  readonly name = 'bridge-ipc';
  private offs: (() => void)[] = [];

  constructor(
    private readonly options: {
      client: () => ServicesClient;
      appUrl: string;
      contents: () => WebContents | undefined;
      /** Every event, after the window has it (tray, power, notifications). */
      onEvent: (message: EventMessage) => void;
      warn: Warn;
    },
  ) {}

  start(): void {
    const client = this.options.client();
    this.offs.push(
      registerBridgeIpc(
        createBridgeIpcTable(client.handlers, this.options.appUrl, {
          onRefused: (channel, reason) => this.options.warn(`refused bridge call ${channel}: ${reason}`),
        }),
      ),
      client.onEvent((message) => {
        sendBridgeEvent(this.options.contents(), message.event, message.payload);
        this.options.onEvent(message);
      }),
    );
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }
}

export class PowerService implements MainService {
  readonly name = 'power';
  private adapter: PowerSignalAdapter | undefined;
  private working = false;

  constructor(
    private readonly client: () => ServicesClient,
    private readonly warn: Warn,
  ) {}

  start(): void {
    this.adapter = startPowerSignals(
      {
        setSignals: (s) => this.client().setSignals(s),
        reconnect: () => this.client().reconnect(),
        suspend: () => this.client().suspend(),
      },
      (err) => this.warn('power signal', err),
    );
    this.adapter.setWorking(this.working);
  }

  /** Stats may say so before the signals start. */
  setWorking(working: boolean): void {
    this.working = working;
    this.adapter?.setWorking(working);
  }

  stop(): void {
    this.adapter?.stop();
    this.adapter = undefined;
  }
}

export class WindowService implements MainService {
  readonly name = 'window';
  private window: BrowserWindow | undefined;
  private readonly show = (): void => this.showWindow();
  private readonly allClosed = (): void => {
    // With closing to the tray off, the last window closing quits; with it on, windows only hide.
    if (!this.options.closeToTray() || !this.options.trayAvailable()) app.quit();
  };

  constructor(
    private readonly options: Omit<MainWindowInput, 'show' | 'theme'> & {
      appUrl: string;
      theme: () => MainWindowInput['theme'];
      /** Open the window at start (not for a hidden login launch with a tray to come back from). */
      showAtStart: () => boolean;
      quitting: () => boolean;
      closeToTray: () => boolean;
      trayAvailable: () => boolean;
      warn: (message: string) => void;
    },
  ) {}

  get contents(): WebContents | undefined {
    return this.window && !this.window.isDestroyed() ? this.window.webContents : undefined;
  }

  /** The user is looking at it. */
  get visible(): boolean {
    const w = this.window;
    return w !== undefined && !w.isDestroyed() && w.isVisible() && !w.isMinimized();
  }

  get current(): BrowserWindow | undefined {
    return this.window;
  }

  start(): void {
    app.on('second-instance', this.show);
    // macOS: clicking the dock icon with no window open.
    app.on('activate', this.show);
    app.on('window-all-closed', this.allClosed);
    if (this.options.showAtStart()) this.showWindow();
  }

  showWindow(): void {
    if (this.window === undefined || this.window.isDestroyed()) {
      const { appUrl, preloadPath, iconPath, warn } = this.options;
      const window = createMainWindow({
        appUrl,
        preloadPath,
        theme: this.options.theme(),
        ...(iconPath ? { iconPath } : {}),
        show: true,
        log: warn,
      });
      window.on('close', (event) => {
        const decision = decideWindowClose({
          quitting: this.options.quitting(),
          closeToTray: this.options.closeToTray(),
          trayAvailable: this.options.trayAvailable(),
        });
        if (decision === 'hide') {
          event.preventDefault();
          window.hide();
        }
      });
      window.on('closed', () => {
        if (this.window === window) this.window = undefined;
      });
      this.window = window;
    }
    focusWindow(this.window);
  }

  stop(): void {
    app.off('second-instance', this.show);
    app.off('activate', this.show);
    app.off('window-all-closed', this.allClosed);
  }
}

export function showNotification(note: RequestNotification, onClick: () => void): void {
  if (!Notification.isSupported()) return;
  const n = new Notification({ title: note.title, body: note.body, silent: false });
  n.on('click', onClick);
  n.show();
}
