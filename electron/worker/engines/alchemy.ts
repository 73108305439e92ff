/**
 * Alchemy (interrogation) forms in Node: each form runs on the model present for
 * it, through the matching transformers.js pipeline. Results read as the AI Horde
 * alchemist's do: caption → { caption }, nsfw → { nsfw: 'true' | 'false' }.
 */
import * as tf from '@huggingface/transformers';
import {
  chooseDtype,
  progressReporter,
  resolveModel,
  sessionOptions,
  withLocalModel,
  type NodeLoadOptions,
} from './loading';
import { INTERROGATION_TAGS } from './interrogation-tags';
import type { AlchemyEngine, AlchemyForm, AlchemyImage, AlchemyResult } from './types';

export interface AlchemyLoadOptions extends NodeLoadOptions {
  /** Model names (folders) to load; each serves the forms its config says (see classifyModel). */
  models: string[];
  /** New tokens at most for a caption. */
  captionMaxTokens?: number;
  /** Candidate tags the interrogation form ranks (default INTERROGATION_TAGS). */
  interrogationTags?: readonly string[];
  /** How many ranked tags an interrogation returns. */
  interrogationTopTags?: number;
}

const NSFW_LABELS = new Set(['nsfw', 'porn', 'hentai', 'sexy']);

type FormRunner = (image: tf.RawImage) => Promise<AlchemyResult>;

interface Disposable {
  dispose(): Promise<unknown>;
}

export async function loadAlchemyEngine(options: AlchemyLoadOptions): Promise<AlchemyEngine> {
  const device = options.device ?? 'cpu';
  const runners = new Map<AlchemyForm, FormRunner>();
  const loaded: Disposable[] = [];
  const progress_callback = progressReporter(options.onProgress);
  const baseOptions = { device, session_options: sessionOptions(options.threads), progress_callback };

  for (const name of options.models) {
    const info = await resolveModel(options.modelsDir, name, options.scan);
    if (info.kind !== 'alchemy') throw new Error(`model "${name}" serves no alchemy form`);
    const pipelineOptions = { ...baseOptions, dtype: await chooseDtype(info.path) };
    if (info.task === 'image-to-text') {
      const captioner = await withLocalModel(info, (id) => tf.pipeline('image-to-text', id, pipelineOptions));
      loaded.push(captioner);
      runners.set('caption', async (image) => {
        const out = (await captioner(image, { max_new_tokens: options.captionMaxTokens ?? 30 })) as {
          generated_text: string;
        }[];
        return { kind: 'text', values: { caption: out[0]?.generated_text ?? '' } };
      });
    } else if (info.task === 'image-classification') {
      const classifier = await withLocalModel(info, (id) =>
        tf.pipeline('image-classification', id, pipelineOptions),
      );
      loaded.push(classifier);
      runners.set('nsfw', async (image) => {
        // null asks for every label (topk reads null as "all"); the typings only allow numbers.
        const scores = (await classifier(image, { top_k: null as unknown as number })) as {
          label: string;
          score: number;
        }[];
        const nsfw = scores
          .filter((s) => NSFW_LABELS.has(s.label.toLowerCase()))
          .reduce((sum, s) => sum + s.score, 0);
        return { kind: 'text', values: { nsfw: nsfw > 0.5 ? 'true' : 'false' } };
      });
    } else if (info.task === 'zero-shot-image-classification') {
      const tagger = await withLocalModel(info, (id) =>
        tf.pipeline('zero-shot-image-classification', id, pipelineOptions),
      );
      loaded.push(tagger);
      const tags = [...(options.interrogationTags ?? INTERROGATION_TAGS)];
      runners.set('interrogation', async (image) => {
        const ranked = (await tagger(image, tags, { hypothesis_template: 'a picture of {}' })) as {
          label: string;
          score: number;
        }[];
        const top = ranked.slice(0, options.interrogationTopTags ?? 5);
        return {
          kind: 'text',
          values: { interrogation: top.map((t) => t.label).join(', ') },
          data: { interrogation: { tags: top.map((t) => ({ text: t.label, confidence: t.score })) } },
        };
      });
    } else if (info.task === 'background-removal') {
      const remover = await withLocalModel(info, (id) =>
        tf.pipeline('background-removal', id, pipelineOptions),
      );
      loaded.push(remover);
      runners.set('strip_background', async (image) => ({
        kind: 'image',
        image: fromRawImage((await remover(image)) as unknown as tf.RawImage),
      }));
    } else if (info.task === 'image-to-image') {
      const upscaler = await withLocalModel(info, (id) => tf.pipeline('image-to-image', id, pipelineOptions));
      loaded.push(upscaler);
      runners.set('upscale', async (image) => ({
        kind: 'image',
        image: fromRawImage((await upscaler(image)) as unknown as tf.RawImage),
      }));
    } else {
      throw new Error(`model "${name}" (${info.task}) is not supported by the Node alchemy engine yet`);
    }
  }
  options.onProgress?.({ fraction: 1 });

  return {
    backend: device,
    forms: [...runners.keys()],
    async run(form, image, signal) {
      const runner = runners.get(form);
      if (!runner) throw new Error(`no model loaded for the ${form} form`);
      signal?.throwIfAborted();
      const result = await runner(toRawImage(image));
      signal?.throwIfAborted();
      return result;
    },
    async dispose() {
      await Promise.all(loaded.map((p) => p.dispose()));
    },
  };
}

export function toRawImage(image: AlchemyImage): tf.RawImage {
  if (image.data.length !== image.width * image.height * 4)
    throw new Error('image data must be RGBA, width × height × 4 bytes');
  return new tf.RawImage(
    new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength),
    image.width,
    image.height,
    4,
  );
}

export function fromRawImage(raw: tf.RawImage): AlchemyImage {
  const rgba = raw.rgba();
  return {
    width: rgba.width,
    height: rgba.height,
    data: new Uint8Array(rgba.data.buffer, rgba.data.byteOffset, rgba.data.byteLength),
  };
}
