import { z } from 'zod';
import {
  DENOISE,
  IMAGE_CFG,
  IMAGE_N,
  IMAGE_SIDE,
  IMAGE_STEPS,
  POST_PROCESSORS,
  SAMPLERS,
} from '../api/image';
import type { Milli } from './kudos';

/**
 * The bridge's image channels: what the Image request screen sends and gets
 * back. Bounds are the horde's (shared/api/image.ts), so the form, the
 * bridge and the horde refuse the same things. Kudos are milli-kudos (`Milli`, shared/bridge/kudos.ts),
 * converted once where the horde's answer enters (electron/bridge/image-requests.ts).
 */

/** 10 MiB of base64 is ~7.5 MiB of image: more than the horde accepts anyway. */
const MAX_IMAGE_CHARS = 10 * 1024 * 1024;
const Base64Image = z
  .string()
  .max(MAX_IMAGE_CHARS, 'the image is too large (at most about 7 MB)')
  .regex(
    /^(data:image\/(png|jpeg|webp);base64,)?[A-Za-z0-9+/]+={0,2}$/,
    'the image must be a PNG, JPEG or WebP as a data: URL or base64',
  );

const Side = z
  .int()
  .min(IMAGE_SIDE.min)
  .max(IMAGE_SIDE.max)
  .refine((v) => v % IMAGE_SIDE.multiple === 0, `sides are multiples of ${IMAGE_SIDE.multiple}`);

export const ImageRequestSchema = z
  .object({
    prompt: z.string().trim().min(1, 'write a prompt').max(30_000),
    negative: z.string().max(30_000).default(''),
    /** null = any model. */
    model: z.string().min(1).max(255).nullable(),
    width: Side,
    height: Side,
    steps: z.int().min(IMAGE_STEPS.min).max(IMAGE_STEPS.max),
    sampler: z.enum(SAMPLERS),
    cfgScale: z.number().min(IMAGE_CFG.min).max(IMAGE_CFG.max).multipleOf(0.01),
    /** '' = a random seed per image. */
    seed: z.string().max(64).default(''),
    seedVariation: z.int().min(1).max(1000).optional(),
    n: z.int().min(IMAGE_N.min).max(IMAGE_N.max),
    karras: z.boolean(),
    postProcessing: z
      .array(z.enum(POST_PROCESSORS as [string, ...string[]]))
      .max(4)
      .default([]),
    source: z
      .object({ image: Base64Image, strength: z.number().min(DENOISE.min).max(DENOISE.max) })
      .strict()
      .optional(),
    slowWorkers: z.boolean().default(true),
    trustedWorkers: z.boolean().default(false),
    nsfw: z.boolean().default(false),
  })
  .strict();
export type ImageRequest = z.input<typeof ImageRequestSchema>;
export type ImageRequestParsed = z.output<typeof ImageRequestSchema>;

export interface ImageModelView {
  name: string;
  /** Workers serving it now. */
  count: number;
  /** Images queued for it (the horde's `jobs`). */
  queued: number;
  /** Seconds the horde estimates to clear its queue. */
  eta: number;
  /** The side it was trained at: the first size preset. */
  nativeSide: number;
}

export interface ImagePrice {
  /** The horde's dry run. */
  kudos: Milli;
  /** The account's spendable milli-kudos (its balance less what running requests hold). */
  available: Milli;
  after: Milli;
  /** Why this request needs its kudos up front (plain sentences); empty when it does not. */
  upfront: string[];
  /** Upfront kudos needed and not there: the horde will refuse it. */
  refused: boolean;
  /** Online workers for the model (any model when none is chosen); null when the horde does not say. */
  workers: number | null;
}

/** One delivered image, kept in the gallery (a file in the data folder) across restarts. */
export interface GalleryImage {
  id: string;
  requestId: string;
  createdAt: number;
  prompt: string;
  negative: string;
  model: string;
  seed: string;
  width: number;
  height: number;
  steps: number;
  sampler: string;
  cfgScale: number;
  karras: boolean;
  /** img2img strength, when the image was made from a source. */
  strength?: number;
  postProcessing: string[];
  censored: boolean;
  workerName: string;
  /** The horde it came from (URL). */
  horde: string;
  bytes: number;
}

export type ImageJobState =
  'waiting' | 'processing' | 'done' | 'faulted' | 'cancelled' | 'expired' | 'failed';

export interface ImageJobView {
  id: string;
  state: ImageJobState;
  n: number;
  finished: number;
  waiting: number;
  processing: number;
  restarted: number;
  /** Position in the horde's queue (1 = next): not a time. */
  queuePosition: number;
  /** Seconds the horde estimates: a time, apart from the position. */
  waitTime: number;
  isPossible: boolean;
  /** Spent so far, as the horde's status says. */
  kudos: Milli;
  /** The images delivered, fetched into the gallery once the request ended. */
  images: GalleryImage[];
  /** Nothing more will change: the window stops asking. */
  settled: boolean;
  error?: { rc: string; message: string };
}

export interface ImageFile {
  /** A data: URL the window can show or save. */
  dataUrl: string;
  /** A file name with the right extension. */
  filename: string;
}

export const ImageIdSchema = z.object({ id: z.string().min(1).max(200) }).strict();
export const ImageFileSchema = z
  .object({ id: z.string().min(1).max(200), format: z.enum(['webp', 'png']) })
  .strict();
export const GalleryQuerySchema = z.object({ limit: z.int().min(1).max(1000).optional() }).strict();
export const GalleryDeleteSchema = z
  .object({ ids: z.array(z.string().min(1).max(200)).min(1).max(1000) })
  .strict();

/** The image channels, merged into BridgeHandlers. */
export interface ImageHandlers {
  'images:models': (arg: void) => Promise<ImageModelView[]>;
  'images:price': (arg: ImageRequest) => Promise<ImagePrice>;
  'images:submit': (
    arg: ImageRequest,
  ) => Promise<{ id: string; kudos: Milli; warnings: { code: string; message: string }[] }>;
  'images:status': (arg: { id: string }) => Promise<ImageJobView>;
  'images:cancel': (arg: { id: string }) => Promise<ImageJobView>;
  'images:gallery': (arg: { limit?: number }) => Promise<GalleryImage[]>;
  /** The image as a data URL, WebP as delivered or PNG, both with the prompt and settings in the file's metadata. */
  'images:file': (arg: { id: string; format: 'webp' | 'png' }) => Promise<ImageFile>;
  'images:delete': (arg: { ids: string[] }) => Promise<{ removed: number }>;
}

/**
 * Main → window pushes about image requests, merged into BridgeEvents. The image request tracker
 * (electron/bridge/image-requests.ts) pushes a request's view whenever it changes: the window's one
 * source of image updates after its first look (`images:status`).
 */
export interface ImageEvents {
  'image:updated': ImageJobView;
}

export const IMAGE_EVENTS = ['image:updated'] as const satisfies readonly (keyof ImageEvents)[];

export const IMAGE_CHANNELS = [
  'images:models',
  'images:price',
  'images:submit',
  'images:status',
  'images:cancel',
  'images:gallery',
  'images:file',
  'images:delete',
] as const satisfies readonly (keyof ImageHandlers)[];

/** The settings text written into a downloaded file (the A1111 "parameters" form many tools read). */
export function imageParametersText(g: GalleryImage): string {
  const lines = [g.prompt];
  if (g.negative.trim() !== '') lines.push(`Negative prompt: ${g.negative}`);
  const fields = [
    `Steps: ${g.steps}`,
    `Sampler: ${g.sampler}${g.karras ? ' Karras' : ''}`,
    `CFG scale: ${g.cfgScale}`,
    `Seed: ${g.seed}`,
    `Size: ${g.width}x${g.height}`,
    `Model: ${g.model}`,
    ...(g.strength !== undefined ? [`Denoising strength: ${g.strength}`] : []),
    ...(g.postProcessing.length > 0 ? [`Post-processing: ${g.postProcessing.join(', ')}`] : []),
    `Horde: ${g.horde}`,
    `Worker: ${g.workerName}`,
  ];
  lines.push(fields.join(', '));
  return lines.join('\n');
}
