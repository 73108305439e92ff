import { z } from 'zod';
import { BridgeAgent, WarningItem, WorkerMessage, WorkerName } from './common';

/**
 * Image generation bodies (the AI Horde's "stable" routes), field for field
 * from horde/apis/models/stable_v2.py and the parser of apis/v2/stable.py
 * (IMAGE-API.md §A). Bounds and defaults are the server's, including its
 * quirks: the seed is a string, a missing cfg_scale is 5 and a missing
 * karras is true (`extract_params`), nsfw defaults to true in the parser.
 */

/** `KNOWN_SAMPLERS` (IMAGE-API.md §C). */
export const SAMPLERS = [
  'k_euler',
  'k_euler_a',
  'k_lms',
  'k_heun',
  'k_dpm_2',
  'k_dpm_2_a',
  'k_dpm_fast',
  'k_dpm_adaptive',
  'k_dpmpp_2m',
  'k_dpmpp_2s_a',
  'k_dpmpp_sde',
  'dpmsolver',
  'DDIM',
  'lcm',
] as const;
export const Sampler = z.enum(SAMPLERS);
export type Sampler = z.infer<typeof Sampler>;

/** `KNOWN_POST_PROCESSORS`, with the requester's burn multiplier of each (horde/consts.py). */
export const POST_PROCESSOR_BURN: Readonly<Record<string, number>> = {
  GFPGAN: 1,
  RealESRGAN_x4plus: 1.05,
  RealESRGAN_x2plus: 1.05,
  RealESRGAN_x4plus_anime_6B: 1.05,
  NMKD_Siax: 1.05,
  '4x_AnimeSharp': 1.05,
  CodeFormers: 1,
  strip_background: 1,
  '4xNomos8kSC': 1.05,
  '4xLSDIRplus': 1.05,
  '4xNomosWebPhoto_RealPLKSR': 1.05,
  '4xNomos2_realplksr_dysample': 1.05,
  '4xNomos2_hq_dat2': 1.05,
  '2xModernSpanimationV1': 1.05,
  'GFPGANv1.3': 1,
  RestoreFormer: 1,
};
export const POST_PROCESSORS = Object.keys(POST_PROCESSOR_BURN) as [string, ...string[]];
export const PostProcessor = z.enum(POST_PROCESSORS);
/** A request may ask for at most one of these (rc `TooManyUpscalers`). */
export const UPSCALERS: readonly string[] = POST_PROCESSORS.filter((p) => POST_PROCESSOR_BURN[p] === 1.05);
/** The upscalers that make the horde cut the batch (HEAVY_POST_PROCESSORS). */
export const HEAVY_POST_PROCESSORS: ReadonlySet<string> = new Set([
  'RealESRGAN_x4plus',
  'RealESRGAN_x4plus_anime_6B',
  'NMKD_Siax',
  '4x_AnimeSharp',
  'CodeFormers',
  '4xNomos8kSC',
  '4xLSDIRplus',
  '4xNomos2_hq_dat2',
]);

export const SOURCE_PROCESSING = ['img2img', 'inpainting', 'outpainting', 'remix'] as const;

/** Width and height: 64..3072 in steps of 64, default 512. */
export const IMAGE_SIDE = { min: 64, max: 3072, multiple: 64, default: 512 } as const;
export const IMAGE_STEPS = { min: 1, max: 500, default: 30 } as const;
export const IMAGE_CFG = { min: 0, max: 100, default: 5 } as const;
export const IMAGE_N = { min: 1, max: 20, default: 1 } as const;
export const DENOISE = { min: 0.01, max: 1 } as const;
export const SEED_VARIATION = { min: 1, max: 1000 } as const;

const Side = z.int().min(IMAGE_SIDE.min).max(IMAGE_SIDE.max).multipleOf(IMAGE_SIDE.multiple);

export const LoraInput = z.object({
  name: z.string().min(1).max(255),
  model: z.number().min(-5).max(5).default(1),
  clip: z.number().min(-5).max(5).default(1),
  inject_trigger: z.string().max(30).optional(),
  is_version: z.boolean().default(false),
});
export const TiInput = z.object({
  name: z.string().min(1).max(255),
  inject_ti: z.enum(['prompt', 'negprompt']).optional(),
  strength: z.number().min(-5).max(5).default(1),
});

/** `params` of `POST /v2/generate/async` (ModelGenerationInputStable). Absent fields are filled in by the horde. */
export const ImageParams = z.object({
  sampler_name: Sampler.optional(),
  cfg_scale: z.number().min(IMAGE_CFG.min).max(IMAGE_CFG.max).optional(),
  denoising_strength: z.number().min(DENOISE.min).max(DENOISE.max).optional(),
  hires_fix_denoising_strength: z.number().min(0).max(1).optional(),
  /** A string, as the AI Horde has it; digits are the number, other text is hashed (`seed_to_int`). */
  seed: z.string().max(256).optional(),
  height: Side.optional(),
  width: Side.optional(),
  seed_variation: z.int().min(SEED_VARIATION.min).max(SEED_VARIATION.max).optional(),
  post_processing: z.array(PostProcessor).optional(),
  karras: z.boolean().optional(),
  tiling: z.boolean().optional(),
  hires_fix: z.boolean().optional(),
  clip_skip: z.int().min(1).max(12).optional(),
  control_type: z.string().optional(),
  image_is_control: z.boolean().optional(),
  return_control_map: z.boolean().optional(),
  facefixer_strength: z.number().min(0).max(1).optional(),
  loras: z.array(LoraInput).max(5).optional(),
  tis: z.array(TiInput).max(20).optional(),
  steps: z.int().min(IMAGE_STEPS.min).max(IMAGE_STEPS.max).optional(),
  n: z.int().min(IMAGE_N.min).max(IMAGE_N.max).optional(),
  transparent: z.boolean().optional(),
});
export type ImageParams = z.infer<typeof ImageParams>;

/** `POST /v2/generate/async` body (GenerationInputStable). */
export const ImageAsyncInput = z.object({
  prompt: z.string().min(1),
  params: ImageParams.default({}),
  nsfw: z.boolean().default(true),
  censor_nsfw: z.boolean().default(true),
  trusted_workers: z.boolean().default(false),
  validated_backends: z.boolean().default(true),
  slow_workers: z.boolean().default(true),
  extra_slow_workers: z.boolean().default(false),
  workers: z.array(z.string()).max(5).default([]),
  worker_blacklist: z.boolean().default(false),
  models: z.array(z.string()).default(['stable_diffusion']),
  source_image: z.string().optional(),
  source_processing: z.enum(SOURCE_PROCESSING).default('img2img'),
  source_mask: z.string().optional(),
  extra_source_images: z.array(z.object({ image: z.string(), strength: z.number().optional() })).optional(),
  r2: z.boolean().default(true),
  shared: z.boolean().default(false),
  replacement_filter: z.boolean().default(true),
  dry_run: z.boolean().default(false),
  proxied_account: z.string().optional(),
  disable_batching: z.boolean().default(false),
  allow_downgrade: z.boolean().default(false),
  webhook: z.string().min(10).max(1024).optional(),
  style: z.string().optional(),
});
export type ImageAsyncInput = z.input<typeof ImageAsyncInput>;
export type ImageAsyncParsed = z.output<typeof ImageAsyncInput>;

/** `POST /v2/generate/async` answer: 202 with an id, or 200 `{kudos}` for a dry run. */
export const ImageAsyncResponse = z.object({
  id: z.string().optional(),
  kudos: z.number().optional(),
  message: z.string().optional(),
  warnings: z.array(WarningItem).optional(),
});
export type ImageAsyncResponse = z.infer<typeof ImageAsyncResponse>;

/** `GET /v2/generate/check/{id}` answer (RequestStatusCheck). */
export const ImageCheck = z.object({
  finished: z.int(),
  processing: z.int(),
  restarted: z.int(),
  waiting: z.int(),
  done: z.boolean(),
  faulted: z.boolean(),
  wait_time: z.int(),
  queue_position: z.int(),
  kudos: z.number(),
  is_possible: z.boolean(),
});
export type ImageCheck = z.infer<typeof ImageCheck>;

export const GenMetadata = z.object({
  type: z.string(),
  value: z.string(),
  ref: z.string().max(255).optional(),
});
export type GenMetadata = z.infer<typeof GenMetadata>;

/** One finished image in a status answer (GenerationStable). */
export const ImageGeneration = z.object({
  /** A URL to fetch the WebP from (r2) or the base64 WebP itself. */
  img: z.string(),
  seed: z.string(),
  id: z.string(),
  censored: z.boolean(),
  gen_metadata: z.array(GenMetadata),
  worker_id: z.string(),
  worker_name: z.string(),
  model: z.string(),
  state: z.enum(['ok', 'censored', 'faulted', 'csam']),
});
export type ImageGeneration = z.infer<typeof ImageGeneration>;

/** `GET|DELETE /v2/generate/status/{id}` answer (RequestStatusStable). */
export const ImageStatus = ImageCheck.extend({
  shared: z.boolean(),
  generations: z.array(ImageGeneration),
});
export type ImageStatus = z.infer<typeof ImageStatus>;

/** `POST /v2/generate/pop` body (PopInputStable). */
export const ImagePopInput = z.object({
  name: WorkerName,
  priority_usernames: z.array(z.string()).default([]),
  nsfw: z.boolean().default(true),
  models: z.array(z.string().min(3).max(255)).default([]),
  bridge_agent: BridgeAgent,
  threads: z.int().min(1).max(50).default(1),
  require_upfront_kudos: z.boolean().default(false),
  amount: z.int().min(1).max(20).default(1),
  extra_slow_worker: z.boolean().default(false),
  max_pixels: z
    .int()
    .min(1)
    .default(512 * 512),
  blacklist: z.array(z.string()).default([]),
  allow_img2img: z.boolean().default(true),
  allow_painting: z.boolean().default(true),
  allow_unsafe_ipaddr: z.boolean().default(true),
  allow_post_processing: z.boolean().default(true),
  allow_controlnet: z.boolean().default(false),
  allow_sdxl_controlnet: z.boolean().default(false),
  allow_lora: z.boolean().default(false),
  limit_max_steps: z.boolean().default(false),
});
export type ImagePopInput = z.input<typeof ImagePopInput>;

/** What the worker runs: the request's params plus `prompt`, `ddim_steps`, `n_iter`, and the seed as a string. */
export const ImageJobPayload = ImageParams.omit({ steps: true, n: true }).extend({
  prompt: z.string(),
  ddim_steps: z.int(),
  n_iter: z.int(),
  batch_size: z.int(),
  seed: z.string(),
  use_nsfw_censor: z.boolean().optional(),
});
export type ImageJobPayload = z.infer<typeof ImageJobPayload>;

export const IMAGE_SKIPPED_REASONS = [
  'worker_id',
  'performance',
  'nsfw',
  'blacklist',
  'untrusted',
  'models',
  'bridge_version',
  'kudos',
  'max_pixels',
  'step_count',
  'unsafe_ip',
  'img2img',
  'painting',
  'post-processing',
  'lora',
  'controlnet',
] as const;
export type ImageSkippedReason = (typeof IMAGE_SKIPPED_REASONS)[number];
export const ImagePopSkipped = z.partialRecord(z.enum(IMAGE_SKIPPED_REASONS), z.int());
export type ImagePopSkipped = z.infer<typeof ImagePopSkipped>;

/** `POST /v2/generate/pop` answer (GenerationPayloadStable). With no job: `{id: null, ids: [], skipped}`. */
export const ImagePopPayload = z.object({
  payload: ImageJobPayload.optional(),
  id: z.string().nullable(),
  ids: z.array(z.string()),
  model: z.string().optional(),
  ttl: z.int().optional(),
  source_image: z.string().optional(),
  source_processing: z.enum(SOURCE_PROCESSING).optional(),
  source_mask: z.string().optional(),
  /** PUT the first job's WebP here (`r2_uploads[i]` for job `ids[i]`), then submit `generation: "R2"`. */
  r2_upload: z.string().optional(),
  r2_uploads: z.array(z.string()).optional(),
  messages: z.array(WorkerMessage).optional(),
  skipped: ImagePopSkipped.optional(),
});
export type ImagePopPayload = z.infer<typeof ImagePopPayload>;

/** `POST /v2/generate/submit` body (SubmitInputStable). */
export const ImageSubmitInput = z.object({
  id: z.string().min(1),
  /** "R2" after a PUT to the job's upload URL, else the base64 WebP. */
  generation: z.string(),
  state: z.enum(['ok', 'censored', 'faulted', 'csam']).default('ok'),
  seed: z.union([z.int(), z.string().regex(/^\d+$/).transform(Number)]),
  gen_metadata: z.array(GenMetadata).max(50).optional(),
});
export type ImageSubmitInput = z.input<typeof ImageSubmitInput>;
