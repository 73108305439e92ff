/**
 * What both engine pages (page.ts for text, sd-page.ts for images) need from the browser: the
 * globals they touch (declared here, as the node tsconfig has no DOM), the device choice and a
 * macrotask yield. Only page bundles import this.
 */
import type { PageLoadRequest, PageLoadResult } from './protocol';

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean };
  features?: { has(name: string): boolean };
}

export interface PageGlobals {
  location: { origin: string };
  navigator: { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } };
  MessageChannel: new () => {
    port1: { onmessage: (() => void) | null; close(): void };
    port2: { postMessage(message: unknown): void };
  };
  crossOriginIsolated?: boolean;
  hordeEngineResolve(engine: unknown): void;
  hordeEngineReject(error: unknown): void;
}

export const page = globalThis as unknown as PageGlobals;
export async function pickDevice(choice: PageLoadRequest['device']): Promise<Omit<PageLoadResult, 'millis'>> {
  if (choice === 'wasm') return { backend: 'wasm' };
  const gpu = page.navigator.gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  if (adapter) {
    const info = adapter.info ?? {};
    const name = [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unknown';
    const fallback = info.isFallbackAdapter === true;
    return {
      backend: 'webgpu',
      adapter: fallback ? `${name} (fallback)` : name,
      adapterIsFallback: fallback,
      shaderF16: adapter.features?.has('shader-f16') === true,
    };
  }
  if (choice === 'webgpu')
    throw new Error(gpu ? 'WebGPU offers no adapter' : 'WebGPU is not available in this browser');
  return {
    backend: 'wasm',
    fallbackReason: gpu ? 'WebGPU offers no adapter' : 'WebGPU is not available in this browser',
  };
}

/**
 * A macrotask turn. ORT-web's WASM runs resolve as microtasks, so without this a
 * whole generation would hold the event loop and no abort or progress call could
 * reach the page between tokens.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new page.MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
