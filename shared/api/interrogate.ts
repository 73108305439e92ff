import { z } from 'zod';
import { BridgeAgent, WorkerName } from './common';

/**
 * Alchemy ("interrogation") bodies, from horde/apis/models/stable_v2.py.
 * The form names are the AI Horde's own: `caption`, `interrogation`, `nsfw`
 * and the post-processors; upscaling is asked for by an upscaler's name
 * (`RealESRGAN_x4plus`, ...), background removal by `strip_background`.
 */
export const TEXT_FORMS = ['caption', 'interrogation', 'nsfw'] as const;
export const UPSCALE_FORMS = [
  'RealESRGAN_x4plus',
  'RealESRGAN_x2plus',
  'RealESRGAN_x4plus_anime_6B',
  'NMKD_Siax',
  '4x_AnimeSharp',
  '4xNomos8kSC',
  '4xLSDIRplus',
  '4xNomosWebPhoto_RealPLKSR',
  '4xNomos2_realplksr_dysample',
  '4xNomos2_hq_dat2',
  '2xModernSpanimationV1',
] as const;
/** An upscaler's name: how a requester asks for upscaling and a worker offers it. */
export type UpscalerName = (typeof UPSCALE_FORMS)[number];
export const IMAGE_FORMS = [
  ...UPSCALE_FORMS,
  'GFPGAN',
  'CodeFormers',
  'RestoreFormer',
  'strip_background',
] as const;
export const ALL_FORMS = [
  ...TEXT_FORMS,
  'vectorize',
  'palette',
  'describe',
  'aesthetic',
  ...IMAGE_FORMS,
] as const;

export const FormName = z.enum(ALL_FORMS);
export type FormName = z.infer<typeof FormName>;

/** True for forms whose result is an image (the worker PUTs it to `r2_upload` and submits "R2"). */
export function isImageForm(form: string): boolean {
  return (IMAGE_FORMS as readonly string[]).includes(form);
}

/** `POST /v2/interrogate/async` body (ModelInterrogationInputStable). */
export const InterrogateAsyncInput = z.object({
  forms: z
    .array(
      z.object({
        name: FormName,
        payload: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .min(1)
    .max(12),
  /** An http(s) URL or a base64 image (webp/png/jpeg). */
  source_image: z.string().min(1),
  trusted_workers: z.boolean().default(false),
  slow_workers: z.boolean().default(true),
  webhook: z.string().optional(),
  dry_run: z.boolean().default(false),
});
export type InterrogateAsyncInput = z.input<typeof InterrogateAsyncInput>;

/** `POST /v2/interrogate/async` answer (202, RequestInterrogationResponse). */
export const InterrogateAsyncResponse = z.object({
  id: z.string().optional(),
  message: z.string().optional(),
  kudos: z.number().optional(),
});

export const FormState = z.enum(['waiting', 'processing', 'done', 'faulted', 'cancelled']);

/** `GET|DELETE /v2/interrogate/status/{id}` answer. */
export const InterrogationStatus = z.object({
  state: z.enum(['waiting', 'processing', 'done', 'faulted', 'partial', 'cancelled']),
  forms: z.array(
    z.object({
      form: z.string(),
      state: FormState,
      /** Text forms: `{caption: "..."}` etc.; image forms: `{strip_background: "<download URL>"}`. */
      result: z.record(z.string(), z.unknown()).nullable().optional(),
    }),
  ),
});
export type InterrogationStatus = z.infer<typeof InterrogationStatus>;

/** `POST /v2/interrogate/pop` body (InterrogationPopInput). */
export const InterrogatePopInput = z.object({
  name: WorkerName,
  priority_usernames: z.array(z.string()).default([]),
  forms: z.array(FormName).min(1),
  amount: z.int().min(1).max(20).default(1),
  bridge_agent: BridgeAgent,
  threads: z.int().min(1).max(100).default(1),
  max_tiles: z.int().min(1).max(256).default(16),
});
export type InterrogatePopInput = z.input<typeof InterrogatePopInput>;

export const InterrogationPopForm = z.object({
  id: z.string(),
  form: z.string(),
  payload: z.record(z.string(), z.unknown()).optional(),
  source_image: z.string(),
  /** Present for image forms: PUT the result image here, then submit `{[form]: "R2"}`. */
  r2_upload: z.string().optional(),
});
export type InterrogationPopForm = z.infer<typeof InterrogationPopForm>;

/** `POST /v2/interrogate/pop` answer (InterrogationPopPayload). */
export const InterrogatePopPayload = z.object({
  forms: z.array(InterrogationPopForm).optional(),
  skipped: z
    .object({
      worker_id: z.int().optional(),
      untrusted: z.int().optional(),
      bridge_version: z.int().optional(),
    })
    .optional(),
});
export type InterrogatePopPayload = z.infer<typeof InterrogatePopPayload>;

/** `POST /v2/interrogate/submit` body. */
export const InterrogateSubmitInput = z.object({
  id: z.string().min(1),
  result: z.record(z.string(), z.unknown()),
  state: z.enum(['ok', 'faulted']).default('ok'),
});
export type InterrogateSubmitInput = z.input<typeof InterrogateSubmitInput>;
