/**
 * Image model baselines (IMAGE-API.md §D): the horde prices and rewards an
 * image by its model's baseline, read from the image model reference. We
 * carry the names the app can serve or will see most, and the AI Horde's
 * rule for the rest: an unknown name counts as Stable Diffusion 1, or SDXL
 * when "[SDXL]" is in its name.
 */
export type ImageBaseline =
  | 'stable diffusion 1'
  | 'stable diffusion 2'
  | 'stable diffusion 2 512'
  | 'stable_diffusion_xl'
  | 'stable_cascade'
  | 'flux_1'
  | 'qwen_image'
  | 'z_image_turbo';

/**
 * The names IMAGE-API.md §D lists, as the reference spells them. The reference
 * has 161 entries; the others fall to the name rule below, which gives the
 * same baseline for all but the 4 SD2 ones and the non-"[SDXL]"-named SDXL
 * finetunes (priced as SD1 here: cheaper, never dearer).
 */
export const IMAGE_MODEL_REFERENCE: Readonly<Record<string, ImageBaseline>> = {
  stable_diffusion: 'stable diffusion 1',
  stable_diffusion_inpainting: 'stable diffusion 1',
  'stable_diffusion_2.1': 'stable diffusion 2',
  'SDXL 1.0': 'stable_diffusion_xl',
};

export function imageBaseline(model: string): ImageBaseline {
  const known = IMAGE_MODEL_REFERENCE[model];
  if (known) return known;
  return model.includes('[SDXL]') ? 'stable_diffusion_xl' : 'stable diffusion 1';
}

export function isKnownImageModel(model: string): boolean {
  return model in IMAGE_MODEL_REFERENCE;
}

/** The side the model was trained at (horde-model-reference `model_consts/image.py`): the window's first size preset. */
export function nativeSide(model: string): number {
  const b = imageBaseline(model);
  if (b === 'stable diffusion 1' || b === 'stable diffusion 2 512') return 512;
  if (b === 'stable diffusion 2') return 768;
  return 1024;
}

/** The worker's reward multiplier by baseline (`ImageProcessingGeneration.get_gen_kudos`). */
export function baselineMultiplier(model: string, o: { hiresFix?: boolean; qrCode?: boolean } = {}): number {
  switch (imageBaseline(model)) {
    case 'stable_diffusion_xl':
      return o.qrCode ? 4 : 2;
    case 'stable_cascade':
      return o.hiresFix ? 7 : 4;
    case 'flux_1':
    case 'z_image_turbo':
      return 8;
    case 'qwen_image':
      return 12;
    default:
      return 1;
  }
}

/** Baselines whose free resolution is raised to 1024² in the upfront rule. */
export function isLargeBaseline(model: string): boolean {
  const b = imageBaseline(model);
  return b === 'stable_diffusion_xl' || b === 'stable_cascade' || b === 'flux_1';
}

/** flux, qwen and z-image jobs get three times the time limit. */
export function isSlowBaseline(model: string): boolean {
  const b = imageBaseline(model);
  return b === 'flux_1' || b === 'qwen_image' || b === 'z_image_turbo';
}
