/**
 * What a model folder can serve, read from its config.json alone: a causal LM for
 * text jobs, or the alchemy forms an image model answers. Stable Diffusion folders
 * (kind `image`) are recognized by their layout instead (scan.ts `readSdModel`).
 */
import type { AlchemyForm } from '../engines/types';

export type ModelKind = 'text' | 'alchemy' | 'image';

export interface ModelConfigLike {
  model_type?: string;
  architectures?: string[];
  id2label?: Record<string, string>;
}

export interface Classification {
  kind: ModelKind;
  forms: AlchemyForm[];
  /** The transformers.js pipeline task that runs it. */
  task:
    | 'text-generation'
    | 'image-to-text'
    | 'image-classification'
    | 'zero-shot-image-classification'
    | 'background-removal'
    | 'image-to-image'
    /** Our own SD pipeline (shared/diffusion), not a transformers.js task. */
    | 'text-to-image';
}

const CAUSAL_LM = /(ForCausalLM|LMHeadModel)$/;

export function classifyModel(config: ModelConfigLike, folderName = ''): Classification | null {
  const type = config.model_type ?? '';
  const archs = config.architectures ?? [];
  const has = (re: RegExp): boolean => archs.some((a) => re.test(a));
  if (
    type === 'vision-encoder-decoder' ||
    (has(/ForConditionalGeneration$/) && /blip|git|florence/.test(type))
  ) {
    return { kind: 'alchemy', forms: ['caption'], task: 'image-to-text' };
  }
  if (type === 'clip' || type === 'siglip' || type === 'chinese_clip') {
    return { kind: 'alchemy', forms: ['interrogation'], task: 'zero-shot-image-classification' };
  }
  if (has(/ForImageClassification$/)) {
    const labels = Object.values(config.id2label ?? {}).map((l) => l.toLowerCase());
    if (labels.some((l) => l === 'nsfw' || l === 'porn' || l === 'hentai' || l === 'sexy')) {
      return { kind: 'alchemy', forms: ['nsfw'], task: 'image-classification' };
    }
    return null;
  }
  if (has(/ForImageSuperResolution$/) || type === 'swin2sr') {
    return { kind: 'alchemy', forms: ['upscale'], task: 'image-to-image' };
  }
  if (
    ['modnet', 'birefnet', 'isnet'].includes(type) ||
    has(/(ForImageSegmentation|ForSemanticSegmentation)$/) ||
    /rmbg|background|birefnet|modnet/i.test(folderName)
  ) {
    return { kind: 'alchemy', forms: ['strip_background'], task: 'background-removal' };
  }
  if (has(CAUSAL_LM)) return { kind: 'text', forms: [], task: 'text-generation' };
  return null;
}
