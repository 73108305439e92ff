/**
 * The diffusers / Optimum ONNX Stable Diffusion layout (IMAGE-API.md §E), stated once for the
 * scanner (which folders are image models) and the loader (what it reads): the ONNX parts, the
 * scheduler config and a CLIP tokenizer — `tokenizer.json` (Optimum, transformers.js) or the slow
 * tokenizer's `vocab.json` + `merges.txt` (diffusers' export script).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';

/** The parts every SD folder needs; `vae_encoder/model.onnx` is optional (img2img only). */
export const SD_PARTS = ['text_encoder', 'unet', 'vae_decoder'] as const;
export const SD_SCHEDULER_CONFIG = 'scheduler/scheduler_config.json';
export const SD_TOKENIZER_FILES = {
  fast: ['tokenizer/tokenizer.json', 'tokenizer/tokenizer_config.json'],
  slow: ['tokenizer/vocab.json', 'tokenizer/merges.txt'],
} as const;

export function sdPartFile(dir: string, part: string): string {
  return path.join(dir, part, 'model.onnx');
}

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

export interface SdLayout {
  /** The folder has unet/model.onnx: it means to be an SD folder. */
  looksLikeSd: boolean;
  /** What is missing for the pipeline to load it (empty: it loads). */
  missing: string[];
  hasVaeEncoder: boolean;
  tokenizer: 'fast' | 'slow' | null;
}

export async function readSdLayout(dir: string): Promise<SdLayout> {
  const missing: string[] = [];
  for (const part of SD_PARTS) if (!(await exists(sdPartFile(dir, part)))) missing.push(`${part}/model.onnx`);
  if (!(await exists(path.join(dir, SD_SCHEDULER_CONFIG)))) missing.push(SD_SCHEDULER_CONFIG);
  const has = async (files: readonly string[]): Promise<boolean> =>
    (await Promise.all(files.map((f) => exists(path.join(dir, f))))).every(Boolean);
  const tokenizer = (await has(SD_TOKENIZER_FILES.fast))
    ? 'fast'
    : (await has(SD_TOKENIZER_FILES.slow))
      ? 'slow'
      : null;
  if (!tokenizer) missing.push('tokenizer/tokenizer.json (or tokenizer/vocab.json and merges.txt)');
  return {
    looksLikeSd: await exists(sdPartFile(dir, 'unet')),
    missing,
    hasVaeEncoder: await exists(sdPartFile(dir, 'vae_encoder')),
    tokenizer,
  };
}
