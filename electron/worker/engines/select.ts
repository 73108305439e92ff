/**
 * Picks the backend for text jobs: the user's setting, or `auto`. Auto uses WebGPU
 * only on a real GPU adapter (a software adapter like SwiftShader is far slower
 * than ONNX Runtime on the CPU), tries CUDA/DirectML where asked, and always ends
 * on the CPU rather than failing.
 */
import type { BrowserHost } from './browser/protocol';
import type { Backend, LoadProgress, TextEngine } from './types';
import type { DtypeChoice } from '../../../shared/worker/dtype';

export type EnginePreference = 'auto' | Backend;

export interface TextEngineRequest {
  preference: EnginePreference;
  modelsDir: string;
  modelName: string;
  advertisedName?: string;
  threads?: number;
  /** The dtype setting: `auto` (the device's best variant the folder ships) or one to force. */
  dtype?: DtypeChoice;
  onProgress?: (progress: LoadProgress) => void;
  /** Opens a browser context showing the engine page (Electron: a hidden window); absent in plain Node. */
  openBrowser?: () => Promise<BrowserHost>;
}

export interface SelectedEngine {
  engine: TextEngine;
  /** Why the engine is not the one asked for or first tried, in words for the UI. */
  notes: string[];
}

/** The loaders, injectable so the policy can be tested without models. */
export interface EngineLoaders {
  node(request: TextEngineRequest, device: 'cpu' | 'cuda' | 'dml'): Promise<TextEngine>;
  browser(
    request: TextEngineRequest,
    host: BrowserHost,
    device: 'auto' | 'webgpu' | 'wasm',
  ): Promise<TextEngine & { adapterIsFallback?: boolean; fallbackReason?: string | undefined }>;
}

export const defaultLoaders: EngineLoaders = {
  async node(request, device) {
    const { loadTextEngine } = await import('./node');
    return loadTextEngine({ ...request, device });
  },
  async browser(request, host, device) {
    const { loadBrowserTextEngine } = await import('./browser/engine');
    const { resolveModel } = await import('./loading');
    const { modelDtypes } = await import('./dtype');
    const info = await resolveModel(request.modelsDir, request.modelName);
    return loadBrowserTextEngine({ ...request, host, device, dtypes: await modelDtypes(info.path) });
  },
};

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function selectTextEngine(
  request: TextEngineRequest,
  loaders: EngineLoaders = defaultLoaders,
): Promise<SelectedEngine> {
  const notes: string[] = [];
  const { preference } = request;

  if (preference === 'webgpu' || preference === 'wasm') {
    if (!request.openBrowser)
      throw new Error(`${preference} needs a browser context, which this mode has none of`);
    return { engine: await loaders.browser(request, await request.openBrowser(), preference), notes };
  }

  if (preference === 'cuda' || preference === 'dml') {
    try {
      return { engine: await loaders.node(request, preference), notes };
    } catch (error) {
      notes.push(`${preference} unavailable (${message(error)}); using the CPU`);
      return { engine: await loaders.node(request, 'cpu'), notes };
    }
  }

  if (preference === 'auto' && request.openBrowser) {
    try {
      const engine = await loaders.browser(request, await request.openBrowser(), 'auto');
      if (engine.backend === 'webgpu' && !engine.adapterIsFallback) return { engine, notes };
      notes.push(
        engine.backend === 'webgpu'
          ? 'WebGPU offers only a software adapter; the CPU is faster'
          : `no WebGPU (${engine.fallbackReason ?? 'no adapter'}); the CPU is faster than WASM`,
      );
      await engine.dispose();
    } catch (error) {
      notes.push(`WebGPU could not start (${message(error)})`);
    }
  }
  return { engine: await loaders.node(request, 'cpu'), notes };
}
