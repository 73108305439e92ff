/**
 * The desktop app's image engine in main's second hidden window: the Stable Diffusion page
 * (sd-page.ts, onnxruntime-web on WebGPU, WASM as the page's fallback) served by an asset server
 * of its own on loopback. The worker uses it only when the page reports a real WebGPU adapter;
 * otherwise the image models load on ONNX Runtime in Node, as in `npm run serve`.
 * No 'electron' import: it runs in the services utility process, and in Node tests.
 */
import path from 'node:path';
import type { ImageLoader, NamedImageModel } from '../bridge/worker-launcher';
import type { ServiceLog } from '../compose';
import {
  startAssetServer,
  type AssetServer,
  type AssetServerOptions,
} from '../worker/engines/browser/asset-server';
import type { BrowserDevice } from '../worker/engines/browser/protocol';
import { BrowserImageEngine } from '../worker/engines/browser/sd-engine';
import type { SdPageModel } from '../worker/engines/browser/sd-protocol';
import type { InferenceHost } from './services';

/** What a page reported about the device it got. */
export interface WindowDevice {
  backend: BrowserDevice;
  adapter?: string;
  adapterIsFallback?: boolean;
  fallbackReason?: string;
}

/**
 * Whether the worker should use the window's engine: only on a real WebGPU adapter. WASM in the
 * window is slower than ONNX Runtime in Node, and a fallback adapter (SwiftShader) is a CPU
 * emulation of WebGPU, slower still.
 */
export function windowVerdict(
  device: WindowDevice,
): { use: true; why: string } | { use: false; why: string } {
  if (device.backend !== 'webgpu') return { use: false, why: device.fallbackReason ?? 'no WebGPU adapter' };
  if (device.adapterIsFallback)
    return { use: false, why: `only a software WebGPU adapter (${device.adapter ?? 'fallback'})` };
  return { use: true, why: device.adapter ?? 'unknown adapter' };
}

/**
 * The SD folders as the page loads them: a folder inside the models folder under its path there
 * (`/models/<relative>`); one elsewhere (e.g. the Hugging Face cache) served under a name of its own.
 */
export function sdPageModels(
  named: readonly NamedImageModel[],
  modelsDir: string,
): { models: SdPageModel[]; extraModels: NonNullable<AssetServerOptions['extraModels']> } {
  const root = path.resolve(modelsDir);
  const extraModels: { name: string; path: string }[] = [];
  const models = named.map(({ info, name }): SdPageModel => {
    const rel = path.relative(root, path.resolve(info.path));
    if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel))
      return { name, url: `/models/${rel.split(path.sep).map(encodeURIComponent).join('/')}` };
    // A name no folder in the models folder has: the asset server's own prefix for it.
    const served = `~extra-${extraModels.length}`;
    extraModels.push({ name: served, path: info.path });
    return { name, url: `/models/${served}` };
  });
  return { models, extraModels };
}

export interface ImageWindowOptions {
  host: InferenceHost;
  /** The prebuilt SD page script (dist/electron/sd-page.js). */
  sdPageScript: string;
  /** The prebuilt text page script, so the asset server need not bundle one it does not serve here. */
  pageScript?: string;
  log: ServiceLog;
}

/** The image loader for loadEngines: the SD window when it has WebGPU, null (Node) otherwise. */
export function webgpuImageLoader(o: ImageWindowOptions): (where: { modelsDir: string }) => ImageLoader {
  return ({ modelsDir }) =>
    async (named) => {
      let assets: AssetServer | undefined;
      try {
        const { models, extraModels } = sdPageModels(named, modelsDir);
        assets = await startAssetServer({
          modelsDir,
          extraModels,
          sdPageScript: o.sdPageScript,
          ...(o.pageScript ? { pageScript: o.pageScript } : {}),
          crossOriginIsolated: true,
        });
        await o.host.open(assets.sdPageUrl);
        const engine = await BrowserImageEngine.load({ host: o.host, models, device: 'auto' });
        const verdict = windowVerdict(engine.loaded);
        if (verdict.use) {
          o.log.info(`image models ${engine.models.join(', ')} on WebGPU (${verdict.why})`);
          const served = assets;
          return {
            engine,
            close: async () => {
              await served.close();
              await o.host.close();
            },
          };
        }
        o.log.info(`no WebGPU for images (${verdict.why}): using ONNX Runtime in Node`);
        await engine.dispose();
      } catch (err) {
        o.log.warn('WebGPU image engine unavailable, using ONNX Runtime in Node', err);
      }
      await assets?.close();
      await o.host.close();
      return null;
    };
}
