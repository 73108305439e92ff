/**
 * The message interface between the Node side (BrowserImageEngine) and the Stable Diffusion engine
 * page (sd-page.ts), which runs the shared pipeline (shared/diffusion/pipeline.ts) on
 * onnxruntime-web. Everything crossing it is plain JSON: pixels and latents go as base64.
 */
import type { SdParams } from '../../../../shared/diffusion/pipeline';
import type { BrowserDevice, BrowserDeviceChoice, PageLoadResult } from './protocol';

export interface SdPageModel {
  /** The name the engine serves it under (the horde name). */
  name: string;
  /** Its folder as the asset server serves it: `/models/<folder>`. */
  url: string;
  schedulerOverrides?: Record<string, unknown>;
}

export interface SdPageLoadRequest {
  models: SdPageModel[];
  device: BrowserDeviceChoice;
}

export interface SdPageLoadResult extends Omit<PageLoadResult, 'backend'> {
  backend: BrowserDevice;
  /** Every model has a VAE encoder. */
  img2img: boolean;
  /** The UNet's input dtype per model (float16 where the export ships half precision). */
  unetTypes: Record<string, string>;
  /**
   * Parts that run on WASM although the engine runs on WebGPU: half-precision graphs on an adapter
   * without `shader-f16`, which onnxruntime-web cannot compile for it. Empty when every part runs
   * on the engine's backend (absent is the same).
   */
  partsOnWasm?: { model: string; part: string; reason: string }[];
}

export interface WireImage {
  width: number;
  height: number;
  /** RGBA bytes, base64. */
  data: string;
}

export type WireSdParams = Omit<SdParams, 'source'> & {
  source?: { image: WireImage; denoisingStrength: number };
};

export interface WireSdResult {
  images: WireImage[];
  /** Float32 latents per image, base64. */
  latents: string[];
  unetCalls: number;
}

export interface SdPageProgress {
  done: number;
  total: number;
}

/** What the SD page exposes as `globalThis.hordeSdEngineReady` (a promise of it). */
export interface HordeSdEnginePage {
  load(request: SdPageLoadRequest): Promise<SdPageLoadResult>;
  generate(jobId: string, model: string, params: WireSdParams): Promise<WireSdResult>;
  abort(jobId: string): boolean;
  progress(jobId: string): SdPageProgress | null;
  /** Seconds per UNet call per megapixel, measured in the page (shared/diffusion/calibrate.ts). */
  measure(model: string): Promise<number>;
  dispose(): Promise<void>;
}
