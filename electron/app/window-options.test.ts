import { describe, expect, it } from 'vitest';
import {
  contentSecurityPolicy,
  inferenceWindowOptions,
  mainWindowOptions,
  webgpuSwitches,
} from './window-options';

describe('main window options', () => {
  const options = mainWindowOptions({
    preloadPath: '/app/dist/electron/preload.cjs',
    theme: 'dark',
    show: true,
  });
  const prefs = options.webPreferences ?? {};

  it('isolates the page from Node and Electron', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on and insecure content, webviews and experimental features off', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
  });

  it('has no remote module and loads only the bridge preload', () => {
    expect(prefs).not.toHaveProperty('enableRemoteModule');
    expect(prefs.preload).toBe('/app/dist/electron/preload.cjs');
  });

  it('paints the theme background before the page loads', () => {
    expect(options.backgroundColor).toBe('#17181c');
    expect(mainWindowOptions({ preloadPath: 'p', theme: 'light', show: false }).backgroundColor).toBe(
      '#f7f7f5',
    );
  });
});

describe('inference window options', () => {
  it('is hidden, sandboxed, without preload, and not throttled in the background', () => {
    const options = inferenceWindowOptions();
    expect(options.show).toBe(false);
    expect(options.webPreferences?.sandbox).toBe(true);
    expect(options.webPreferences?.contextIsolation).toBe(true);
    expect(options.webPreferences?.nodeIntegration).toBe(false);
    expect(options.webPreferences?.preload).toBeUndefined();
    expect(options.webPreferences?.backgroundThrottling).toBe(false);
  });
});

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

describe('content security policy', () => {
  it('allows only the app itself in production', () => {
    const csp = directives(contentSecurityPolicy());
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(contentSecurityPolicy()).not.toContain('unsafe-eval');
    expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
  });

  it('lets the dev server and its hot-reload socket in during development only', () => {
    const csp = directives(contentSecurityPolicy({ devServerOrigin: 'http://localhost:5173' }));
    expect(csp.get('script-src')).toEqual(["'self'", 'http://localhost:5173']);
    expect(csp.get('connect-src')).toEqual(["'self'", 'http://localhost:5173', 'ws://localhost:5173']);
  });
});

describe('WebGPU switches', () => {
  it('asks Chromium for WebGPU on Linux only', () => {
    expect(webgpuSwitches('linux').map(([name]) => name)).toContain('enable-unsafe-webgpu');
    expect(webgpuSwitches('win32')).toEqual([]);
    expect(webgpuSwitches('darwin')).toEqual([]);
  });
});
