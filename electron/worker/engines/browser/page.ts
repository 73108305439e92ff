/**
 * The engine page: transformers.js' browser bundle on WebGPU or WASM. Everything
 * it loads comes from the app's own asset server (see asset-server.ts), never a CDN.
 * Bundled by esbuild; only types come from '@huggingface/transformers' at build time.
 */
import type * as Transformers from '@huggingface/transformers';
import { runTextGeneration, type LoadedTextModel } from '../generation';
import { page, pickDevice, yieldToEventLoop } from './page-common';
import { pickDtype } from '../../../../shared/worker/dtype';
import type { BrowserDevice, HordeEnginePage, PageProgress } from './protocol';

const origin = page.location.origin;

/** Makes every forward pass (one per token) start on a fresh event-loop turn. */
function yieldBeforeEachForward(model: Transformers.PreTrainedModel): void {
  const target = model as unknown as { forward(inputs: unknown): Promise<unknown> };
  const forward = target.forward.bind(model);
  target.forward = async (inputs) => {
    await yieldToEventLoop();
    return forward(inputs);
  };
}

function createEngine(tf: typeof Transformers): HordeEnginePage {
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  // Same-origin path, not a full URL: transformers.js only probes local files for non-URL paths.
  tf.env.localModelPath = '/models/';
  tf.env.useBrowserCache = false;
  tf.env.useWasmCache = false;
  const wasm = tf.env.backends.onnx.wasm as { wasmPaths?: unknown; numThreads?: number };
  wasm.wasmPaths = {
    mjs: `${origin}/ort/ort-wasm-simd-threaded.asyncify.mjs`,
    wasm: `${origin}/ort/ort-wasm-simd-threaded.asyncify.wasm`,
  };

  let loaded: LoadedTextModel | null = null;
  let loadFraction = 0;
  const jobs = new Map<string, { controller: AbortController; progress: PageProgress }>();
  // An abort can overtake its generate call on the way to the page; it still counts.
  const abortedEarly = new Set<string>();

  return {
    async load(request) {
      const started = performance.now();
      loadFraction = 0;
      const device = await pickDevice(request.device);
      const files = new Map<string, number>();
      const progress_callback = (info: Transformers.ProgressInfo): void => {
        const event = info as { file?: string; loaded?: number; total?: number };
        if (!event.file || !event.total) return;
        files.set(event.file, (event.loaded ?? 0) / event.total);
        const mean = [...files.values()].reduce((a, b) => a + b, 0) / files.size;
        loadFraction = Math.max(loadFraction, Math.min(0.95, mean * 0.95));
      };
      await loaded?.model.dispose();
      loaded = null;
      const tokenizer = await tf.AutoTokenizer.from_pretrained(request.modelName, { progress_callback });
      // The device's best variant the folder ships (q4f16 or fp16 on WebGPU, q8 or q4 on WASM), or the forced one.
      const dtype = pickDtype(
        request.dtypes ?? ['fp32'],
        device.backend as BrowserDevice,
        request.dtype ?? 'auto',
      );
      const model = await tf.AutoModelForCausalLM.from_pretrained(request.modelName, {
        device: device.backend as BrowserDevice,
        dtype,
        progress_callback,
      });
      yieldBeforeEachForward(model);
      loaded = { model, tokenizer };
      loadFraction = 1;
      return { ...device, dtype, millis: performance.now() - started };
    },
    async generate(jobId, params) {
      if (!loaded) throw new Error('no model loaded');
      const job = {
        controller: new AbortController(),
        progress: { generated: 0, total: params.maxNewTokens },
      };
      if (abortedEarly.delete(jobId)) job.controller.abort();
      jobs.set(jobId, job);
      try {
        return await runTextGeneration(tf, loaded, params, {
          signal: job.controller.signal,
          onToken: (generated, total) => (job.progress = { generated, total }),
        });
      } finally {
        jobs.delete(jobId);
      }
    },
    abort(jobId) {
      const job = jobs.get(jobId);
      if (job) job.controller.abort();
      else abortedEarly.add(jobId);
      return job !== undefined;
    },
    progress: (jobId) => jobs.get(jobId)?.progress ?? null,
    loadProgress: () => loadFraction,
    async dispose() {
      await loaded?.model.dispose();
      loaded = null;
    },
  };
}

try {
  const tf = (await import(`${origin}/vendor/transformers.js`)) as typeof Transformers;
  page.hordeEngineResolve(createEngine(tf));
} catch (error) {
  page.hordeEngineReject(error);
}
