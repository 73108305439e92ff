/**
 * What a job is worth, by the AI Horde server's formulas
 * (horde/classes/kobold/waiting_prompt.py `calculate_kudos`,
 * kobold/processing_generation.py `get_gen_kudos`,
 * stable/interrogation.py `set_forms`, apis/v2/kobold.py dry run).
 * Amounts are kudos as the server computes them (floats rounded to two
 * decimals); convert with `fromKudos` before they touch the ledger.
 */
import {
  textModelMultiplier,
  isKnownTextModel,
  type TextModelReference,
  TEXT_MODEL_REFERENCE,
} from './models';
import { pyRound } from './round';

const CONTEXT_BASE = 1024;
const CONTEXT_MULTIPLIER_MIN = 0.1;
const CONTEXT_MULTIPLIER_MAX = 30;
/** Below 13B every model gets the same per-parameter rate; above it a bonus grows slowly. */
const BONUS_PIVOT_BILLIONS = 13;
const BONUS_EXPONENT = 0.2;
/** An unknown model is priced as a 2.7B one without the size bonus. */
const UNKNOWN_MODEL_RATE = 2.7 / 100;
/** A request naming no model is priced as a 13B one. */
const DEFAULT_MODEL_BILLIONS = 13;
/** Per job, the requester pays the worker's kudos plus this, for the horde's own costs. */
export const TEXT_JOB_BURN = 1;
/** Per request, once, at activation (the server's `horde_tax`). */
export const REQUEST_TAX = 1;

function assertPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number: ${value}`);
}

/**
 * Longer contexts cost more VRAM, exponentially: 1.2 + 2.2^log2(ctx/1024),
 * clamped to 0.1..30. For any positive context the floor is really 1.2
 * (2.2^x > 0); the ceiling is reached near 19.7k tokens.
 */
export function contextMultiplier(maxContextLength: number): number {
  assertPositive('maxContextLength', maxContextLength);
  const raw = 1.2 + 2.2 ** Math.log2(maxContextLength / CONTEXT_BASE);
  return Math.min(CONTEXT_MULTIPLIER_MAX, Math.max(CONTEXT_MULTIPLIER_MIN, raw));
}

/** The size bonus `(max(billions, 13) / 13) ^ 0.2`. */
export function parameterBonus(billions: number): number {
  return (Math.max(billions, BONUS_PIVOT_BILLIONS) / BONUS_PIVOT_BILLIONS) ** BONUS_EXPONENT;
}

export interface TextJobSize {
  /** The model the job asks for; absent = any model (priced as 13B, as the server does). */
  model?: string;
  maxLength: number;
  maxContextLength: number;
}

/**
 * The kudos one text job of a request is expected to be worth (the server's
 * `TextWaitingPrompt.calculate_kudos`).
 */
export function textJobKudos(job: TextJobSize, reference: TextModelReference = TEXT_MODEL_REFERENCE): number {
  assertPositive('maxLength', job.maxLength);
  const ctx = contextMultiplier(job.maxContextLength);
  if (job.model === undefined) return pyRound((job.maxLength * DEFAULT_MODEL_BILLIONS * ctx) / 100, 2);
  if (!isKnownTextModel(job.model, reference)) {
    // The server returns this one unrounded; we round like every other price so
    // milli-kudos conversion never sees a long float.
    return pyRound(job.maxLength * UNKNOWN_MODEL_RATE * ctx, 2);
  }
  const mult = textModelMultiplier(job.model, reference);
  return pyRound((job.maxLength * parameterBonus(mult) * mult * ctx) / 100, 2);
}

export interface TextRequestForPrice {
  models: string[];
  params: { max_length: number; max_context_length: number; n?: number };
}

/**
 * What the whole request costs the requester before rounding: per job the
 * worker's kudos plus the burn, times n, plus the request tax
 * (`extrapolate_dry_run_kudos`). The server prices by the first model listed.
 */
export function requestKudos(
  request: TextRequestForPrice,
  reference: TextModelReference = TEXT_MODEL_REFERENCE,
): number {
  const n = request.params.n ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer: ${n}`);
  const perJob = textJobKudos(
    {
      model: request.models[0],
      maxLength: request.params.max_length,
      maxContextLength: request.params.max_context_length,
    },
    reference,
  );
  return pyRound((perJob + TEXT_JOB_BURN) * n + REQUEST_TAX, 2);
}

/** The price `POST /v2/generate/text/async` with `dry_run` answers: whole kudos, as the server rounds it. */
export function dryRunPrice(
  request: TextRequestForPrice,
  reference: TextModelReference = TEXT_MODEL_REFERENCE,
): number {
  return pyRound(requestKudos(request, reference), 0);
}

export interface TextGenerationReward {
  model: string;
  /** Tokens the worker generated, counted as the server does (see `quickTokenCount`). */
  generatedTokens: number;
  /** Prompt tokens, counted the same way. */
  contextTokens: number;
  /** Whether the worker's owner is trusted; an unknown model pays untrusted owners almost nothing. */
  trustedOwner: boolean;
  /** Whether the worker's bridge agent is one the horde validates; others earn 30 %. */
  validatedBackend: boolean;
}

/** Unvalidated backends keep this share of a known model's reward. */
const UNVALIDATED_BACKEND_SHARE = 0.3;
const GENERATION_DIVISOR = 125;

/**
 * What a worker earns for one finished text job (the server's
 * `TextProcessingGeneration.get_gen_kudos`): by the tokens really generated,
 * not the max_length asked for, and less than the request's estimate
 * (/125 instead of /100).
 */
export function textGenerationKudos(
  job: TextGenerationReward,
  reference: TextModelReference = TEXT_MODEL_REFERENCE,
): number {
  const ctx = contextMultiplier(job.contextTokens);
  if (!isKnownTextModel(job.model, reference)) {
    if (!job.trustedOwner) return pyRound(ctx, 2);
    return pyRound(job.generatedTokens * ctx * UNKNOWN_MODEL_RATE, 2);
  }
  const mult = textModelMultiplier(job.model, reference);
  let kudos = (job.generatedTokens * parameterBonus(mult) * mult) / GENERATION_DIVISOR;
  if (!job.validatedBackend) kudos *= UNVALIDATED_BACKEND_SHARE;
  return pyRound(kudos * ctx, 2);
}

const MIN_COUNTED_TOKENS = 20;

/**
 * The server's `get_things_count`: a quick estimate of 4 characters per token,
 * at least 20, and never more than the request's max_length.
 */
export function quickTokenCount(text: string, maxLength: number): number {
  const estimate = Math.max(MIN_COUNTED_TOKENS, Math.ceil(text.length / 4));
  return Math.min(estimate, maxLength);
}

/** Post-processors (consts.KNOWN_POST_PROCESSORS) are priced per 512×512 tile. */
export const POST_PROCESSOR_FORMS: ReadonlySet<string> = new Set([
  'GFPGAN',
  'RealESRGAN_x4plus',
  'RealESRGAN_x2plus',
  'RealESRGAN_x4plus_anime_6B',
  'NMKD_Siax',
  '4x_AnimeSharp',
  'CodeFormers',
  'strip_background',
  '4xNomos8kSC',
  '4xLSDIRplus',
  '4xNomosWebPhoto_RealPLKSR',
  '4xNomos2_realplksr_dysample',
  '4xNomos2_hq_dat2',
  '2xModernSpanimationV1',
  'GFPGANv1.3',
  'RestoreFormer',
]);

const FORM_KUDOS = 1;
const INTERROGATION_FORM_KUDOS = 3;
const POST_PROCESSOR_KUDOS_PER_TILE = 3;
const TILE_SIDE = 512;

/** Tiles of 512×512 an image covers, rounding each side up (horde/image.py). */
export function imageTiles(width: number, height: number): number {
  return Math.ceil(width / TILE_SIDE) * Math.ceil(height / TILE_SIDE);
}

/**
 * What a worker earns for one alchemy form: 1 (caption, nsfw and the other
 * light forms), 3 for `interrogation`, 3 per tile for a post-processor.
 */
export function alchemyFormKudos(form: string, tiles = 1): number {
  if (form === 'interrogation') return INTERROGATION_FORM_KUDOS;
  if (POST_PROCESSOR_FORMS.has(form)) {
    if (!Number.isInteger(tiles) || tiles < 1)
      throw new RangeError(`tiles must be a positive integer: ${tiles}`);
    return tiles * POST_PROCESSOR_KUDOS_PER_TILE;
  }
  return FORM_KUDOS;
}

/** What the requester pays per form: the worker's kudos plus a burn of 1, or 2 when slow workers are allowed. */
export function alchemyFormCost(form: string, options: { slowWorkers: boolean; tiles?: number }): number {
  return alchemyFormKudos(form, options.tiles) + (options.slowWorkers ? 2 : 1);
}
