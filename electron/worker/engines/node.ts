/**
 * Inference in Node on ONNX Runtime through transformers.js (device cpu; cuda or
 * dml where the installed onnxruntime-node has them). Models load from the local
 * models folder or the Hugging Face cache only: nothing is ever downloaded.
 */
import * as tf from '@huggingface/transformers';
import { runTextGeneration } from './generation';
import {
  chooseDtype,
  progressReporter,
  resolveModel,
  sessionOptions,
  withLocalModel,
  type NodeLoadOptions,
} from './loading';
import type { TextEngine } from './types';
import type { DtypeChoice } from './dtype';

export interface TextLoadOptions extends NodeLoadOptions {
  modelName: string;
  /** The name advertised to the horde, when it differs from the folder name. */
  advertisedName?: string;
  /** The dtype setting: `auto` (q8 or q4 on a CPU, q4f16 or fp16 on a GPU, as the folder ships) or one to force. */
  dtype?: DtypeChoice;
}

export async function loadTextEngine(options: TextLoadOptions): Promise<TextEngine> {
  const device = options.device ?? 'cpu';
  const info = await resolveModel(options.modelsDir, options.modelName, options.scan);
  if (info.kind !== 'text') throw new Error(`model "${options.modelName}" is not a text generation model`);
  const progress_callback = progressReporter(options.onProgress);
  const loaded = await withLocalModel(info, async (id) => {
    const tokenizer = await tf.AutoTokenizer.from_pretrained(id, { progress_callback });
    const model = await tf.AutoModelForCausalLM.from_pretrained(id, {
      device,
      dtype: await chooseDtype(info.path, device, options.dtype),
      session_options: sessionOptions(options.threads),
      progress_callback,
    });
    return { model, tokenizer };
  });
  options.onProgress?.({ fraction: 1 });
  return {
    backend: device,
    modelName: options.advertisedName ?? options.modelName,
    generate: (params, generateOptions) => runTextGeneration(tf, loaded, params, generateOptions),
    dispose: async () => {
      await loaded.model.dispose();
    },
  };
}

export { loadAlchemyEngine } from './alchemy';
export type { AlchemyLoadOptions } from './alchemy';
export type { NodeDevice, NodeLoadOptions } from './loading';
