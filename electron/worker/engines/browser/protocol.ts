/**
 * The message interface between the Node side (BrowserTextEngine) and the engine
 * page running transformers.js in a browser context. Everything crossing it is
 * plain JSON.
 */
import type { TextGenParams, TextGenResult } from '../types';
import type { DtypeChoice, OnnxDtype } from '../../../../shared/worker/dtype';

export type BrowserDevice = 'webgpu' | 'wasm';
/** `auto`: WebGPU when the browser offers an adapter, else WASM. */
export type BrowserDeviceChoice = 'auto' | BrowserDevice;

export interface PageLoadRequest {
  modelName: string;
  device: BrowserDeviceChoice;
  /** The dtype variants the model folder ships (`availableDtypes`); the page picks for the device it gets. */
  dtypes?: OnnxDtype[];
  /** The setting: `auto`, or the variant to force. */
  dtype?: DtypeChoice;
}

export interface PageLoadResult {
  backend: BrowserDevice;
  /** The variant loaded. */
  dtype?: OnnxDtype;
  /** Why WebGPU was not used when `auto` was asked for. */
  fallbackReason?: string;
  /** The WebGPU adapter in use, e.g. "google swiftshader (fallback)". */
  adapter?: string;
  /** A software adapter (SwiftShader): WebGPU works but is slower than the CPU. */
  adapterIsFallback?: boolean;
  /**
   * The adapter has WebGPU's `shader-f16` feature, so onnxruntime-web can run a half-precision
   * graph's kernels in half precision on it (SwiftShader has not).
   */
  shaderF16?: boolean;
  millis: number;
}

export interface PageProgress {
  generated: number;
  total: number;
}

/** What the engine page exposes as `globalThis.hordeEngineReady` (a promise of it). */
export interface HordeEnginePage {
  load(request: PageLoadRequest): Promise<PageLoadResult>;
  generate(jobId: string, params: TextGenParams): Promise<TextGenResult>;
  abort(jobId: string): boolean;
  progress(jobId: string): PageProgress | null;
  /** 0..1 for the load in progress. */
  loadProgress(): number;
  dispose(): Promise<void>;
}

/**
 * A browser context the engine can drive: a Playwright page in tests, a hidden
 * BrowserWindow in Electron (`webContents.executeJavaScript(`(${fn})(${JSON.stringify(arg)})`)`).
 * `fn` is serialized and run in the page, so it must not close over anything.
 */
export interface BrowserHost {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}
