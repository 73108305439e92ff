/**
 * TextEngine over a browser context (WebGPU or WASM): drives the engine page
 * through a BrowserHost. Progress and cancellation cross as separate small calls
 * while a generation is in flight, so the host needs nothing but `evaluate`.
 */
import type { GenerateOptions, LoadProgress, TextEngine, TextGenParams, TextGenResult } from '../types';
import type { DtypeChoice, OnnxDtype } from '../../../../shared/worker/dtype';
import type {
  BrowserDevice,
  BrowserDeviceChoice,
  BrowserHost,
  HordeEnginePage,
  PageLoadResult,
  PageProgress,
} from './protocol';

export interface BrowserLoadOptions {
  /** Already showing the engine page (AssetServer.pageUrl). */
  host: BrowserHost;
  modelName: string;
  device?: BrowserDeviceChoice;
  /** The dtype variants the model folder ships, and the setting (see PageLoadRequest). */
  dtypes?: OnnxDtype[];
  dtype?: DtypeChoice;
  advertisedName?: string;
  onProgress?: (progress: LoadProgress) => void;
  /** How often progress is read from the page while it works. */
  pollMillis?: number;
}

type Method = keyof HordeEnginePage;

/** Calls one method of the page's engine; the function shipped to the page is self-contained. */
function call<M extends Method>(
  host: BrowserHost,
  method: M,
  args: Parameters<HordeEnginePage[M]>,
): Promise<Awaited<ReturnType<HordeEnginePage[M]>>> {
  return host.evaluate(
    ([m, a]: [M, unknown[]]) =>
      (
        globalThis as unknown as { hordeEngineReady: Promise<Record<string, (...x: unknown[]) => unknown>> }
      ).hordeEngineReady.then((engine) => engine[m]!(...a)),
    [method, args] as [M, unknown[]],
  ) as Promise<Awaited<ReturnType<HordeEnginePage[M]>>>;
}

/** Runs `work` while reading `poll` every `millis`; polls stop when work settles. */
export async function whilePolling<T>(
  work: Promise<T>,
  millis: number,
  poll: () => Promise<void>,
): Promise<T> {
  let done = false;
  const loop = (async () => {
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, millis));
      if (!done) await poll().catch(() => undefined);
    }
  })();
  try {
    return await work;
  } finally {
    done = true;
    await loop;
  }
}

export class BrowserTextEngine implements TextEngine {
  private jobCounter = 0;

  private constructor(
    private readonly host: BrowserHost,
    readonly backend: BrowserDevice,
    readonly modelName: string,
    /** Why WebGPU was not used, when the device was chosen automatically. */
    readonly fallbackReason: string | undefined,
    /** The WebGPU adapter in use. */
    readonly adapter: string | undefined,
    /** True for a software WebGPU adapter (SwiftShader), slower than the CPU. */
    readonly adapterIsFallback: boolean,
    /** Model load time in the page. */
    readonly loadMillis: number,
    private readonly pollMillis: number,
  ) {}

  static async load(options: BrowserLoadOptions): Promise<BrowserTextEngine> {
    const pollMillis = options.pollMillis ?? 100;
    let last = 0;
    const loading = call(options.host, 'load', [
      {
        modelName: options.modelName,
        device: options.device ?? 'auto',
        ...(options.dtypes ? { dtypes: options.dtypes } : {}),
        ...(options.dtype ? { dtype: options.dtype } : {}),
      },
    ]);
    const result: PageLoadResult = await whilePolling(loading, pollMillis, async () => {
      const fraction = await call(options.host, 'loadProgress', []);
      if (fraction > last && fraction < 1) {
        last = fraction;
        options.onProgress?.({ fraction });
      }
    });
    options.onProgress?.({ fraction: 1 });
    return new BrowserTextEngine(
      options.host,
      result.backend,
      options.advertisedName ?? options.modelName,
      result.fallbackReason,
      result.adapter,
      result.adapterIsFallback ?? false,
      result.millis,
      pollMillis,
    );
  }

  async generate(params: TextGenParams, options: GenerateOptions = {}): Promise<TextGenResult> {
    const { signal, onToken } = options;
    if (signal?.aborted)
      return { text: '', tokenIds: [], seed: params.seed, finishReason: 'aborted', millis: 0 };
    const jobId = `job-${++this.jobCounter}`;
    const onAbort = (): void => void call(this.host, 'abort', [jobId]).catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    let reported = 0;
    const report = (p: PageProgress | null): void => {
      if (p && p.generated > reported) {
        reported = p.generated;
        onToken?.(p.generated, p.total);
      }
    };
    try {
      const result = await whilePolling(
        call(this.host, 'generate', [jobId, params]),
        this.pollMillis,
        async () => {
          if (onToken) report(await call(this.host, 'progress', [jobId]));
        },
      );
      report({ generated: result.tokenIds.length, total: params.maxNewTokens });
      return result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async dispose(): Promise<void> {
    await call(this.host, 'dispose', []);
  }
}

export function loadBrowserTextEngine(options: BrowserLoadOptions): Promise<BrowserTextEngine> {
  return BrowserTextEngine.load(options);
}
