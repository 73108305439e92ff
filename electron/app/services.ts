/**
 * The desktop app's variant of the composition root (electron/compose.ts): the same services as
 * `npm run serve`, plus what only the desktop has — the secret store main lends (safeStorage),
 * idle/power signals from the shell, and a text loader that tries WebGPU in the hidden window.
 * No 'electron' import: it runs in the services utility process, and in Node tests.
 */
import type { TextLoader } from '../bridge/worker-launcher';
import type { SecretStore } from '../bridge/secret-store';
import { composeServices, type AppServices, type ServiceLog } from '../compose';
import { BrowserTextEngine } from '../worker/engines/browser/engine';
import type { BrowserHost } from '../worker/engines/browser/protocol';
import { startAssetServer, type AssetServer } from '../worker/engines/browser/asset-server';
import { webgpuImageLoader, windowVerdict } from './image-window';

export type { AppServices, ServiceLog } from '../compose';

/** A hidden browser window the worker may run transformers.js on WebGPU in (see inference-window.ts). */
export interface InferenceHost extends BrowserHost {
  open(url: string): Promise<void>;
  close(): Promise<void>;
}

export interface ServicesOptions {
  dataDir: string;
  version: string;
  secrets: SecretStore;
  log: ServiceLog;
  /** Where WebGPU inference can run; absent, the worker uses ONNX Runtime in Node only. */
  inferenceHost?: InferenceHost;
  /** The prebuilt engine page script (dist/electron/engine-page.js) for the WebGPU window. */
  enginePageScript?: string;
  /** The second hidden window, for the Stable Diffusion page; absent, images run in Node only. */
  imageHost?: InferenceHost;
  /** The prebuilt SD page script (dist/electron/sd-page.js) for that window. */
  sdPageScript?: string;
  /** Main's native folder picker, for Models → Add a folder. */
  pickFolder?: () => Promise<string | null>;
  /** Restore the newest backup of, or start anew over, an empty or damaged embedded horde database. */
  ifHordeDamaged?: 'restore' | 'new';
}

/**
 * WebGPU in the hidden window when the GPU offers it; null otherwise, and the worker loads the
 * model with ONNX Runtime in Node (faster than WASM, so a WASM-only browser is not used).
 */
export function webgpuTextLoader(
  host: InferenceHost,
  pageScript: string,
  log: ServiceLog,
): (where: { modelsDir: string }) => TextLoader {
  return ({ modelsDir }) =>
    async (model, onProgress) => {
      let assets: AssetServer | undefined;
      try {
        assets = await startAssetServer({ modelsDir, pageScript, crossOriginIsolated: true });
        await host.open(assets.pageUrl);
        const engine = await BrowserTextEngine.load({
          host,
          modelName: model.name,
          device: 'auto',
          onProgress,
        });
        // A fallback adapter (SwiftShader) is a CPU emulation, ~100x slower than ONNX Runtime in Node.
        const verdict = windowVerdict(engine);
        if (verdict.use) {
          log.info(`text model ${model.name} on WebGPU (${verdict.why})`);
          const served = assets;
          return { engine, close: () => served.close() };
        }
        log.info(`no WebGPU (${engine.fallbackReason ?? 'no adapter'}): using ONNX Runtime in Node`);
        await engine.dispose();
      } catch (err) {
        log.warn('WebGPU engine unavailable, using ONNX Runtime in Node', err);
      }
      await assets?.close();
      await host.close();
      return null;
    };
}

export function startAppServices(options: ServicesOptions): Promise<AppServices> {
  const { inferenceHost, enginePageScript, imageHost, sdPageScript } = options;
  return composeServices({
    shell: 'electron',
    dataDir: options.dataDir,
    version: options.version,
    secrets: options.secrets,
    log: options.log,
    idleSignals: true,
    ...(options.pickFolder ? { pickFolder: options.pickFolder } : {}),
    ...(options.ifHordeDamaged ? { overrides: { ifHordeDamaged: options.ifHordeDamaged } } : {}),
    ...(inferenceHost && enginePageScript
      ? { loadText: webgpuTextLoader(inferenceHost, enginePageScript, options.log) }
      : {}),
    ...(imageHost && sdPageScript
      ? {
          loadImage: webgpuImageLoader({
            host: imageHost,
            sdPageScript,
            ...(enginePageScript ? { pageScript: enginePageScript } : {}),
            log: options.log,
          }),
        }
      : {}),
  });
}
