/**
 * A diffusers ONNX Stable Diffusion folder (model_index.json, scheduler/, tokenizer/,
 * text_encoder/, unet/, vae_decoder/, vae_encoder/) loaded on onnxruntime-node.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SdModel } from '../../../shared/diffusion/pipeline';
import { loadClipTokenizer } from './clip-tokenizer';
import { OrtNodeSession, type NodeSessionOptions } from './ort-node-session';

export interface LoadedSdModel extends SdModel {
  dispose(): Promise<void>;
}

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

export async function loadNodeSdModel(
  dir: string,
  options: NodeSessionOptions & { schedulerOverrides?: Record<string, unknown> } = {},
): Promise<LoadedSdModel> {
  const part = (name: string): string => path.join(dir, name, 'model.onnx');
  for (const name of ['text_encoder', 'unet', 'vae_decoder']) {
    if (!(await exists(part(name))))
      throw new Error(`${dir} is not an ONNX Stable Diffusion folder: ${name}/model.onnx is missing`);
  }
  const schedulerConfig = JSON.parse(
    await readFile(path.join(dir, 'scheduler', 'scheduler_config.json'), 'utf8'),
  ) as Record<string, unknown>;
  const [tokenize, textEncoder, unet, vaeDecoder, vaeEncoder] = await Promise.all([
    loadClipTokenizer(dir),
    OrtNodeSession.load(part('text_encoder'), options),
    OrtNodeSession.load(part('unet'), options),
    OrtNodeSession.load(part('vae_decoder'), options),
    exists(part('vae_encoder')).then((yes) =>
      yes ? OrtNodeSession.load(part('vae_encoder'), options) : undefined,
    ),
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
