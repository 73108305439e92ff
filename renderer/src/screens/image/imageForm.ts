import { IMAGE_SIDE, IMAGE_STEPS, type Sampler } from '../../../../shared/api/image';
import { ImageRequestSchema, type ImageRequest } from '../../../../shared/bridge/images';

/** The form's state; the request is built from it and checked with the bridge's own schema. */
export interface ImageFormState {
  prompt: string;
  negative: string;
  model: string | null;
  width: number;
  height: number;
  steps: number;
  sampler: Sampler;
  cfgScale: number;
  seed: string;
  n: number;
  karras: boolean;
  postProcessing: string[];
  source: { dataUrl: string; name: string } | null;
  strength: number;
  slowWorkers: boolean;
  trustedWorkers: boolean;
  nsfw: boolean;
}

export const DEFAULT_FORM: ImageFormState = {
  prompt: '',
  negative: '',
  model: null,
  width: IMAGE_SIDE.default,
  height: IMAGE_SIDE.default,
  steps: IMAGE_STEPS.default,
  sampler: 'k_euler_a',
  cfgScale: 7,
  seed: '',
  n: 1,
  karras: true,
  postProcessing: [],
  source: null,
  strength: 0.6,
  slowWorkers: true,
  trustedWorkers: false,
  nsfw: false,
};

/** Size presets for a model trained at `side`: its native square first, then portrait, landscape and a wide one, multiples of 64. */
export function sizePresets(side: number): { label: string; width: number; height: number }[] {
  const r64 = (v: number) => Math.max(IMAGE_SIDE.min, Math.round(v / 64) * 64);
  const tall = r64(side * 1.5);
  return [
    { label: `${side}×${side} (native)`, width: side, height: side },
    { label: `${side}×${tall} portrait`, width: side, height: tall },
    { label: `${tall}×${side} landscape`, width: tall, height: side },
    { label: `${r64(side * 1.75)}×${r64(side)} wide`, width: r64(side * 1.75), height: r64(side) },
  ];
}

/** The request for the bridge, or the first problem in the form's words. */
export function buildRequest(
  f: ImageFormState,
): { ok: true; request: ImageRequest } | { ok: false; message: string } {
  const request: ImageRequest = {
    prompt: f.prompt,
    negative: f.negative,
    model: f.model,
    width: f.width,
    height: f.height,
    steps: f.steps,
    sampler: f.sampler,
    cfgScale: f.cfgScale,
    seed: f.seed.trim(),
    n: f.n,
    karras: f.karras,
    postProcessing: f.postProcessing,
    ...(f.source ? { source: { image: f.source.dataUrl, strength: f.strength } } : {}),
    slowWorkers: f.slowWorkers,
    trustedWorkers: f.trustedWorkers,
    nsfw: f.nsfw,
  };
  const r = ImageRequestSchema.safeParse(request);
  if (r.success) return { ok: true, request };
  const issue = r.error.issues[0];
  const field = issue?.path[0] === 'source' ? 'strength' : String(issue?.path[0] ?? 'request');
  return { ok: false, message: `${field}: ${issue?.message ?? 'invalid'}` };
}
