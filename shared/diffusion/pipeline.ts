// The Stable Diffusion loop of diffusers' ONNX pipelines (IMAGE-API.md §E), ours in TypeScript:
// tokens → text embeddings (negative first for classifier-free guidance) → seeded latents → UNet
// loop through a scheduler → VAE decode to RGBA. img2img encodes the source through the VAE
// encoder and starts part-way down the schedule. Input/output names, ranks and dtypes are read
// from each session.

import { createScheduler } from './index';
import { SeededNormal } from './random';
import {
  floatTensor,
  floatTensorBuffer,
  intTensor,
  pick,
  PipelineError,
  readFloats,
  toFloat32,
  writeFloats,
  type ModelSession,
  type Tensor,
} from './tensors';
import type { Scheduler } from './types';

const f = Math.fround;
export const TOKEN_LENGTH = 77;
/** SD 1.x and 2.x VAE latent scale. */
export const SD_VAE_SCALE = 0.18215;

export interface RgbaImage {
  width: number;
  height: number;
  /** RGBA, row-major, 8 bits per channel. */
  data: Uint8Array;
}

export interface SdModel {
  textEncoder: ModelSession;
  unet: ModelSession;
  vaeDecoder: ModelSession;
  /** Needed for img2img only. */
  vaeEncoder?: ModelSession;
  /** Token ids padded (or cut) to 77, one row per text: the CLIP tokenizer of the model. */
  tokenize(texts: readonly string[]): Promise<Int32Array[]>;
  /** The model's scheduler/scheduler_config.json, plus catalog overrides (e.g. trailing spacing). */
  schedulerConfig: Readonly<Record<string, unknown>>;
  vaeScale?: number;
}

export interface SdParams {
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  steps: number;
  /** Classifier-free guidance applies when above 1. */
  cfgScale: number;
  sampler: string;
  karras: boolean;
  /** One seed per image (see `batchSeeds`). */
  seeds: readonly number[];
  /** img2img: the source, already at width × height, and how much of the schedule to run (0–1]. */
  source?: { image: RgbaImage; denoisingStrength: number };
}

export interface SdHooks {
  /** Checked before every UNet call: an aborted signal stops the loop with PipelineAborted. */
  signal?: AbortSignal;
  /** After each UNet call: calls done, calls in all. */
  onStep?: (done: number, total: number) => void;
}

export interface SdResult {
  images: RgbaImage[];
  /** Final latents per image (before the 1/vaeScale), for tests and diagnostics. */
  latents: Float32Array[];
  /** UNet calls made. */
  unetCalls: number;
}

export class PipelineAborted extends Error {
  override name = 'PipelineAborted';
}

/** The horde's seed_variation: image i gets seed + variation·i, wrapped to 32 bits. */
export function batchSeeds(seed: number, count: number, variation = 1): number[] {
  return Array.from({ length: count }, (_, i) => (seed + variation * i) % 2 ** 32);
}

/** diffusers' img2img start: skip the first (1 − strength) of the schedule. */
export function img2imgStart(steps: number, strength: number): number {
  const init = Math.min(Math.floor(steps * strength), steps);
  return Math.max(steps - init, 0);
}

function validate(p: SdParams, model: SdModel): void {
  const bad = (msg: string): never => {
    throw new PipelineError(msg);
  };
  if (p.width % 8 || p.height % 8 || p.width < 8 || p.height < 8)
    bad('width and height must be multiples of 8');
  if (!Number.isInteger(p.steps) || p.steps < 1) bad('steps must be a positive integer');
  if (p.seeds.length < 1) bad('at least one seed (one image) is needed');
  if (p.seeds.some((s) => !Number.isInteger(s) || s < 0 || s >= 2 ** 32))
    bad('seeds must be 32-bit unsigned integers');
  if (!Number.isFinite(p.cfgScale) || p.cfgScale < 0) bad('cfg scale must be a finite number ≥ 0');
  if (p.source) {
    const { image, denoisingStrength: s } = p.source;
    if (!model.vaeEncoder) bad('img2img needs the VAE encoder, which this model lacks');
    if (image.width !== p.width || image.height !== p.height)
      bad('the source image must be resized to width × height');
    if (image.data.length !== image.width * image.height * 4) bad('the source image is not RGBA of its size');
    if (!(s > 0 && s <= 1)) bad('denoising strength must be in (0, 1]');
  }
}

async function encodeText(model: SdModel, texts: string[]): Promise<Tensor> {
  const rows = await model.tokenize(texts);
  const input = pick(model.textEncoder.inputs, 'input_ids', 'text encoder');
  const ids = new Int32Array(rows.length * TOKEN_LENGTH);
  rows.forEach((row, i) => {
    if (row.length !== TOKEN_LENGTH)
      throw new PipelineError(`tokenizer gave ${row.length} tokens, expected ${TOKEN_LENGTH}`);
    ids.set(row, i * TOKEN_LENGTH);
  });
  const out = await model.textEncoder.run({
    [input.name]: intTensor(input.type, [rows.length, TOKEN_LENGTH], ids),
  });
  const name = pick(model.textEncoder.outputs, 'last_hidden_state', 'text encoder').name;
  const hidden = out[name];
  if (!hidden) throw new PipelineError(`text encoder returned no ${name}`);
  return hidden;
}

function timestepTensor(unet: ModelSession, t: number, batch: number): Tensor {
  const info = pick(unet.inputs, 'timestep', 'unet');
  const dims = info.dims.length === 0 ? [] : [typeof info.dims[0] === 'number' ? info.dims[0] : batch];
  const count = dims.length === 0 ? 1 : dims[0]!;
  const values = new Array<number>(count).fill(t);
  if (info.type === 'int64' || info.type === 'int32') return intTensor(info.type, dims, values);
  return floatTensor(info.type, dims, Float32Array.from(values));
}

function toPixels(decoded: Float32Array, width: number, height: number): RgbaImage {
  const plane = width * height;
  const data = new Uint8Array(plane * 4);
  for (let p = 0; p < plane; p += 1) {
    for (let c = 0; c < 3; c += 1) {
      const v = Math.min(1, Math.max(0, decoded[c * plane + p]! / 2 + 0.5));
      data[p * 4 + c] = Math.round(v * 255);
    }
    data[p * 4 + 3] = 255;
  }
  return { width, height, data };
}

function fromPixels(image: RgbaImage): Float32Array {
  const plane = image.width * image.height;
  const out = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p += 1) {
    for (let c = 0; c < 3; c += 1) out[c * plane + p] = (image.data[p * 4 + c]! / 255) * 2 - 1;
  }
  return out;
}

async function encodeImage(model: SdModel, image: RgbaImage, scale: number): Promise<Float32Array> {
  const enc = model.vaeEncoder;
  if (!enc) throw new PipelineError('img2img needs the VAE encoder');
  const input = pick(enc.inputs, 'sample', 'vae encoder');
  const out = await enc.run({
    [input.name]: floatTensor(input.type, [1, 3, image.height, image.width], fromPixels(image)),
  });
  const sampled = out.latent_sample;
  const params = out.latent_parameters ?? (sampled ? undefined : Object.values(out)[0]);
  const lh = image.height / 8;
  const lw = image.width / 8;
  // optimum exports mean ‖ log-variance; we take the mean (the distribution's mode).
  const values = sampled
    ? toFloat32(sampled)
    : params
      ? toFloat32(params).subarray(0, 4 * lh * lw)
      : undefined;
  if (!values || values.length !== 4 * lh * lw)
    throw new PipelineError('vae encoder gave an unexpected latent');
  return values.map((v) => f(v * scale));
}

/**
 * Classifier-free guidance, u + g·(c − u) in float32, from the UNet's batch (u at `uncond`, c at
 * `cond`) into `out`. Out of `generate` on purpose: V8 optimizes a hot loop inside an async function
 * only once the whole function is (it cannot enter optimized code mid-loop after an await), so in
 * the loop body this ran at interpreter speed, 12 ms a step at 512² on the bench machine.
 */
function guide(
  e: Float32Array,
  uncond: number,
  cond: number,
  guidance: number,
  out: Float32Array,
): Float32Array {
  for (let k = 0; k < out.length; k += 1) {
    const u = e[uncond + k]!;
    out[k] = f(u + f(guidance * f(e[cond + k]! - u)));
  }
  return out;
}

export async function generate(model: SdModel, p: SdParams, hooks: SdHooks = {}): Promise<SdResult> {
  validate(p, model);
  const batch = p.seeds.length;
  const scale = model.vaeScale ?? SD_VAE_SCALE;
  const lh = p.height / 8;
  const lw = p.width / 8;
  const size = 4 * lh * lw;
  const cfg = p.cfgScale > 1;
  const check = (): void => {
    if (hooks.signal?.aborted) throw new PipelineAborted('generation stopped');
  };
  check();

  // Text: [negative × batch, prompt × batch] with guidance, else [prompt × batch].
  const texts = cfg ? [p.negativePrompt, p.prompt] : [p.prompt];
  const hidden = await encodeText(model, texts);
  const hiddenValues = toFloat32(hidden);
  const per = hiddenValues.length / texts.length;
  const rows = cfg ? 2 * batch : batch;
  const text = new Float32Array(rows * per);
  for (let r = 0; r < rows; r += 1)
    text.set(hiddenValues.subarray(Math.floor(r / batch) * per, (Math.floor(r / batch) + 1) * per), r * per);
  const ehsInfo = pick(model.unet.inputs, 'encoder_hidden_states', 'unet');
  const ehs = floatTensor(ehsInfo.type, [rows, ...hidden.dims.slice(1)], text);

  const config = { ...model.schedulerConfig, use_karras_sigmas: p.karras };
  const schedulers: Scheduler[] = p.seeds.map(() => createScheduler(p.sampler, config));
  for (const s of schedulers) s.setTimesteps(p.steps);
  const first = schedulers[0]!;
  const start = p.source ? img2imgStart(p.steps, p.source.denoisingStrength) * first.order : 0;
  const timesteps = first.timesteps.slice(start);
  if (timesteps.length === 0)
    throw new PipelineError('denoising strength too low for this many steps: nothing to run');
  const rngs = p.seeds.map((seed) => new SeededNormal(seed));
  const init = p.source ? await encodeImage(model, p.source.image, scale) : null;
  const latents: Float32Array[] = rngs.map((rng, i) => {
    const noise = rng.normal(size);
    // Read once: the getter scans the sigmas, and this runs per latent value.
    const sigma = schedulers[i]!.initNoiseSigma;
    if (!init) return noise.map((v) => f(v * sigma));
    schedulers[i]!.setBeginIndex(start);
    return schedulers[i]!.addNoise(init, noise, timesteps[0]!);
  });

  const sampleInfo = pick(model.unet.inputs, 'sample', 'unet');
  const timestepName = pick(model.unet.inputs, 'timestep', 'unet').name;
  const outName = pick(model.unet.outputs, 'out_sample', 'unet').name;
  // Everything the loop touches is allocated here, once: the UNet's sample buffer (and its half
  // precision twin), each image's two latent buffers that its scheduler writes in turn, the guided
  // noise, and one timestep tensor per step. The session is done with its inputs when run
  // resolves, so the same tensors go to every call; a small UNet's step is not spent in the GC.
  const x = new Float32Array(rows * size);
  const sample = floatTensorBuffer(sampleInfo.type, [rows, 4, lh, lw], x.length);
  const feeds: Record<string, Tensor> = { [sampleInfo.name]: sample, [ehsInfo.name]: ehs };
  const stepTimesteps = timesteps.map((t) => timestepTensor(model.unet, t, rows));
  const guided = p.seeds.map(() => new Float32Array(size));
  const spare: Float32Array[] = latents.map(() => new Float32Array(size));
  const eps = new Float32Array(rows * size);
  const guidance = p.cfgScale;
  let calls = 0;
  for (let step = 0; step < timesteps.length; step += 1) {
    check();
    const t = timesteps[step]!;
    for (let i = 0; i < batch; i += 1) {
      // As diffusers' pipelines do: the scaled copy goes to the UNet, the unscaled latents to step.
      schedulers[i]!.scaleModelInput(latents[i]!, t, x.subarray(i * size, (i + 1) * size));
      if (cfg) x.copyWithin((batch + i) * size, i * size, (i + 1) * size);
    }
    writeFloats(sample, x);
    feeds[timestepName] = stepTimesteps[step]!;
    const out = await model.unet.run(feeds);
    const pred = out[outName];
    if (!pred) throw new PipelineError(`unet returned no ${outName}`);
    const e = readFloats(pred, eps);
    for (let i = 0; i < batch; i += 1) {
      const noise = cfg
        ? guide(e, i * size, (batch + i) * size, guidance, guided[i]!)
        : e.subarray(i * size, (i + 1) * size);
      // The scheduler writes into this image's other buffer; the two swap every step.
      const next = schedulers[i]!.step(noise, t, latents[i]!, rngs[i], spare[i]).prevSample;
      spare[i] = latents[i]!;
      latents[i] = next;
    }
    calls += 1;
    hooks.onStep?.(calls, timesteps.length);
  }

  check();
  const decIn = pick(model.vaeDecoder.inputs, 'latent_sample', 'vae decoder');
  const decOut = pick(model.vaeDecoder.outputs, 'sample', 'vae decoder').name;
  const images: RgbaImage[] = [];
  for (const lat of latents) {
    const out = await model.vaeDecoder.run({
      [decIn.name]: floatTensor(
        decIn.type,
        [1, 4, lh, lw],
        lat.map((v) => f(v / scale)),
      ),
    });
    const decoded = out[decOut];
    if (!decoded) throw new PipelineError(`vae decoder returned no ${decOut}`);
    const values = toFloat32(decoded);
    if (values.length !== 3 * p.width * p.height)
      throw new PipelineError('vae decoder gave an image of another size');
    if (values.some((v) => !Number.isFinite(v)))
      throw new PipelineError('vae decoder gave non-finite values');
    images.push(toPixels(values, p.width, p.height));
  }
  return { images, latents, unetCalls: calls };
}
