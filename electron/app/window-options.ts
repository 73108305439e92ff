import type { BrowserWindowConstructorOptions } from 'electron';

export type Theme = 'light' | 'dark';

/** Matches the renderer's page background so a window never flashes white before the first paint. */
export const BACKGROUND_COLOR: Record<Theme, string> = { light: '#f7f7f5', dark: '#17181c' };

export interface MainWindowInput {
  preloadPath: string;
  theme: Theme;
  iconPath?: string;
  /** Start hidden when launched at login so the app goes straight to the tray. */
  show: boolean;
}

/**
 * The renderer's only privileges are the preload's bridge; everything else follows
 * Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security).
 * `remote` no longer exists in Electron, so there is nothing to turn off for it.
 */
export function secureWebPreferences(
  preloadPath: string | undefined,
): BrowserWindowConstructorOptions['webPreferences'] {
  return {
    ...(preloadPath === undefined ? {} : { preload: preloadPath }),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

export function mainWindowOptions(input: MainWindowInput): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 520,
    title: 'Horde Desktop',
    show: input.show,
    backgroundColor: BACKGROUND_COLOR[input.theme],
    autoHideMenuBar: true,
    ...(input.iconPath === undefined ? {} : { icon: input.iconPath }),
    webPreferences: secureWebPreferences(input.preloadPath),
  };
}

/**
 * The hidden window that runs transformers.js on WebGPU. It gets no preload at all:
 * main talks to it only through executeJavaScript, so nothing of the bridge leaks in.
 */
export function inferenceWindowOptions(): BrowserWindowConstructorOptions {
  return {
    show: false,
    width: 320,
    height: 240,
    skipTaskbar: true,
    focusable: false,
    webPreferences: {
      ...secureWebPreferences(undefined),
      // The worker keeps computing while this window is never shown.
      backgroundThrottling: false,
    },
  };
}

export interface CspInput {
  /** The dev server origin (http://localhost:5173) when the renderer is served by Vite, else undefined. */
  devServerOrigin?: string;
}

/**
 * The renderer talks to main only through the bridge, so it needs no network at all;
 * in dev, Vite's client needs its own origin and websocket for hot reload.
 */
export function contentSecurityPolicy(input: CspInput = {}): string {
  const dev = input.devServerOrigin;
  const devWs = dev?.replace(/^http/, 'ws');
  const connect = dev === undefined ? ["'self'"] : ["'self'", dev, devWs ?? ''];
  const directives: Record<string, string[]> = {
    'default-src': ["'none'"],
    'script-src': dev === undefined ? ["'self'"] : ["'self'", dev],
    // React sets inline style attributes; no inline scripts anywhere.
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': connect,
    'worker-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-src': ["'none'"],
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

/**
 * Chromium switches for WebGPU in the hidden inference window: on by default on Windows and
 * macOS; Linux still needs it asked for. Vulkan is not forced on (it can break the window's
 * compositing on some drivers): without an adapter the worker uses ONNX Runtime in Node.
 */
export function webgpuSwitches(platform: NodeJS.Platform): [name: string, value?: string][] {
  return platform === 'linux' ? [['enable-unsafe-webgpu']] : [];
}
