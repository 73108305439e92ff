/**
 * The image engine over a browser context (onnxruntime-web on WebGPU or WASM): drives the SD engine
 * page (sd-page.ts) through a BrowserHost, as BrowserTextEngine drives the text page. The worker
 * sees the same ImageEngine interface as the Node engine; progress and cancellation cross as small
 * calls while a generation is in flight.
 */
import {
  PipelineAborted,
  type SdHooks,
  type SdParams,
  type SdResult,
} from '../../../../shared/diffusion/pipeline';
import { base64ToBytes, base64ToFloats, bytesToBase64 } from '../../../../shared/diffusion/transport';
import type { ImageEngine } from '../../sd/image-engine';
import { whilePolling } from './engine';
import type { BrowserDevice, BrowserDeviceChoice, BrowserHost } from './protocol';
import type { HordeSdEnginePage, SdPageLoadResult, SdPageModel, WireSdParams } from './sd-protocol';

type Method = keyof HordeSdEnginePage;

/** Calls one method of the page's engine; the function shipped to the page is self-contained. */
function call<M extends Method>(
  host: BrowserHost,
  method: M,
  args: Parameters<HordeSdEnginePage[M]>,
): Promise<Awaited<ReturnType<HordeSdEnginePage[M]>>> {
  return host.evaluate(
    ([m, a]: [M, unknown[]]) =>
      (
        globalThis as unknown as { hordeEngineReady: Promise<Record<string, (...x: unknown[]) => unknown>> }
      ).hordeEngineReady.then((engine) => engine[m]!(...a)),
    [method, args] as [M, unknown[]],
  ) as Promise<Awaited<ReturnType<HordeSdEnginePage[M]>>>;
}

function toWire(p: SdParams): WireSdParams {
  const { source, ...rest } = p;
  if (!source) return rest;
  const { image, denoisingStrength } = source;
  return {
    ...rest,
    source: {
      image: { width: image.width, height: image.height, data: bytesToBase64(image.data) },
      denoisingStrength,
    },
  };
}

export interface BrowserImageLoadOptions {
  /** Already showing the SD engine page (AssetServer.sdPageUrl). */
  host: BrowserHost;
  models: SdPageModel[];
  device?: BrowserDeviceChoice;
  pollMillis?: number;
}

export class BrowserImageEngine implements ImageEngine {
  readonly backend: BrowserDevice;
  readonly models: readonly string[];
  readonly img2img: boolean;
  private measured: number | undefined;
  private jobCounter = 0;

  private constructor(
    private readonly host: BrowserHost,
    /** What the page reported: the device, the adapter, the UNet's dtype per model, the load time. */
    readonly loaded: SdPageLoadResult,
    models: readonly string[],
    private readonly pollMillis: number,
  ) {
    this.backend = loaded.backend;
    this.models = models;
    this.img2img = loaded.img2img;
  }

  static async load(o: BrowserImageLoadOptions): Promise<BrowserImageEngine> {
    const loaded = await call(o.host, 'load', [{ models: o.models, device: o.device ?? 'auto' }]);
    return new BrowserImageEngine(
      o.host,
      loaded,
      o.models.map((m) => m.name),
      o.pollMillis ?? 100,
    );
  }

  async generate(model: string, params: SdParams, hooks: SdHooks = {}): Promise<SdResult> {
    const { signal, onStep } = hooks;
    if (signal?.aborted) throw new PipelineAborted('generation stopped');
    const jobId = `sd-${++this.jobCounter}`;
    const onAbort = (): void => void call(this.host, 'abort', [jobId]).catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    let reported = 0;
    try {
      const wire = await whilePolling(
        call(this.host, 'generate', [jobId, model, toWire(params)]),
        this.pollMillis,
        async () => {
          if (!onStep) return;
          const p = await call(this.host, 'progress', [jobId]);
          if (p && p.done > reported) {
            reported = p.done;
            onStep(p.done, p.total);
          }
        },
      );
      if (onStep && wire.unetCalls > reported) onStep(wire.unetCalls, wire.unetCalls);
      return {
        images: wire.images.map((i) => ({ width: i.width, height: i.height, data: base64ToBytes(i.data) })),
        latents: wire.latents.map(base64ToFloats),
        unetCalls: wire.unetCalls,
      };
    } catch (err) {
      if (signal?.aborted || String(err).includes('PipelineAborted'))
        throw new PipelineAborted('generation stopped');
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async measureStepSeconds(): Promise<number> {
    const first = this.models[0];
    if (first === undefined) throw new Error('no image model loaded');
    this.measured ??= await call(this.host, 'measure', [first]);
    return this.measured;
  }

  async dispose(): Promise<void> {
    await call(this.host, 'dispose', []);
  }
}

export function loadBrowserImageEngine(o: BrowserImageLoadOptions): Promise<BrowserImageEngine> {
  return BrowserImageEngine.load(o);
}
