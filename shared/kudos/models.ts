/**
 * The text model reference: which model names the horde knows and their size.
 *
 * The AI Horde prices and rewards a text job by the model's parameter count,
 * read from its model reference (Haidra-Org/AI-Horde-text-model-reference,
 * `models.csv` → `db.json`). It does not parse sizes out of names: a model
 * missing from the reference is "unknown" and priced as such, whatever its
 * name says. We keep that rule so a worker's earnings here match the public
 * horde, and carry a slice of the reference (small models a desktop CPU can
 * serve, and the popular sizes) rather than the whole file.
 */

/**
 * Billions of parameters, by the name as it appears in the reference's
 * models.csv, and the longest context the model can hold, from its own
 * config.json (`max_position_embeddings`, `n_positions` for GPT-2).
 */
const REFERENCE_ROWS: ReadonlyArray<readonly [string, number, number]> = [
  ['gpt2', 0.124, 1024],
  ['gpt2-medium', 0.355, 1024],
  ['gpt2-large', 0.774, 1024],
  ['gpt2-xl', 1.5, 1024],
  ['EleutherAI/gpt-neo-125M', 0.125, 2048],
  ['EleutherAI/gpt-neo-1.3B', 1.3, 2048],
  ['EleutherAI/gpt-neo-2.7B', 2.7, 2048],
  ['EleutherAI/gpt-j-6B', 6, 2048],
  ['EleutherAI/gpt-neox-20b', 20, 2048],
  ['EleutherAI/pythia-70m', 0.07, 2048],
  ['EleutherAI/pythia-160m', 0.16, 2048],
  ['EleutherAI/pythia-410m', 0.41, 2048],
  ['EleutherAI/pythia-1b', 1, 2048],
  ['EleutherAI/pythia-1.4b', 1.4, 2048],
  ['EleutherAI/pythia-2.8b', 2.8, 2048],
  ['EleutherAI/pythia-6.9b', 6.9, 2048],
  ['EleutherAI/pythia-12b', 12, 2048],
  ['facebook/opt-125m', 0.125, 2048],
  ['facebook/opt-350m', 0.35, 2048],
  ['facebook/opt-1.3b', 1.3, 2048],
  ['facebook/opt-2.7b', 2.7, 2048],
  ['facebook/opt-6.7b', 6.7, 2048],
  ['facebook/opt-13b', 13, 2048],
  ['facebook/opt-30b', 30, 2048],
  ['bigscience/bloom-560m', 0.56, 2048],
  ['bigscience/bloom-1b7', 1.7, 2048],
  ['bigscience/bloom-3b', 3, 2048],
  ['bigscience/bloom-7b1', 7.1, 2048],
  ['Merry/AID-Neo-125M', 0.125, 2048],
  ['KoboldAI/fairseq-dense-125M', 0.125, 2048],
  ['KoboldAI/OPT-350M-Erebus', 0.35, 2048],
  ['KoboldAI/GPT-Neo-2.7B-Janeway', 2.7, 2048],
  ['KoboldAI/LLaMA2-13B-Tiefighter', 13, 4096],
  ['KoboldAI/LLaMA2-13B-Psyfighter2', 13, 4096],
  ['KoboldAI/Mistral-7B-Erebus-v3', 7, 32_768],
  ['PygmalionAI/pygmalion-350m', 0.35, 2048],
  ['PygmalionAI/pygmalion-6b', 6, 2048],
  ['PygmalionAI/pygmalion-2-7b', 7, 4096],
  ['PygmalionAI/pygmalion-2-13b', 13, 4096],
  ['Gryphe/MythoMax-L2-13b', 13, 4096],
  ['Qwen/Qwen1.5-0.5B', 0.5, 32_768],
  ['Qwen/Qwen1.5-0.5B-Chat', 0.5, 32_768],
  ['Qwen/Qwen1.5-1.8B', 1.8, 32_768],
  ['Qwen/Qwen1.5-1.8B-Chat', 1.8, 32_768],
  ['Qwen/Qwen1.5-4B-Chat', 4, 32_768],
  ['Qwen/Qwen1.5-7B-Chat', 7, 32_768],
  ['Qwen/Qwen2-7B-Instruct', 7, 32_768],
  ['Qwen/Qwen2.5-7B-Instruct', 7, 32_768],
  ['Qwen/Qwen2.5-14B-Instruct', 14, 32_768],
  ['meta-llama/Llama-2-7b-chat-hf', 7, 4096],
  ['meta-llama/Llama-2-13b-chat-hf', 13, 4096],
  ['meta-llama/Llama-2-70b-chat-hf', 70, 4096],
  ['meta-llama/Meta-Llama-3-8B-Instruct', 8, 8192],
  ['meta-llama/Meta-Llama-3.1-8B-Instruct', 8, 131_072],
  ['meta-llama/Llama-3.2-1B-Instruct', 1, 131_072],
  ['meta-llama/Llama-3.2-3B-Instruct', 3, 131_072],
  ['meta-llama/Meta-Llama-3-70B-Instruct', 70, 8192],
  ['mistralai/Mistral-7B-Instruct-v0.1', 7, 32_768],
  ['mistralai/Mistral-Nemo-Instruct-2407', 12, 131_072],
  ['mistralai/Mistral-Small-24B-Instruct-2501', 24, 32_768],
  ['mistralai/Mixtral-8x7B-Instruct-v0.1', 28, 32_768],
  ['mistralai/Mixtral-8x22B-Instruct-v0.1', 88, 65_536],
  ['mistralai/Mistral-Large-Instruct-2407', 123, 131_072],
  ['cognitivecomputations/dolphin-2.9.4-gemma2-2b', 2, 8192],
  ['SicariusSicariiStuff/Phi-3.5-mini-instruct_Uncensored', 3.8, 131_072],
  ['TheDrummer/Gemmasutra-Mini-2B-v1', 2.6, 8192],
  ['togethercomputer/RedPajama-INCITE-Chat-3B-v1', 3, 2048],
  ['google/gemma-2-27b-it', 27, 8192],
  ['anthracite-org/magnum-v4-72b', 72, 32_768],
  ['meta-llama/Llama-3.1-405B-Instruct', 405, 131_072],
];

export type TextModelReference = ReadonlyMap<string, number>;

/**
 * The reference's converter publishes each row three times: as written, as
 * `aphrodite/<name>` and as `koboldcpp/<name without org>`, because workers
 * advertise their backend that way; a lookup must accept all three.
 */
function byPublishedNames(rows: Iterable<readonly [string, number]>): Map<string, number> {
  const ref = new Map<string, number>();
  for (const [name, value] of rows) {
    const base = name.includes('/') ? name.slice(name.indexOf('/') + 1) : name;
    ref.set(name, value);
    ref.set(`aphrodite/${name}`, value);
    ref.set(`koboldcpp/${base}`, value);
  }
  return ref;
}

export function buildTextModelReference(rows: Iterable<readonly [string, number]>): TextModelReference {
  return byPublishedNames(rows);
}

export const TEXT_MODEL_REFERENCE: TextModelReference = buildTextModelReference(
  REFERENCE_ROWS.map(([name, billions]) => [name, billions] as const),
);

/** The longest context (tokens) of each known model, under the same published names. */
export const TEXT_MODEL_CONTEXT: ReadonlyMap<string, number> = byPublishedNames(
  REFERENCE_ROWS.map(([name, , context]) => [name, context] as const),
);

/**
 * A context claim no unknown model is credited beyond: the horde cannot read
 * the config of a model it does not know, and 4096 covers every small model
 * a desktop serves honestly (the reduced rate applies to it as well).
 */
export const UNKNOWN_MODEL_CONTEXT = 4096;

/**
 * The context a worker's claim is credited with: its claim, but never more
 * than its model can hold (the model's own config, carried in the reference
 * slice above; `UNKNOWN_MODEL_CONTEXT` for a model the horde does not know).
 */
export function creditedContext(
  model: string | undefined,
  claimed: number,
  contexts: ReadonlyMap<string, number> = TEXT_MODEL_CONTEXT,
): number {
  const resolved = model === undefined ? undefined : resolveTextModel(model, contexts);
  const limit =
    resolved === undefined ? UNKNOWN_MODEL_CONTEXT : (contexts.get(resolved) ?? UNKNOWN_MODEL_CONTEXT);
  return Math.max(0, Math.min(claimed, limit));
}

// The server's `no_q_regex`, copied as is: strips a quantisation suffix such as
// "-GGUF-Q5_K_M" or ".i1-Q4_K_S" so "koboldcpp/MythoMax-L2-13b-GGUF-Q5_K_M" is
// found as "koboldcpp/MythoMax-L2-13b". (A bare "-Q4_K_M" does not match it.)
const QUANT_SUFFIX = /[.,-][a-zA-Z0-9]+?-?Q(-[Ii]nt)?[2-9]{1,2}([_.-][0-9a-zA-Z]+)*/g;

/** The reference entry a worker-advertised name resolves to, or undefined when the horde does not know it. */
export function resolveTextModel(
  name: string,
  reference: TextModelReference = TEXT_MODEL_REFERENCE,
): string | undefined {
  // "model::user" names a user's private variant of a known model.
  const parts = name.split('::');
  const bare = parts.length === 2 ? (parts[0] as string) : name;
  if (reference.has(bare)) return bare;
  const unquantised = bare.replace(QUANT_SUFFIX, '');
  return reference.has(unquantised) ? unquantised : undefined;
}

export function isKnownTextModel(
  name: string,
  reference: TextModelReference = TEXT_MODEL_REFERENCE,
): boolean {
  return resolveTextModel(name, reference) !== undefined;
}

/** Parameters in billions for a model the horde knows; undefined for an unknown one (e.g. the generated `tiny-gpt2`). */
export function modelSizeBillions(
  name: string,
  reference: TextModelReference = TEXT_MODEL_REFERENCE,
): number | undefined {
  const resolved = resolveTextModel(name, reference);
  return resolved === undefined ? undefined : reference.get(resolved);
}

/** The server's `get_text_model_multiplier`: the size in billions, and 1 for an unknown model. */
export function textModelMultiplier(
  name: string,
  reference: TextModelReference = TEXT_MODEL_REFERENCE,
): number {
  return modelSizeBillions(name, reference) ?? 1;
}

/**
 * A size read from the name ("13B", "7b", "1.1B", "8x7B" → 56, "560m" → 0.56),
 * for display and time estimates only: the horde never prices by it (see the
 * file comment), so pricing must not use this.
 */
export function guessSizeFromName(name: string): number | undefined {
  const moe = /(?:^|[^a-z0-9.])(\d+)x(\d+(?:\.\d+)?)b(?![a-z0-9])/i.exec(name);
  if (moe) return Number(moe[1]) * Number(moe[2]);
  const size = /(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)([bm])(?![a-z0-9])/i.exec(name);
  if (!size) return undefined;
  const value = Number(size[1]);
  return (size[2] as string).toLowerCase() === 'b' ? value : value / 1000;
}
