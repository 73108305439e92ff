/**
 * A diffusers ONNX Stable Diffusion folder (model_index.json, scheduler/, tokenizer/,
 * text_encoder/, unet/, vae_decoder/, vae_encoder/) loaded on onnxruntime-node.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SdModel } from '../../../shared/diffusion/pipeline';
import { readSdLayout, SD_SCHEDULER_CONFIG, sdPartFile } from '../models/sd-layout';
import { loadClipTokenizer } from './clip-tokenizer';
import { OrtNodeSession, type NodeSessionOptions } from './ort-node-session';

export interface LoadedSdModel extends SdModel {
  dispose(): Promise<void>;
}

export async function loadNodeSdModel(
  dir: string,
  options: NodeSessionOptions & { schedulerOverrides?: Record<string, unknown> } = {},
): Promise<LoadedSdModel> {
  const part = (name: string): string => sdPartFile(dir, name);
  const layout = await readSdLayout(dir);
  if (layout.missing.length > 0)
    throw new Error(`${dir} is not an ONNX Stable Diffusion folder: ${layout.missing.join(', ')} missing`);
  const schedulerConfig = JSON.parse(await readFile(path.join(dir, SD_SCHEDULER_CONFIG), 'utf8')) as Record<
    string,
    unknown
  >;
  const [tokenize, textEncoder, unet, vaeDecoder, vaeEncoder] = await Promise.all([
    loadClipTokenizer(dir),
    OrtNodeSession.load(part('text_encoder'), options),
    OrtNodeSession.load(part('unet'), options),
    OrtNodeSession.load(part('vae_decoder'), options),
    layout.hasVaeEncoder ? OrtNodeSession.load(part('vae_encoder'), options) : undefined,
  ]);
  return {
    tokenize,
    textEncoder,
    unet,
    vaeDecoder,
    ...(vaeEncoder ? { vaeEncoder } : {}),
    schedulerConfig: { ...schedulerConfig, ...options.schedulerOverrides },
    async dispose() {
      await Promise.all([textEncoder.dispose(), unet.dispose(), vaeDecoder.dispose(), vaeEncoder?.dispose()]);
    },
  };
}
