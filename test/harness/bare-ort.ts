/**
 * A bare onnxruntime-node greedy loop with a KV cache over a GPT-2-shaped graph
 * (the layout of test/fixtures/gpt2-graph.ts and the hub's decoder exports): the
 * reference the text engine is checked against (engine tests) and timed against
 * (bench/inference.ts). No transformers.js in it.
 */
import type * as Ort from 'onnxruntime-node';
import type { TextGenParams } from '../../electron/worker/engines/types';

type OrtModule = typeof Ort;
type OrtTensor = InstanceType<OrtModule['Tensor']>;

export interface BareModelConfig {
  n_layer: number;
  n_head: number;
  n_embd: number;
  eos_token_id?: number;
}

export interface BareGeneration {
  tokenIds: number[];
  /** From the call to the first token's id, ms. */
  firstTokenMillis: number;
}

/**
 * The text engine's parameters for the decoding `bareGreedy` does (greedy, no penalty, no stop
 * sequence), so the engine and the bare loop can be compared token for token.
 */
export function greedyParams(prompt: string, maxNewTokens: number, maxContextLength: number): TextGenParams {
  return {
    prompt,
    maxNewTokens,
    maxContextLength,
    temperature: 0,
    topK: 0,
    topP: 1,
    repPen: 1,
    stopSequences: [],
    seed: 0,
  };
}

/** Greedy ids after `prompt`, stopping at the eos or after `newTokens`. */
export async function bareGreedy(
  ort: OrtModule,
  session: Ort.InferenceSession,
  config: BareModelConfig,
  prompt: readonly number[],
  newTokens: number,
): Promise<BareGeneration> {
  const start = performance.now();
  const heads = config.n_head;
  const headDim = config.n_embd / config.n_head;
  const feedsPositions = session.inputNames.includes('position_ids');
  let first = Number.NaN;
  const out: number[] = [];
  const empty = new Float32Array(0);
  let past: Record<string, OrtTensor> = {};
  for (let i = 0; i < config.n_layer; i++) {
    past[`past_key_values.${i}.key`] = new ort.Tensor('float32', empty, [1, heads, 0, headDim]);
    past[`past_key_values.${i}.value`] = new ort.Tensor('float32', empty, [1, heads, 0, headDim]);
  }
  let step: readonly number[] = prompt;
  let total = 0;
  for (let t = 0; t < newTokens; t++) {
    const pastLen = total;
    total += step.length;
    const feeds: Record<string, OrtTensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(step, BigInt), [1, step.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      ...past,
    };
    if (feedsPositions) {
      const pos = BigInt64Array.from({ length: step.length }, (_, k) => BigInt(pastLen + k));
      feeds.position_ids = new ort.Tensor('int64', pos, [1, step.length]);
    }
    const result = await session.run(feeds);
    const logits = result.logits as OrtTensor;
    const vocab = logits.dims[2] as number;
    const data = logits.data as Float32Array;
    const base = (step.length - 1) * vocab;
    let best = 0;
    let bestScore = -Infinity;
    for (let v = 0; v < vocab; v++) {
      const s = data[base + v] as number;
      if (s > bestScore) {
        bestScore = s;
        best = v;
      }
    }
    out.push(best);
    if (t === 0) first = performance.now() - start;
    if (best === config.eos_token_id) break;
    // The step has read the cache it was fed: free it now rather than leave the GC to find it, as
    // the engine does (releaseSpentCache in generation.ts), so the two make the same garbage.
    if (t > 0)
      for (const tensor of Object.values(past))
        ((tensor.data as Float32Array).buffer as ArrayBuffer).transfer(0);
    const next: typeof past = {};
    for (let i = 0; i < config.n_layer; i++) {
      next[`past_key_values.${i}.key`] = result[`present.${i}.key`] as OrtTensor;
      next[`past_key_values.${i}.value`] = result[`present.${i}.value`] as OrtTensor;
    }
    past = next;
    step = [best];
  }
  return { tokenIds: out, firstTokenMillis: first };
}
