/**
 * One interface for every inference backend the worker can use: ONNX Runtime in
 * Node (transformers.js, device cpu/cuda/dml) and transformers.js in a browser
 * context (webgpu/wasm: the Electron hidden window, or Chromium in tests).
 */
export type Backend = 'cpu' | 'cuda' | 'dml' | 'webgpu' | 'wasm';

export interface LoadProgress {
  /** 0..1 over the whole model (all files). */
  fraction: number;
  file?: string;
  /** Bytes of the model's files read so far and in all, when the loader says (transformers.js does). */
  loadedBytes?: number;
  totalBytes?: number;
}

export interface TextGenParams {
  prompt: string;
  /** New tokens to generate at most (the horde's max_length). */
  maxNewTokens: number;
  /** Prompt tokens kept at most (the horde's max_context_length minus max_length); older tokens are cut. */
  maxContextLength: number;
  /** 0 or below means greedy decoding. */
  temperature: number;
  topK: number;
  topP: number;
  repPen: number;
  stopSequences: string[];
  seed: number;
}

export interface TextGenResult {
  /** The generated continuation only (no prompt), cut before a stop sequence. */
  text: string;
  /** Ids of the generated tokens, for comparisons across backends. */
  tokenIds: number[];
  seed: number;
  finishReason: 'length' | 'stop' | 'eos' | 'aborted';
  /** Wall time of generation (not load), for tokens-per-second stats. */
  millis: number;
}

export interface GenerateOptions {
  /** Aborting stops generation between tokens; the promise then resolves with finishReason 'aborted'. */
  signal?: AbortSignal;
  onToken?: (generated: number, total: number) => void;
  /**
   * The share of full speed to keep (0 < share ≤ 1), read before each token:
   * below 1 the engine rests between tokens so that it works that share of
   * the time (the user is back and needs the machine). Default 1.
   */
  speed?: () => number;
}

export interface TextEngine {
  readonly backend: Backend;
  /** The model name the worker advertises to the horde. */
  readonly modelName: string;
  generate(params: TextGenParams, options?: GenerateOptions): Promise<TextGenResult>;
  dispose(): Promise<void>;
}

/** The alchemy forms the app can serve when a model for them is present. */
export type AlchemyForm = 'caption' | 'interrogation' | 'nsfw' | 'strip_background' | 'upscale';

export interface AlchemyImage {
  width: number;
  height: number;
  /** RGBA, row-major, 8 bits per channel. */
  data: Uint8Array;
}

export type AlchemyResult =
  | {
      kind: 'text';
      values: Record<string, string>;
      /**
       * The form's result as the AI Horde alchemist submits it, where that is more than
       * strings (interrogation: `{ interrogation: { tags: [{ text, confidence }] } }`).
       */
      data?: Record<string, unknown>;
    }
  | { kind: 'image'; image: AlchemyImage };

export interface AlchemyEngine {
  readonly backend: Backend;
  readonly forms: readonly AlchemyForm[];
  run(form: AlchemyForm, image: AlchemyImage, signal?: AbortSignal): Promise<AlchemyResult>;
  dispose(): Promise<void>;
}
