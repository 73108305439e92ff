import { BrowserWindow } from 'electron';
import type { InferenceWindow } from './services-link';
import { guardNavigation } from './window';
import { inferenceWindowOptions } from './window-options';

/**
 * A hidden window an engine page runs in on WebGPU: the worker's BrowserHost. Main has two, one
 * for the text page (transformers.js) and one for the Stable Diffusion page (onnxruntime-web). It
 * has no preload and shows only the page the services' asset server serves on loopback.
 */
export class HiddenInferenceWindow implements InferenceWindow {
  private window: BrowserWindow | undefined;

  constructor(
    /** Which page it hosts, for the log. */
    private readonly label: 'text' | 'image',
    private readonly log: (message: string) => void,
  ) {}

  async open(url: string): Promise<void> {
    if (this.window === undefined || this.window.isDestroyed()) {
      this.window = new BrowserWindow(inferenceWindowOptions());
      guardNavigation(this.window.webContents, url, this.log);
      this.window.webContents.on('render-process-gone', (_event, details) =>
        this.log(`${this.label} inference window crashed: ${details.reason}`),
      );
    }
    await this.window.loadURL(url);
  }

  evaluateSource(source: string, arg: unknown): Promise<unknown> {
    const window = this.window;
    if (window === undefined || window.isDestroyed())
      return Promise.reject(new Error(`the ${this.label} inference window is closed`));
    // `source` is the engine's own function from the services process (never page or network text).
    return window.webContents.executeJavaScript(`(${source})(${JSON.stringify(arg)})`, true);
  }

  async close(): Promise<void> {
    this.window?.destroy();
    this.window = undefined;
  }
}
