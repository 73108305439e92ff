import { HordeError } from '../../shared/api/horde-error';

/**
 * The AI Horde's own checks on a request, beyond the shape of its body, with
 * the rc codes it answers (horde/validation.py `validate_text_params`, the
 * `validate()` of horde/apis/v2/base.py and kobold.py, and the NUL-byte guard
 * of horde/flask.py). Pure functions of the parsed body, callable from any
 * route, whatever schema layer parsed it; each throws the HordeError the AI
 * Horde would raise, in the AI Horde's order.
 */

/** What the text checks read from a parsed `generate/text/async` body. */
export interface TextRequestForValidation {
  prompt: string;
  params: {
    n: number;
    max_length: number;
    max_context_length: number;
    sampler_order?: readonly number[] | undefined;
    stop_sequence?: readonly string[] | undefined;
  };
  proxied_account?: string | undefined;
  disable_batching?: boolean | undefined;
  extra_source_images?: readonly unknown[] | undefined;
}

/** Samplers a KoboldAI-style backend knows; a custom order must name all of them. */
export const SAMPLER_COUNT = 7;
export const MAX_STOP_SEQUENCES = 128;
export const MAX_STOP_SEQUENCE_CHARS = 2000;

/** `validate_text_params`: token budget, sampler order, stop sequences. */
export function validateTextParams(params: TextRequestForValidation['params']): void {
  if (params.max_context_length < params.max_length) {
    throw new HordeError('TokenOverflow', 'You cannot request more tokens than your context length.');
  }
  if (params.sampler_order !== undefined && new Set(params.sampler_order).size < SAMPLER_COUNT) {
    throw new HordeError(
      'MissingFullSamplerOrder',
      'When sending a custom sampler order, you need to specify all possible samplers in the order',
    );
  }
  if (params.stop_sequence !== undefined) {
    // Counted as the AI Horde counts them: distinct sequences.
    const distinct = [...new Set(params.stop_sequence)];
    if (distinct.length > MAX_STOP_SEQUENCES) {
      throw new HordeError(
        'TooManyStopSequences',
        `Too many stop sequences specified (max allowed is ${MAX_STOP_SEQUENCES}).`,
      );
    }
    const chars = distinct.reduce((sum, s) => sum + s.length, 0);
    if (chars > MAX_STOP_SEQUENCE_CHARS) {
      throw new HordeError(
        'ExcessiveStopSequence',
        `Your total stop sequence length exceeds the allowed limit (${MAX_STOP_SEQUENCE_CHARS} chars).`,
      );
    }
  }
}

/**
 * The checks of a text request in the AI Horde's order (after the user is
 * known): proxied account, empty prompt, batching, then the text parameters and
 * the refusal of extra source images. `trusted` is the requester's trust.
 */
export function validateTextRequest(body: TextRequestForValidation, requester: { trusted: boolean }): void {
  if (body.proxied_account !== undefined) {
    throw new HordeError(
      'OnlyServiceAccountProxy',
      'Only service accounts can provide a proxied_account value.',
    );
  }
  if (body.prompt === '') throw new HordeError('MissingPrompt', 'You cannot specify an empty prompt.');
  if (body.params.n > 1 && body.disable_batching === true && !requester.trusted) {
    throw new HordeError('RequiresTrust', 'Only trusted users and patreon supporters can disable batching.');
  }
  validateTextParams(body.params);
  if (body.extra_source_images !== undefined && body.extra_source_images.length > 0) {
    throw new HordeError(
      'InvalidExtraSourceImages',
      'This request type does not accept extra source images.',
    );
  }
}

/** Where the first NUL (U+0000) sits in a parsed JSON value (`params.stop_sequence[2]`), or undefined. */
export function findNulByte(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(body)' : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNulByte(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      if (k.includes('\u0000')) return at;
      const found = findNulByte(v, at);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * The AI Horde refuses any payload with a NUL byte in a string (its database
 * cannot store one) with 400 NulByteInPayload; so does this horde, for every
 * JSON body, before any route reads it.
 */
export function refuseNulBytes(value: unknown): void {
  const at = findNulByte(value);
  if (at !== undefined) {
    throw new HordeError('NulByteInPayload', `Request payload may not contain NUL (0x00) bytes (at ${at}).`);
  }
}
