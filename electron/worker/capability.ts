/**
 * What text jobs this machine can finish within the horde's time limit: a
 * short calibration generation measures the engine, and a pure derivation
 * turns the measurement into the max_length / max_context_length to advertise.
 */
import type { TextEngine } from './engines/types';

/** The AI Horde aborts a popped text job not submitted within this. */
export const HORDE_TEXT_TIME_LIMIT_SECONDS = 150;
/** The horde's accepted ranges (TextGenParams): max_length 16..4096, max_context_length 80.. */
export const MAX_LENGTH_RANGE = { min: 16, max: 4096 } as const;
export const MIN_CONTEXT_LENGTH = 80;
/** The horde's largest request context; nothing above it is ever asked for. */
export const MAX_CONTEXT_LENGTH = 1_048_576;

export interface Measurement {
  /** New tokens per second once generation runs (after the first token). */
  decodeTokensPerSecond: number;
  /** Prompt tokens read per second (before the first new token). */
  promptTokensPerSecond: number;
}

export interface DeriveOptions {
  timeLimitSeconds?: number;
  /**
   * Share of the time limit a job may plan to use; the rest covers a busier
   * machine, longer contexts slowing each token and the network. Default 0.5.
   */
  safety?: number;
  /** The model's own context window (n_positions); the advertised context never exceeds it. */
  modelContextLimit?: number;
}

export interface TextLimits {
  maxLength: number;
  maxContextLength: number;
  /** False when even the smallest job the horde hands out would not finish in time. */
  fitsTimeLimit: boolean;
  /** Planned seconds for a job at the advertised limits. */
  plannedSeconds: number;
}

/**
 * A job of maxLength new tokens after a prompt of (maxContextLength −
 * maxLength) tokens takes about prompt/promptRate + maxLength/decodeRate.
 * Half of the planned budget goes to new tokens, the rest to reading the
 * prompt, then both are clamped to what the horde and the model accept.
 */
export function deriveTextLimits(m: Measurement, options: DeriveOptions = {}): TextLimits {
  const limit = options.timeLimitSeconds ?? HORDE_TEXT_TIME_LIMIT_SECONDS;
  const budget = limit * (options.safety ?? 0.5);
  const decode = finitePositive(m.decodeTokensPerSecond);
  const prompt = finitePositive(m.promptTokensPerSecond);
  const modelLimit = Math.min(options.modelContextLimit ?? MAX_CONTEXT_LENGTH, MAX_CONTEXT_LENGTH);

  let maxLength = clamp(Math.floor((decode * budget) / 2), MAX_LENGTH_RANGE.min, MAX_LENGTH_RANGE.max);
  // The model must still see a few prompt tokens besides what it generates.
  maxLength = Math.max(MAX_LENGTH_RANGE.min, Math.min(maxLength, modelLimit - MAX_LENGTH_RANGE.min));
  const left = Math.max(0, budget - maxLength / Math.max(decode, Number.MIN_VALUE));
  const promptTokens = prompt > 0 ? Math.floor(prompt * left) : 0;
  const maxContextLength = clamp(
    maxLength + promptTokens,
    MIN_CONTEXT_LENGTH,
    Math.max(MIN_CONTEXT_LENGTH, modelLimit),
  );
  const plannedSeconds = estimateSeconds(m, maxLength, maxContextLength - maxLength);
  return { maxLength, maxContextLength, fitsTimeLimit: plannedSeconds <= budget + 1e-6, plannedSeconds };
}

export function estimateSeconds(m: Measurement, newTokens: number, promptTokens: number): number {
  const decode = finitePositive(m.decodeTokensPerSecond);
  const prompt = finitePositive(m.promptTokensPerSecond);
  if (decode === 0) return Number.POSITIVE_INFINITY;
  return newTokens / decode + (prompt > 0 ? promptTokens / prompt : 0);
}

export interface MeasureOptions {
  /** Monotonic milliseconds; performance.now by default. */
  now?: () => number;
  newTokens?: number;
  /** The model's context window: prompt and new tokens must fit in it or the run measures nothing. */
  modelContextLimit?: number;
  signal?: AbortSignal;
}

/** A prompt of ordinary English; its token count is estimated as characters / 4. */
const CALIBRATION_PROMPT =
  'The volunteers of the horde share their computers while they sleep, and every finished job ' +
  'earns them kudos that they can spend on their own requests later in the day. ';

/**
 * Runs one short greedy generation and times it. The prompt's token count is
 * estimated (the engine does not expose its tokenizer); byte-level tokenizers
 * make more tokens than the estimate, so the prompt rate errs low, the safe side.
 */
export async function measureTextEngine(
  engine: TextEngine,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const now = options.now ?? (() => performance.now());
  const newTokens = options.newTokens ?? 24;
  // A byte-level tokenizer may make one token per character: size the prompt so even that fits.
  const room = Math.max(8, (options.modelContextLimit ?? 4096) - newTokens - 8);
  const prompt = CALIBRATION_PROMPT.repeat(4).slice(0, Math.min(1024, room));
  const promptTokens = Math.ceil(prompt.length / 4);
  const greedy = { temperature: 0, topK: 0, topP: 1, repPen: 1, stopSequences: [], seed: 1 };
  // The first run after loading pays for allocations and kernel selection, which jobs do not.
  await engine.generate(
    { ...greedy, prompt: prompt.slice(0, 64), maxNewTokens: 2, maxContextLength: 64 },
    { signal: options.signal },
  );
  const started = now();
  let firstAt: number | undefined;
  let lastAt = started;
  let generated = 0;
  const result = await engine.generate(
    {
      prompt,
      maxNewTokens: newTokens,
      maxContextLength: prompt.length,
      ...greedy,
    },
    {
      signal: options.signal,
      onToken: (count) => {
        const t = now();
        if (firstAt === undefined) firstAt = t;
        lastAt = t;
        generated = count;
      },
    },
  );
  const total = Math.max(generated, result.tokenIds.length);
  if (firstAt === undefined) {
    // No per-token callbacks: all of it counts as decoding, prompt reading included (low, safe).
    const seconds = Math.max(result.millis, 1) / 1000;
    return { decodeTokensPerSecond: total / seconds, promptTokensPerSecond: promptTokens / seconds };
  }
  const firstSeconds = Math.max(firstAt - started, 1) / 1000;
  const decodeSeconds = Math.max(lastAt - firstAt, 1) / 1000;
  return {
    decodeTokensPerSecond: total > 1 ? (total - 1) / decodeSeconds : 1 / firstSeconds,
    promptTokensPerSecond: promptTokens / firstSeconds,
  };
}

function finitePositive(x: number): number {
  return Number.isFinite(x) && x > 0 ? x : 0;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
