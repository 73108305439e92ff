/**
 * The Stable Diffusion engine page: the same pipeline as the Node engine (shared/diffusion/
 * pipeline.ts) on onnxruntime-web, WebGPU where the browser offers an adapter, WASM otherwise.
 * ONNX Runtime's script and WASM files, transformers.js (for the CLIP tokenizer only) and the model
 * files all come from the app's asset server (asset-server.ts), never a CDN. Bundled by esbuild;
 * only types come from the packages at build time. onnxruntime-web is a direct dependency, pinned
 * to the version transformers.js pins, so its types here, the module served at /ort/ and the
 * runtime inside transformers.js are one package.
 *
 * Half-precision exports run as shipped: float16 feeds and outputs cross as their bits (Uint16Array)
 * and the pipeline converts them; on a WebGPU adapter without shader-f16 their parts run on WASM
 * (see `open` in loadModel).
 */
import type * as Transformers from '@huggingface/transformers';
import type * as Ort from 'onnxruntime-web';
import { measureStepSeconds } from '../../../../shared/diffusion/calibrate';
import { clipRows, clipTokenizerInputs } from '../../../../shared/diffusion/clip-tokenizer';
import {
  generate,
  PipelineAborted,
  type SdModel,
  type SdParams,
} from '../../../../shared/diffusion/pipeline';
import {
  PipelineError,
  type ModelSession,
  type Tensor,
  type TensorType,
  type ValueInfo,
} from '../../../../shared/diffusion/tensors';
import { base64ToBytes, bytesToBase64, floatsToBase64 } from '../../../../shared/diffusion/transport';
import { page, pickDevice, yieldToEventLoop } from './page-common';
import type { BrowserDevice } from './protocol';
import type {
  HordeSdEnginePage,
  SdPageLoadResult,
  SdPageModel,
  SdPageProgress,
  WireSdParams,
} from './sd-protocol';

const origin = page.location.origin;
const TYPES: readonly TensorType[] = ['float32', 'float16', 'int32', 'int64'];

/**
 * Tensor data in the pipeline's convention: onnxruntime-web hands float16 outputs back as a
 * Float16Array where the browser has one, and the pipeline keeps halves as their bits in a
 * Uint16Array (as onnxruntime-node gives them), converting once where it reads them. A view, no copy.
 */
function halvesAsBits(data: Ort.Tensor['data']): Tensor['data'] {
  const F16 = (globalThis as { Float16Array?: new (...args: never[]) => ArrayBufferView }).Float16Array;
  if (F16 && data instanceof F16) {
    const view = data as ArrayBufferView & { length: number };
    return new Uint16Array(view.buffer, view.byteOffset, view.length);
  }
  return data as Tensor['data'];
}

/** An onnxruntime-web session as the pipeline's ModelSession; each run starts on a fresh event-loop turn. */
class OrtWebSession implements ModelSession {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];

  constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    where: string,
  ) {
    const info = (m: Ort.InferenceSession.ValueMetadata): ValueInfo => {
      if (!m.isTensor) throw new PipelineError(`${where}: ${m.name} is not a tensor`);
      const type = TYPES.find((t) => t === m.type);
      if (!type) throw new PipelineError(`${where}: ${m.name} has unsupported type ${m.type}`);
      return { name: m.name, type, dims: m.shape.map((d) => (typeof d === 'number' ? d : String(d))) };
    };
    this.inputs = session.inputMetadata.map(info);
    this.outputs = session.outputMetadata.map(info);
  }

  async run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    // ORT-web's runs can resolve as microtasks: without a macrotask turn, no abort or progress
    // call from the Node side could reach the page until the whole generation ended.
    await yieldToEventLoop();
    const input: Record<string, Ort.Tensor> = {};
    // A float16 feed is the pipeline's raw halves (Uint16Array); onnxruntime-web takes those as they
    // are, viewing them as a Float16Array where the browser has one (Chromium 135+).
    for (const [name, t] of Object.entries(feeds))
      input[name] = new this.ort.Tensor(t.type, t.data, [...t.dims]);
    const out = await this.session.run(input);
    const result: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(out)) {
      const type = TYPES.find((t) => t === value.type);
      if (!type) throw new PipelineError(`output ${name} has unsupported type ${value.type}`);
      result[name] = { type, dims: value.dims, data: halvesAsBits(value.data) };
      value.dispose();
    }
    for (const t of Object.values(input)) t.dispose();
    return result;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

interface LoadedModel extends SdModel {
  sessions: OrtWebSession[];
}

/** Where one part of a model runs when it is not where the engine runs (see SdPageLoadResult.partsOnWasm). */
type PartOnWasm = NonNullable<SdPageLoadResult['partsOnWasm']>[number];

async function fetchJson(url: string): Promise<Record<string, unknown> | null> {
  const res = await fetch(url);
  return res.ok ? ((await res.json()) as Record<string, unknown>) : null;
}

async function fetchText(url: string): Promise<string | null> {
  const res = await fetch(url);
  return res.ok ? res.text() : null;
}

async function loadTokenizer(tf: typeof Transformers, base: string): Promise<SdModel['tokenize']> {
  const dir = `${base}/tokenizer`;
  const tokenizerJson = await fetchJson(`${dir}/tokenizer.json`);
  // The slow files only when there is no tokenizer.json (each miss is a 404 in the page's console).
  const { json, config } = clipTokenizerInputs({
    tokenizerJson,
    tokenizerConfig: await fetchJson(`${dir}/tokenizer_config.json`),
    specialTokensMap: tokenizerJson ? null : await fetchJson(`${dir}/special_tokens_map.json`),
    vocab: tokenizerJson ? null : ((await fetchJson(`${dir}/vocab.json`)) as Record<string, number> | null),
    merges: tokenizerJson ? null : await fetchText(`${dir}/merges.txt`),
  });
  const tokenizer = new tf.CLIPTokenizer(json, config);
  const eos = tokenizer.eos_token_id;
  const pad = tokenizer.pad_token_id ?? eos;
  if (eos === undefined || pad === undefined)
    throw new Error(`${dir}: the tokenizer has no end-of-text token`);
  return async (texts) => texts.map((text) => clipRows(tokenizer.encode(text), eos, pad));
}

async function loadModel(
  ort: typeof Ort,
  tf: typeof Transformers,
  m: SdPageModel,
  device: Omit<SdPageLoadResult, 'millis' | 'img2img' | 'unetTypes' | 'partsOnWasm'>,
  onWasm: PartOnWasm[],
): Promise<LoadedModel> {
  const base = `${origin}${m.url}`;
  const scheduler = await fetchJson(`${base}/scheduler/scheduler_config.json`);
  if (!scheduler) throw new Error(`${m.url} has no scheduler/scheduler_config.json`);
  const options = (backend: BrowserDevice): Ort.InferenceSession.SessionOptions => ({
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
  });
  // A half-precision export needs WebGPU's shader-f16, which some adapters lack (SwiftShader, older
  // GPUs). onnxruntime-web then refuses the session ("… requires f16 but the device does not support
  // it") or, for a graph whose kernels compile lazily, would fail at its first run. Such a part runs
  // on WASM instead, still in its shipped precision, and the load result says so. Any other failure,
  // or one on an adapter with f16, is the model's.
  const noF16 = device.backend === 'webgpu' && device.shaderF16 === false;
  const half = (s: Ort.InferenceSession): boolean =>
    [...s.inputMetadata, ...s.outputMetadata].some((v) => v.isTensor && v.type === 'float16');
  const open = async (part: string): Promise<OrtWebSession> => {
    const url = `${base}/${part}/model.onnx`;
    let session: Ort.InferenceSession | undefined;
    let reason: string;
    try {
      session = await ort.InferenceSession.create(url, options(device.backend));
      if (!noF16 || !half(session)) return new OrtWebSession(ort, session, part);
      await session.release();
      reason = 'a float16 graph, and the WebGPU adapter has no shader-f16';
    } catch (err) {
      if (!noF16) throw err;
      reason = err instanceof Error ? err.message : String(err);
    }
    onWasm.push({ model: m.name, part, reason });
    return new OrtWebSession(ort, await ort.InferenceSession.create(url, options('wasm')), part);
  };
  const hasEncoder = (await fetch(`${base}/vae_encoder/model.onnx`, { method: 'HEAD' })).ok;
  // One after another: two sessions compiling at once on one GPU gain nothing and double the peak.
  const textEncoder = await open('text_encoder');
  const unet = await open('unet');
  const vaeDecoder = await open('vae_decoder');
  const vaeEncoder = hasEncoder ? await open('vae_encoder') : undefined;
  return {
    tokenize: await loadTokenizer(tf, base),
    textEncoder,
    unet,
    vaeDecoder,
    ...(vaeEncoder ? { vaeEncoder } : {}),
    schedulerConfig: { ...scheduler, ...m.schedulerOverrides },
    sessions: [textEncoder, unet, vaeDecoder, ...(vaeEncoder ? [vaeEncoder] : [])],
  };
}

function fromWire(p: WireSdParams): SdParams {
  const { source, ...rest } = p;
  if (!source) return rest;
  const { image, denoisingStrength } = source;
  return {
    ...rest,
    source: {
      image: { width: image.width, height: image.height, data: base64ToBytes(image.data) },
      denoisingStrength,
    },
  };
}

function createEngine(ort: typeof Ort, tf: typeof Transformers): HordeSdEnginePage {
  // Every file from the app: ONNX Runtime picks its WASM build's file name under this prefix.
  ort.env.wasm.wasmPaths = `${origin}/ort/`;
  // Threads need a cross-origin isolated page (SharedArrayBuffer); the asset server can send COOP/COEP.
  ort.env.wasm.numThreads = page.crossOriginIsolated ? 0 : 1;
  tf.env.allowRemoteModels = false;
  let models = new Map<string, LoadedModel>();
  const jobs = new Map<string, { controller: AbortController; progress: SdPageProgress }>();
  const abortedEarly = new Set<string>();

  const release = async (): Promise<void> => {
    const all = [...models.values()].flatMap((m) => m.sessions);
    models = new Map();
    await Promise.all(all.map((s) => s.release()));
  };
  const get = (name: string): LoadedModel => {
    const m = models.get(name);
    if (!m) throw new Error(`this engine does not serve the model "${name}"`);
    return m;
  };

  return {
    async load(request) {
      const started = performance.now();
      const device = await pickDevice(request.device);
      await release();
      const unetTypes: Record<string, string> = {};
      const partsOnWasm: PartOnWasm[] = [];
      for (const m of request.models) {
        const loaded = await loadModel(ort, tf, m, device, partsOnWasm);
        models.set(m.name, loaded);
        unetTypes[m.name] = loaded.unet.inputs.find((i) => i.name === 'sample')?.type ?? 'unknown';
      }
      return {
        ...device,
        img2img: [...models.values()].every((m) => m.vaeEncoder !== undefined),
        unetTypes,
        partsOnWasm,
        millis: performance.now() - started,
      };
    },
    async generate(jobId, model, params) {
      const m = get(model);
      const job = { controller: new AbortController(), progress: { done: 0, total: 0 } };
      if (abortedEarly.delete(jobId)) job.controller.abort();
      jobs.set(jobId, job);
      try {
        const result = await generate(m, fromWire(params), {
          signal: job.controller.signal,
          onStep: (done, total) => (job.progress = { done, total }),
        });
        return {
          images: result.images.map((i) => ({
            width: i.width,
            height: i.height,
            data: bytesToBase64(i.data),
          })),
          latents: result.latents.map(floatsToBase64),
          unetCalls: result.unetCalls,
        };
      } catch (err) {
        // Crosses as a plain Error: keep the name the Node side tells apart.
        if (err instanceof PipelineAborted)
          throw new Error('PipelineAborted: generation stopped', { cause: err });
        throw err;
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
    measure: (model) => measureStepSeconds((p, hooks) => generate(get(model), p, hooks)),
    dispose: release,
  };
}

try {
  const [ort, tf] = await Promise.all([
    import(`${origin}/ort/ort.webgpu.min.mjs`) as Promise<typeof Ort>,
    import(`${origin}/vendor/transformers.js`) as Promise<typeof Transformers>,
  ]);
  page.hordeEngineResolve(createEngine(ort, tf));
} catch (error) {
  page.hordeEngineReject(error);
}
