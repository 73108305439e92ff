/**
 * Text generation with the horde's parameters on a loaded transformers.js model.
 * Runtime-neutral: the transformers.js module is passed in, so the same code runs
 * in Node (onnxruntime-node) and bundled into the browser engine page
 * (onnxruntime-web); only types are imported here.
 */
import type * as Transformers from '@huggingface/transformers';
import { cpuBuffer, free } from './buffers';
import { planDecodeLoop, type DecodeArgs, type DecodeRuntime, type RowProcessor } from './decode-loop';
import { pacedPass } from './pace';
import { filterTopKTopP } from './sampling';
import type { GenerateOptions, TextGenParams, TextGenResult } from './types';

export { filterTopKTopP } from './sampling';

export type TransformersRuntime = DecodeRuntime &
  Pick<typeof Transformers, 'StoppingCriteria' | 'LogitsProcessor' | 'LogitsProcessorList'>;

type GenerateArgs = Parameters<Transformers.PreTrainedModel['generate']>[0];

export interface LoadedTextModel {
  model: Transformers.PreTrainedModel;
  tokenizer: Transformers.PreTrainedTokenizer;
}

export function isGreedy(params: Pick<TextGenParams, 'temperature'>): boolean {
  return params.temperature <= 0;
}

/** Prompt token ids, keeping the newest `maxContextLength` (at least one token, the eos when the prompt is empty). */
export function promptIds(loaded: LoadedTextModel, params: TextGenParams): number[] {
  const ids = loaded.tokenizer.encode(params.prompt);
  // Leave room for at least one new token within the model's positions.
  const keep = Math.max(1, Math.min(Math.floor(params.maxContextLength), maxPositions(loaded) - 1));
  const kept = ids.slice(Math.max(0, ids.length - keep));
  return kept.length > 0 ? kept : [eosTokenId(loaded)];
}

/** Positions the model can embed; prompt plus new tokens must fit. */
export function maxPositions(loaded: LoadedTextModel): number {
  const config = loaded.model.config as { n_positions?: number; max_position_embeddings?: number };
  return config.n_positions ?? config.max_position_embeddings ?? Number.MAX_SAFE_INTEGER;
}

export function eosTokenId(loaded: LoadedTextModel): number {
  const fromConfig = (loaded.model.config as { eos_token_id?: number | number[] }).eos_token_id;
  const id = Array.isArray(fromConfig) ? fromConfig[0] : fromConfig;
  return id ?? loaded.tokenizer.eos_token_id;
}

/** Where the earliest stop sequence starts in `text`, or -1. */
export function firstStop(text: string, stopSequences: readonly string[]): number {
  let at = -1;
  for (const stop of stopSequences) {
    if (!stop) continue;
    const i = text.indexOf(stop);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

/**
 * Which way a generation runs: `auto` takes our own decode loop (decode-loop.ts) where it applies
 * and transformers.js' generate elsewhere; `generate` always takes generate (the tests compare the
 * two token for token).
 */
export type GenerationPath = 'auto' | 'generate';

export async function runTextGeneration(
  tf: TransformersRuntime,
  loaded: LoadedTextModel,
  params: TextGenParams,
  options: GenerateOptions = {},
  path: GenerationPath = 'auto',
): Promise<TextGenResult> {
  const started = performance.now();
  const { signal, onToken } = options;
  if (signal?.aborted)
    return { text: '', tokenIds: [], seed: params.seed, finishReason: 'aborted', millis: 0 };

  const prompt = promptIds(loaded, params);
  const decode = (ids: number[]): string => loaded.tokenizer.decode(ids, { skip_special_tokens: true });
  let aborted = false;
  let stopped = false;
  // Runs after every new token, with the new ones so far: the only point where generation can be cut short.
  const afterToken = (generated: readonly number[]): boolean => {
    onToken?.(generated.length, params.maxNewTokens);
    if (signal?.aborted) aborted = true;
    else if (params.stopSequences.length > 0 && firstStop(decode([...generated]), params.stopSequences) >= 0)
      stopped = true;
    return aborted || stopped;
  };

  const greedy = isGreedy(params);
  const processors = new tf.LogitsProcessorList();
  const topK = Math.max(0, Math.floor(params.topK));
  if (!greedy && (topK > 0 || (params.topP > 0 && params.topP < 1))) {
    processors.push(topKTopPProcessor(tf, topK, params.topP));
  }
  if (!greedy) tf.random.seed(params.seed);
  const args: DecodeArgs = {
    max_new_tokens: Math.max(
      1,
      Math.min(Math.floor(params.maxNewTokens), maxPositions(loaded) - prompt.length),
    ),
    do_sample: !greedy,
    temperature: greedy ? 1 : params.temperature,
    // The horde's 0 means "no top-k"; transformers.js' own default would be 50.
    top_k: greedy ? 0 : topK,
    repetition_penalty: params.repPen > 0 ? params.repPen : 1,
  };
  const plan =
    path === 'auto'
      ? planDecodeLoop(tf, loaded.model, args, processors, prompt.length)
      : { fallback: 'asked for generate' };
  const tokenIds =
    'loop' in plan
      ? await plan.loop.run(prompt, { afterToken, speed: options.speed })
      : await viaGenerate(tf, loaded.model, prompt, args, processors, afterToken, options.speed);

  const fullText = decode(tokenIds);
  const stopAt = firstStop(fullText, params.stopSequences);
  const finishReason: TextGenResult['finishReason'] = aborted
    ? 'aborted'
    : stopped || stopAt >= 0
      ? 'stop'
      : tokenIds.at(-1) === eosTokenId(loaded)
        ? 'eos'
        : 'length';
  return {
    text: stopAt >= 0 ? fullText.slice(0, stopAt) : fullText,
    tokenIds,
    seed: params.seed,
    finishReason,
    millis: performance.now() - started,
  };
}

/** The new ids after `prompt` from transformers.js' generate, for what the decode loop does not handle. */
async function viaGenerate(
  tf: TransformersRuntime,
  model: Transformers.PreTrainedModel,
  prompt: readonly number[],
  args: DecodeArgs,
  processors: Transformers.LogitsProcessorList,
  afterToken: (generated: readonly number[]) => boolean,
  speed: (() => number) | undefined,
): Promise<number[]> {
  class HordeStopping extends tf.StoppingCriteria {
    // Declared as number[][]; transformers.js passes bigint ids, which Number() reads alike.
    override _call(inputIds: number[][]): boolean[] {
      return [afterToken((inputIds[0] ?? []).slice(prompt.length).map(Number))];
    }
  }
  const inputIds = new tf.Tensor(
    'int64',
    BigInt64Array.from(prompt, (id) => BigInt(id)),
    [1, prompt.length],
  );
  const attentionMask = new tf.Tensor('int64', new BigInt64Array(prompt.length).fill(1n), [1, prompt.length]);
  const untrim = lastLogitsOnly(tf, model);
  const unrelease = releaseSpentCache(model);
  const unpace = paceForward(model, speed);
  const output = (await model
    .generate({
      inputs: inputIds,
      attention_mask: attentionMask,
      ...args,
      stopping_criteria: [new HordeStopping()],
      logits_processor: processors,
    } as GenerateArgs)
    .finally(() => {
      unpace();
      unrelease();
      untrim();
    })) as Transformers.Tensor;
  const all = (output.tolist() as bigint[][])[0] ?? [];
  return all.slice(prompt.length).map(Number);
}

/**
 * Keeps only the last position's logits of each forward pass, on this instance and for one
 * generate call (the returned function puts the model back). transformers.js' generate reads no
 * other position, but takes the last row out of the whole `[1, positions, vocab]` tensor with a
 * generic slice that walks every element: about 1 ms for a 41-token prompt on GPT-2's 50,257
 * entries, and, at the same rate, some 45 ms before the first token of a 2,048-token context. The row is a view of
 * ONNX Runtime's output, not a copy. Batches of more than one and tensors not in CPU memory are left
 * as they are.
 */
export function lastLogitsOnly(
  tf: Pick<TransformersRuntime, 'Tensor'>,
  model: Pick<Transformers.PreTrainedModel, 'forward'>,
): () => void {
  return wrapForward(model, async (forward, inputs) => {
    const out = (await forward(inputs)) as { logits?: Transformers.Tensor };
    const logits = out?.logits;
    if (!logits || logits.location !== 'cpu' || logits.dims.length !== 3) return out;
    const [batch, positions, vocab] = logits.dims as [number, number, number];
    if (batch !== 1 || positions <= 1) return out;
    const data = logits.data as Float32Array | Uint16Array;
    out.logits = new tf.Tensor(logits.type, data.subarray((positions - 1) * vocab, positions * vocab), [
      1,
      1,
      vocab,
    ]);
    return out;
  });
}

/** A decoder's own past keys and values, which every step replaces: not an encoder's, which every step feeds again. */
const SELF_ATTENTION_CACHE = /^past_key_values\.\d+\.(decoder\.)?(key|value)$/;

/**
 * Frees each step's past keys and values as soon as the step that read them returns, and each
 * step's logits when the next step starts (generate has sampled from a copy of their last row by
 * then), on this instance and for one generate call (the returned function puts the model back).
 * ONNX Runtime hands every step's outputs back in new ArrayBuffers, and transformers.js drops the
 * spent ones for the GC, which frees them only after marking the heap. On GPT-2 small the cache is
 * about 74 KB a cached position, some 220 MB over 64 tokens, and the marking it calls for runs on a
 * helper thread that takes a core from ONNX Runtime's pool, stalling the steps it meets 2–4×
 * (README, Performance). Detaching a buffer (`ArrayBuffer.prototype.transfer(0)`) frees its memory
 * at once. Only buffers this call's own steps returned are freed, never a cache the caller passed
 * in, nor GPU tensors (transformers.js disposes those itself).
 */
export function releaseSpentCache(model: Pick<Transformers.PreTrainedModel, 'forward'>): () => void {
  const returned = new WeakSet<ArrayBuffer>();
  let spentLogits: ArrayBuffer | undefined;
  return wrapForward(model, async (forward, inputs) => {
    free(spentLogits);
    const out = (await forward(inputs)) as Record<string, unknown> | null | undefined;
    spentLogits = cpuBuffer(out?.logits);
    const past = (inputs as { past_key_values?: Record<string, unknown> | null } | null)?.past_key_values;
    for (const name in past ?? {}) {
      const buffer = SELF_ATTENTION_CACHE.test(name) ? cpuBuffer(past?.[name]) : undefined;
      if (buffer && returned.has(buffer)) free(buffer);
    }
    for (const name in out ?? {}) {
      const buffer = name.startsWith('present') ? cpuBuffer(out?.[name]) : undefined;
      if (buffer) returned.add(buffer);
    }
    return out;
  });
}

/**
 * Rests after each forward pass so that the model works `speed()` of the
 * time. transformers.js' generate awaits nothing between tokens but the
 * model's forward (its stopping criteria and logits processors are
 * synchronous), so the pace goes there, on this instance only and for this
 * call only; the returned function puts the model back.
 */
export function paceForward(
  model: Pick<Transformers.PreTrainedModel, 'forward'>,
  speed: (() => number) | undefined,
): () => void {
  if (!speed) return () => {};
  return wrapForward(model, (forward, inputs) => pacedPass(speed, () => forward(inputs)));
}

/**
 * Puts `wrap` around this instance's forward pass (what it had before is what `wrap` calls) and
 * returns the function that puts the instance back as it was: its own `forward` if it had one,
 * else none, so that the prototype's shows through again. Wraps nest and unwind in reverse order.
 */
function wrapForward(
  model: Pick<Transformers.PreTrainedModel, 'forward'>,
  wrap: (forward: (inputs: unknown) => Promise<unknown>, inputs: unknown) => Promise<unknown>,
): () => void {
  const target = model as { forward: (inputs: unknown) => Promise<unknown> };
  const hadOwn = Object.prototype.hasOwnProperty.call(target, 'forward');
  const original = target.forward;
  const forward = (inputs: unknown) => original.call(model, inputs);
  target.forward = (inputs: unknown) => wrap(forward, inputs);
  return () => {
    if (hadOwn) target.forward = original;
    else delete (target as { forward?: unknown }).forward;
  };
}

/**
 * Top-k then nucleus (top-p) filtering, in Hugging Face's order. transformers.js
 * declares a top-p warper but never applies it, and its sampler's own top-k would
 * come after our top-p; doing both here keeps the horde's meaning of the pair.
 */
function topKTopPProcessor(
  tf: TransformersRuntime,
  topK: number,
  topP: number,
): Transformers.LogitsProcessor {
  class TopKTopP extends tf.LogitsProcessor implements RowProcessor {
    filterRow(scores: Float32Array): void {
      filterTopKTopP(scores, topK, topP);
    }

    override _call(_inputIds: bigint[][], logits: Transformers.Tensor): Transformers.Tensor {
      const rows = logits.dims[0] ?? 1;
      for (let r = 0; r < rows; r++) {
        this.filterRow((logits as unknown as Transformers.Tensor[])[r]!.data as Float32Array);
      }
      return logits;
    }
  }
  return new TopKTopP();
}
