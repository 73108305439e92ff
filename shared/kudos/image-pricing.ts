/**
 * What an image is worth, in our own closed form.
 *
 * The AI Horde prices an image with a small neural network whose weights are
 * AGPL-licensed; we neither copy nor load them. Instead an image's cost is a
 * time model with six constants fitted (least squares on relative error) to
 * the network's figures listed in IMAGE-API.md §B:
 *
 *   t = A + run^P · (B₁·px + B₂·px²) · (1 + C·cfg/30)  [+ E·px for img2img]
 *
 * with px the pixels in units of 512², `run` the denoising steps the worker
 * really runs (accurate steps, × denoising strength for img2img: it starts
 * part-way down the schedule, IMAGE-API.md §E), the px² term the attention
 * cost that grows with the square of the latent size, and E·px the VAE
 * encode of the source. The price is the server's normalisation:
 * `kudos = round(t(job) / t(BASIS) · 11, 2)`, BASIS = 512², 50 steps, cfg 7.5,
 * k_euler, txt2img. Each §B row comes out within 8 % (pricing tests).
 *
 * Then, as the server does: +3 per LoRA, +1 if any TIs; the requester's
 * burn (`calculate_extra_kudos_burn`); the worker's multipliers.
 */
import { POST_PROCESSOR_BURN, type Sampler } from '../api/image';
import { baselineMultiplier } from './image-models';
import { pyRound } from './round';

const A = 2.4;
const B1 = 0.015;
const B2 = 0.0017;
const P = 1.4;
const C = 0.15;
const E = 1.5;
/** The basis job is worth this many kudos. */
const BASIS_KUDOS = 11;
/** The server's fallback rule multiplies by this per post-processor (the net has no figures for them in §B). */
const POST_PROCESSOR_COST = 1.2;
/** The server's fallback rule triples a ControlNet job. */
const CONTROLNET_COST = 3;
/** hires_fix runs a second pass; no §B figure, so priced as half a job again. */
const HIRES_FIX_COST = 1.5;
const LORA_KUDOS = 3;
const TI_KUDOS = 1;

/** Samplers that call the UNet twice per step (IMAGE-API.md §B "accurate steps"). */
const DOUBLE_COST_SAMPLERS: ReadonlySet<string> = new Set([
  'k_heun',
  'k_dpm_2',
  'k_dpm_2_a',
  'k_dpmpp_2s_a',
  'k_dpmpp_sde',
]);
/** k_dpm_adaptive picks its own step count; the server counts it as 40. */
const ADAPTIVE_STEPS = 40;

/** Denoising steps as the horde counts them: ×2 for the double-cost samplers, 40 for k_dpm_adaptive. */
export function accurateSteps(sampler: string, steps: number): number {
  if (sampler === 'k_dpm_adaptive') return ADAPTIVE_STEPS;
  return DOUBLE_COST_SAMPLERS.has(sampler) ? steps * 2 : steps;
}

/** One image as priced: the request's params after the horde's defaults are filled in. */
export interface ImageShape {
  width: number;
  height: number;
  steps: number;
  sampler: Sampler | string;
  cfgScale: number;
  /** Present for img2img: the `denoising_strength` (1 when the request omits it). */
  denoise?: number;
  postProcessing?: readonly string[];
  hiresFix?: boolean;
  controlType?: string;
  loras?: number;
  tis?: number;
}

function seconds(px: number, run: number, cfg: number, img2img: boolean): number {
  const denoising = run ** P * (B1 * px + B2 * px * px) * (1 + (C * cfg) / 30);
  return A + denoising + (img2img ? E * px : 0);
}

const BASIS_SECONDS = seconds(1, 50, 7.5, false);

function assertShape(s: ImageShape): void {
  for (const [k, v] of [
    ['width', s.width],
    ['height', s.height],
    ['steps', s.steps],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${k} must be a positive number: ${v}`);
  }
  if (!Number.isFinite(s.cfgScale) || s.cfgScale < 0)
    throw new RangeError(`cfgScale must be ≥ 0: ${s.cfgScale}`);
}

/**
 * The kudos value of one image (the server's `ImageWaitingPrompt.calculate_kudos`):
 * what an SD1 worker earns for it before the bridge multiplier.
 */
export function imageKudos(s: ImageShape): number {
  assertShape(s);
  const px = (s.width * s.height) / (512 * 512);
  const img2img = s.denoise !== undefined;
  const run = accurateSteps(s.sampler, s.steps) * (img2img ? (s.denoise ?? 1) : 1);
  let t = seconds(px, Math.max(1, run), s.cfgScale, img2img);
  t *= POST_PROCESSOR_COST ** (s.postProcessing?.length ?? 0);
  if (s.controlType) t *= CONTROLNET_COST;
  if (s.hiresFix) t *= HIRES_FIX_COST;
  let kudos = pyRound((t / BASIS_SECONDS) * BASIS_KUDOS, 2);
  kudos += LORA_KUDOS * (s.loras ?? 0);
  if ((s.tis ?? 0) > 0) kudos += TI_KUDOS;
  return pyRound(kudos, 2);
}

/** The kudos an image is worth on `model` (×2 SDXL, ×4 Cascade, ×8 flux, ×12 qwen). */
export function imageGenKudos(s: ImageShape, model: string): number {
  return pyRound(imageKudos(s) * baselineMultiplier(model, { hiresFix: s.hiresFix ?? false }), 2);
}

/** What the requester pays for one delivered image worth `kudos` (`calculate_extra_kudos_burn`). */
export function imageBurn(
  kudos: number,
  o: { img2img: boolean; postProcessing?: readonly string[]; slowWorkers: boolean; workerBlacklist: boolean },
): number {
  let k = kudos;
  if (o.img2img) k *= 1.3;
  for (const pp of o.postProcessing ?? []) k *= POST_PROCESSOR_BURN[pp] ?? 1;
  k += 1;
  if (!o.slowWorkers) k *= 1.2;
  if (o.workerBlacklist) k *= 1.1;
  return pyRound(k, 2);
}

/** Charged once per request, with its first delivered image (the "+1" of the server's dry run). */
export const IMAGE_REQUEST_TAX = 1;

/**
 * The whole request's price as the dry run answers it: every image's burn on
 * the first model listed (SDXL 1.0 when none is), plus the request tax.
 * Unlike the server (which multiplies the burn by the baseline), the burn is
 * taken of the baseline-multiplied value, which is what the embedded horde
 * really charges, so the dry run equals the charge.
 */
export function imageRequestPrice(
  s: ImageShape,
  o: {
    n: number;
    models: readonly string[];
    slowWorkers: boolean;
    workerBlacklist: boolean;
  },
): number {
  if (!Number.isInteger(o.n) || o.n < 1) throw new RangeError(`n must be a positive integer: ${o.n}`);
  const model = o.models[0] ?? 'SDXL 1.0';
  const per = imageBurn(imageGenKudos(s, model), {
    img2img: s.denoise !== undefined,
    ...(s.postProcessing ? { postProcessing: s.postProcessing } : {}),
    slowWorkers: o.slowWorkers,
    workerBlacklist: o.workerBlacklist,
  });
  return pyRound(per * o.n + IMAGE_REQUEST_TAX, 2);
}
