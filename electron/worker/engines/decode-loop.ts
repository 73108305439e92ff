/**
 * A decode loop of our own over transformers.js' loaded decoder and its ONNX Runtime session, for
 * the case the worker meets nearly always: one prompt, a decoder-only graph with a key/value
 * cache, tensors in CPU memory. transformers.js' generate wraps every output of every step in a
 * Tensor, copies the logits row, builds a new attention mask with `cat` and new position ids each
 * step and keeps the ids as bigint lists; on a 2-core machine the garbage brings V8's concurrent
 * marking onto a core ONNX Runtime's pool needs (README, Performance). Here each step feeds ONNX
 * Runtime tensors made over reused buffers, reads the last logits row where ONNX Runtime put it,
 * frees each spent cache and logits buffer at once, and picks the token with sampling.ts.
 *
 * It must give generate's tokens exactly, so what it does is taken from what generate would do
 * for these arguments: the generation config, logits processors and stopping criteria are built
 * by the model's own methods, and the loop runs only where it knows every piece of them and every
 * input and output of the graph (`planDecodeLoop`). Everything else goes through generate.
 * Runtime-neutral like generation.ts: ONNX Runtime's Tensor class is taken from a transformers.js
 * tensor, never imported.
 */
import type * as Transformers from '@huggingface/transformers';
import { cpuBuffer, free } from './buffers';
import { pacedPass } from './pace';
import { argmax, divideByTemperature, penalizeRepeats, sampleMultinomial } from './sampling';

export type DecodeRuntime = Pick<
  typeof Transformers,
  | 'Tensor'
  | 'random'
  | 'PreTrainedModel'
  | 'RepetitionPenaltyLogitsProcessor'
  | 'TemperatureLogitsWarper'
  | 'MaxLengthCriteria'
  | 'EosTokenCriteria'
>;

/** A logits processor of ours that the loop can run on the bare row (generation.ts' top-k/top-p). */
export interface RowProcessor {
  filterRow(scores: Float32Array): void;
}

export interface DecodeHooks {
  /** Called after every new token with all the new ones so far; true ends generation (generate's stopping criterion of ours). */
  afterToken(generated: readonly number[]): boolean;
  /** Read before each step: the share of the time to work (pace.ts). */
  speed?: () => number;
}

export interface DecodeLoop {
  /** The new token ids after `prompt`. */
  run(prompt: readonly number[], hooks: DecodeHooks): Promise<number[]>;
}

export type DecodePlan = { loop: DecodeLoop } | { fallback: string };

/** The generate arguments the loop reads (those generation.ts passes). */
export interface DecodeArgs {
  max_new_tokens: number;
  do_sample: boolean;
  temperature: number;
  top_k: number;
  repetition_penalty: number;
}

interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
  readonly location?: string;
}
type OrtTensorClass = new (type: string, data: ArrayBufferView, dims: readonly number[]) => OrtTensor;
interface ValueMetadata {
  name: string;
  isTensor?: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly ValueMetadata[];
  readonly outputMetadata?: readonly ValueMetadata[];
  /** Set by transformers.js when it creates the session. */
  readonly config?: { device?: string };
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
}
interface GenerationConfigFields {
  max_length: number;
  max_new_tokens: number | null;
  num_beams: number;
  num_return_sequences: number;
  return_dict_in_generate: boolean;
  do_sample: boolean;
  top_k: number;
}
/** The parts of PreTrainedModel generate uses to set itself up; private in its types, stable in v4.3. */
interface ModelInternals {
  _prepare_generation_config(config: null, kwargs: object): GenerationConfigFields;
  _get_logits_processor(
    config: GenerationConfigFields,
    inputLength: number,
    own: unknown,
  ): { processors: unknown[] };
  _get_stopping_criteria(config: GenerationConfigFields, own: null): { criteria: unknown[] };
}

/** One step's token choice from the processed last logits row. */
type RowStep = (scores: Float32Array, ids: readonly number[]) => void;

/** The graph's inputs the loop knows how to feed, besides the cache. */
const KNOWN_INPUTS = new Set([
  'input_ids',
  'attention_mask',
  'position_ids',
  'use_cache_branch',
  'num_logits_to_keep',
]);
/** Model types whose position ids start at 1 (transformers.js' decoder_forward). */
const ONE_BASED_POSITIONS = new Set(['paligemma', 'gemma3_text', 'gemma3']);

/**
 * The loop for this model and these arguments, or why generate must run instead. Decided up front
 * and whole: a generation never switches path half-way.
 */
export function planDecodeLoop(
  tf: DecodeRuntime,
  model: Transformers.PreTrainedModel,
  args: DecodeArgs,
  processors: Transformers.LogitsProcessorList,
  promptLength: number,
): DecodePlan {
  const proto = tf.PreTrainedModel.prototype as unknown as Record<string, unknown>;
  const own = model as unknown as Record<string, unknown>;
  // A forward on the instance is someone's per-step hook (the browser page yields to its event
  // loop there); a subclass's own generate or input preparation feeds the graph its own way.
  if (Object.prototype.hasOwnProperty.call(model, 'forward')) return { fallback: 'forward is wrapped' };
  for (const name of [
    'generate',
    'forward',
    'prepare_inputs_for_generation',
    '_update_model_kwargs_for_generation',
  ])
    if (own[name] !== proto[name]) return { fallback: `the model class has its own ${name}` };
  const config = model.config as unknown as ModelConfig & { is_encoder_decoder?: boolean };
  if (!(model as unknown as { can_generate?: boolean }).can_generate)
    return { fallback: 'not a generating model' };
  if (config.is_encoder_decoder) return { fallback: 'encoder-decoder' };
  const sessionNames = Object.keys(model.sessions);
  if (sessionNames.length !== 1 || sessionNames[0] !== 'model')
    return { fallback: `sessions ${sessionNames.join(', ')}` };
  const session = model.sessions.model as OrtSession;
  // Only onnxruntime-node's CPU provider is known to hand every output back in CPU memory here;
  // WebGPU keeps the cache on the GPU (preferredOutputLocation), and the browser's runs must go
  // through transformers.js' chain of web inference calls.
  if (session.config?.device !== 'cpu') return { fallback: `device ${session.config?.device ?? 'unknown'}` };

  const graph = graphOf(tf, config, session);
  if ('fallback' in graph) return graph;
  const { pastNames, presentNames, emptyPast, Tensor, feeds } = graph;

  // What generate would set up for these arguments, by its own methods.
  const internals = model as unknown as ModelInternals;
  const generation = internals._prepare_generation_config(null, args);
  // As generate does before it builds its processors and criteria.
  if (generation.max_new_tokens !== null) generation.max_length = promptLength + generation.max_new_tokens;
  if (
    generation.num_beams !== 1 ||
    generation.num_return_sequences !== 1 ||
    generation.return_dict_in_generate
  )
    return { fallback: 'beams, several sequences or a dict result' };
  const steps: RowStep[] = [];
  for (const p of internals._get_logits_processor(generation, promptLength, processors).processors) {
    if (p instanceof tf.RepetitionPenaltyLogitsProcessor) {
      const penalty = (p as unknown as { penalty: number }).penalty;
      steps.push((scores, ids) => penalizeRepeats(scores, ids, penalty));
    } else if (p instanceof tf.TemperatureLogitsWarper) {
      const temperature = (p as unknown as { temperature: number }).temperature;
      steps.push((scores) => divideByTemperature(scores, temperature));
    } else if (typeof (p as Partial<RowProcessor>).filterRow === 'function') {
      const row = p as RowProcessor;
      steps.push((scores) => row.filterRow(scores));
    } else return { fallback: `logits processor ${(p as object).constructor.name}` };
  }
  let maxLength = Number.NaN;
  let eos: number[] = [];
  for (const c of internals._get_stopping_criteria(generation, null).criteria) {
    if (c instanceof tf.MaxLengthCriteria) maxLength = (c as unknown as { max_length: number }).max_length;
    else if (c instanceof tf.EosTokenCriteria)
      eos = (c as unknown as { eos_token_id: number[] }).eos_token_id.map(Number);
    else return { fallback: `stopping criterion ${(c as object).constructor.name}` };
  }
  const sample = generation.do_sample;
  const topK = generation.top_k;

  return {
    loop: {
      async run(prompt, hooks) {
        const all = [...prompt];
        const generated: number[] = [];
        const ones = new GrowingBuffer(() => 1n);
        const positions = new GrowingBuffer((i) => BigInt(i + feeds.positionStart));
        const nextId = new BigInt64Array(1);
        const keepOne = feeds.logitsToKeep ? new Tensor('int64', BigInt64Array.of(1n), []) : undefined;
        let past = emptyPast;
        try {
          for (;;) {
            const first = generated.length === 0;
            const fed = first ? prompt.length : 1;
            const total = all.length;
            const step: Record<string, OrtTensor> = {
              ...past,
              input_ids: new Tensor(
                'int64',
                first ? BigInt64Array.from(prompt, (id) => BigInt(id)) : nextId,
                [1, fed],
              ),
              attention_mask: new Tensor('int64', ones.view(0, total), [1, total]),
            };
            if (feeds.positions)
              step.position_ids = new Tensor('int64', positions.view(total - fed, total), [1, fed]);
            if (feeds.cacheBranch)
              step.use_cache_branch = new Tensor('bool', Uint8Array.of(first ? 0 : 1), [1]);
            if (keepOne) step.num_logits_to_keep = keepOne;

            const out = await pacedPass(hooks.speed, () => session.run(step));

            const next: Record<string, OrtTensor> = {};
            for (let i = 0; i < presentNames.length; i++)
              next[pastNames[i] as string] = out[presentNames[i] as string] as OrtTensor;
            // The step has read the cache it was fed: free it now rather than leave it to the GC.
            if (!first) freeSpent(past, next);
            past = next;

            const logits = out.logits as OrtTensor;
            const [, positionsOut, vocab] = logits.dims as [number, number, number];
            const data = cpuData(logits) as Float32Array;
            const scores = data.subarray((positionsOut - 1) * vocab, positionsOut * vocab);
            for (const s of steps) s(scores, all);
            const id = sample ? sampleMultinomial(scores, topK, tf.random.random) : argmax(scores);
            free(data.buffer);

            all.push(id);
            generated.push(id);
            nextId[0] = BigInt(id);
            // generate's criteria in its order: the length, the eos, then ours, which is always called.
            const long = all.length >= maxLength;
            const end = eos.includes(id);
            const ours = hooks.afterToken(generated);
            if (long || end || ours) break;
          }
        } finally {
          for (const t of Object.values(past)) free(cpuBuffer(t));
        }
        return generated;
      },
    },
  };
}

interface Graph {
  pastNames: string[];
  presentNames: string[];
  /** The prompt pass's cache: empty tensors, shaped as transformers.js' addPastKeyValues shapes them. */
  emptyPast: Record<string, OrtTensor>;
  Tensor: OrtTensorClass;
  feeds: { positions: boolean; positionStart: number; cacheBranch: boolean; logitsToKeep: boolean };
}

/** What a session's graph asks to be fed, worked out once a session rather than before every first token. */
const graphs = new WeakMap<OrtSession, Graph | { fallback: string }>();

type ModelConfig = {
  model_type?: string;
  normalized_config?: { num_layers?: number; num_heads?: number; multi_query?: boolean };
};

function graphOf(tf: DecodeRuntime, config: ModelConfig, session: OrtSession): Graph | { fallback: string } {
  let graph = graphs.get(session);
  if (!graph) {
    graph = readGraph(tf, config, session);
    graphs.set(session, graph);
  }
  return graph;
}

function readGraph(
  tf: DecodeRuntime,
  config: ModelConfig,
  session: OrtSession,
): Graph | { fallback: string } {
  const layers = config.normalized_config?.num_layers ?? 0;
  if (config.normalized_config?.multi_query || !(layers > 0))
    return { fallback: 'no per-layer key/value cache' };
  const pastNames = Array.from({ length: layers }, (_, i) => [
    `past_key_values.${i}.key`,
    `past_key_values.${i}.value`,
  ]).flat();
  const inputs = new Set(session.inputNames);
  if (!inputs.has('input_ids') || !inputs.has('attention_mask'))
    return { fallback: 'no input_ids or attention_mask' };
  const unknownInput = session.inputNames.find((n) => !KNOWN_INPUTS.has(n) && !pastNames.includes(n));
  if (unknownInput !== undefined) return { fallback: `unknown input ${unknownInput}` };
  if (!pastNames.every((n) => inputs.has(n))) return { fallback: 'missing past_key_values inputs' };
  const presentNames = pastNames.map((n) => n.replace('past_key_values', 'present'));
  const outputs = new Set(session.outputNames);
  if (
    outputs.size !== presentNames.length + 1 ||
    !outputs.has('logits') ||
    !presentNames.every((n) => outputs.has(n))
  )
    return { fallback: 'outputs other than logits and present.*' };
  const logitsMeta = session.outputMetadata?.find((m) => m.name === 'logits');
  if (logitsMeta?.type !== 'float32') return { fallback: `logits of type ${logitsMeta?.type ?? 'unknown'}` };
  // The empty cache of the prompt pass, shaped as transformers.js' addPastKeyValues shapes it.
  const symbols: Record<string, number> = { batch_size: 1 };
  const heads = config.normalized_config?.num_heads;
  if (typeof heads === 'number') symbols['batch_size x num_heads'] = heads;
  const emptyPast: Array<{ name: string; type: string; dims: number[] }> = [];
  for (const name of pastNames) {
    const meta = session.inputMetadata?.find((m) => m.name === name);
    if (!meta?.shape || (meta.type !== 'float32' && meta.type !== 'float16'))
      return { fallback: `past of type ${meta?.type ?? 'unknown'}` };
    const dims = meta.shape.map((d) => (typeof d === 'number' ? d : (symbols[d] ?? 0)));
    if (dims.reduce((a, b) => a * b, 1) !== 0) return { fallback: 'a non-empty initial cache' };
    emptyPast.push({ name, type: meta.type, dims });
  }
  const Tensor = (new tf.Tensor('int64', new BigInt64Array(1), [1]) as unknown as { ort_tensor: OrtTensor })
    .ort_tensor.constructor as OrtTensorClass;
  const emptyTensors: Record<string, OrtTensor> = {};
  for (const p of emptyPast)
    emptyTensors[p.name] = new Tensor(
      p.type,
      p.type === 'float16' ? new Uint16Array(0) : new Float32Array(0),
      p.dims,
    );
  return {
    pastNames,
    presentNames,
    emptyPast: emptyTensors,
    Tensor,
    feeds: {
      positions: inputs.has('position_ids'),
      positionStart: ONE_BASED_POSITIONS.has(config.model_type ?? '') ? 1 : 0,
      cacheBranch: inputs.has('use_cache_branch'),
      logitsToKeep: inputs.has('num_logits_to_keep'),
    },
  };
}

/** A typed array of `fill(i)` values that grows by doubling; `view` hands out subarrays of it. */
class GrowingBuffer {
  private data = new BigInt64Array(0);
  constructor(private readonly fill: (i: number) => bigint) {}
  view(start: number, end: number): BigInt64Array {
    if (end > this.data.length) {
      const grown = new BigInt64Array(Math.max(end, 2 * this.data.length, 64));
      for (let i = 0; i < grown.length; i++) grown[i] = this.fill(i);
      this.data = grown;
    }
    return this.data.subarray(start, end);
  }
}

function cpuData(tensor: OrtTensor): ArrayBufferView {
  if (tensor.location !== undefined && tensor.location !== 'cpu')
    throw new Error(`decode loop: an output in ${tensor.location} memory`);
  return tensor.data as ArrayBufferView;
}

/** Frees the spent cache's buffers, but never one the new cache still uses (a graph that passes a past through). */
function freeSpent(spent: Record<string, OrtTensor>, kept: Record<string, OrtTensor>): void {
  const live = new Set(Object.values(kept).map(cpuBuffer));
  for (const t of Object.values(spent)) {
    const buffer = cpuBuffer(t);
    if (!live.has(buffer)) free(buffer);
  }
}
