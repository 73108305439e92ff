import { BrowserWindow, shell, type WebContents } from 'electron';
import { allowPermission, decideNavigation, decideWindowOpen, type NavigationDecision } from './navigation';
import { mainWindowOptions, type MainWindowInput } from './window-options';

function openExternal(decision: NavigationDecision, log: (message: string) => void): void {
  if (decision.action === 'open-external') {
    shell
      .openExternal(decision.url)
      .catch((err: unknown) => log(`could not open ${decision.url}: ${String(err)}`));
  }
}

/** Every window of the app stays on its own page; web links open in the user's browser. */
export function guardNavigation(contents: WebContents, appUrl: string, log: (message: string) => void): void {
  contents.on('will-navigate', (event, url) => {
    const decision = decideNavigation(url, appUrl);
    if (decision.action === 'allow') return;
    event.preventDefault();
    openExternal(decision, log);
  });
  contents.on('will-redirect', (event, url) => {
    if (decideNavigation(url, appUrl).action !== 'allow') event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternal(decideWindowOpen(url), log);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.session.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(allowPermission(permission)),
  );
  contents.session.setPermissionCheckHandler((_contents, permission) => allowPermission(permission));
}

export function createMainWindow(
  input: MainWindowInput & { appUrl: string; log: (message: string) => void },
): BrowserWindow {
  const window = new BrowserWindow(mainWindowOptions(input));
  guardNavigation(window.webContents, input.appUrl, input.log);
  window.once('ready-to-show', () => {
    if (input.show) window.show();
  });
  void window
    .loadURL(input.appUrl)
    .catch((err: unknown) => input.log(`could not load ${input.appUrl}: ${String(err)}`));
  return window;
}

export function focusWindow(window: BrowserWindow | undefined): void {
  if (window === undefined || window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
