import { TEXT_PARAM_BOUNDS as B, type Bound } from '../../../../shared/api/text-bounds';
import type { HordeModel, TextRequest } from '../../../../shared/bridge/contract';
import { requestKudos } from '../../../../shared/kudos/pricing';
import { milliFromHorde } from '../../../../shared/bridge/kudos';
import type { Milli } from '../../../../shared/ledger/money';

/** The text request form as the user fills it; kept in the requests store so it survives switching screens. */
export interface TextForm {
  prompt: string;
  /** '' = any model. */
  model: string;
  maxLength: number;
  maxContext: number;
  temperature: number;
  topP: number;
  topK: number;
  repPen: number;
}

export const DEFAULT_FORM: TextForm = {
  prompt: '',
  model: '',
  maxLength: 80,
  maxContext: 1024,
  temperature: 0.7,
  topP: 0.9,
  topK: 40,
  repPen: 1.1,
};

/** The horde's own ranges (shared/api/text-bounds.ts); outside them it would refuse the request. */
export const LIMITS = {
  maxLength: B.max_length,
  maxContext: B.max_context_length,
  temperature: B.temperature,
  topP: B.top_p,
  topK: B.top_k,
  repPen: B.rep_pen,
} as const satisfies Partial<Record<keyof TextForm, Bound>>;

export function formProblems(f: TextForm): string[] {
  const out: string[] = [];
  for (const [key, { min, max }] of Object.entries(LIMITS)) {
    const v = f[key as keyof typeof LIMITS];
    if (!Number.isFinite(v) || v < min || v > max)
      out.push(`${LABELS[key as keyof typeof LIMITS]} must be between ${min} and ${max}.`);
  }
  if (!Number.isInteger(f.maxLength) || !Number.isInteger(f.maxContext) || !Number.isInteger(f.topK)) {
    out.push('Max length, context and top-k must be whole numbers.');
  }
  return out;
}

export const LABELS: Record<keyof typeof LIMITS, string> = {
  maxLength: 'Max length (tokens)',
  maxContext: 'Context (tokens)',
  temperature: 'Temperature',
  topP: 'Top-p',
  topK: 'Top-k',
  repPen: 'Repetition penalty',
};

export function toRequest(f: TextForm): TextRequest {
  return {
    prompt: f.prompt,
    models: f.model ? [f.model] : [],
    params: {
      max_length: f.maxLength,
      max_context_length: f.maxContext,
      temperature: f.temperature,
      top_p: f.topP,
      top_k: f.topK,
      rep_pen: f.repPen,
    },
  };
}

/**
 * What the embedded horde charges (job kudos × n, paid to the worker whole); null while the
 * form is invalid. The horde's own dry run, which replaces it once it answers, is the final word
 * (the public AI Horde adds its burn and request tax there).
 */
export function estimatePrice(f: TextForm): Milli | null {
  if (formProblems(f).length > 0) return null;
  // The horde's price formula run here: its float kudos, to milli-kudos once, as a quote would be.
  return milliFromHorde(
    requestKudos({
      models: f.model ? [f.model] : [],
      params: { max_length: f.maxLength, max_context_length: f.maxContext },
    }),
  );
}

/** The most the workers serving this request's model take now; null when the horde does not say. */
export interface ServedLimits {
  maxLength: number;
  maxContextLength: number;
}

/** For one model, or for "any model" the most over the text models some worker serves now. */
export function servedLimits(models: readonly HordeModel[] | null, model: string): ServedLimits | null {
  const served = (models ?? []).filter(
    (m) => m.type === 'text' && m.count > 0 && (model === '' || m.name === model),
  );
  const known = served.filter((m) => m.maxLength !== undefined && m.maxContextLength !== undefined);
  if (known.length === 0) return null;
  return {
    maxLength: Math.max(...known.map((m) => m.maxLength ?? 0)),
    maxContextLength: Math.max(...known.map((m) => m.maxContextLength ?? 0)),
  };
}

/**
 * What would keep this request waiting for a worker that never comes, each with what to change.
 * Empty while the horde's model list is unknown.
 */
export function servingProblems(f: TextForm, models: readonly HordeModel[] | null): string[] {
  if (models === null) return [];
  const name = f.model === '' ? 'any model' : f.model;
  const chosen = models.find((m) => m.type === 'text' && m.name === f.model);
  if (f.model !== '' && (!chosen || chosen.count === 0))
    return [`No worker serves ${f.model} right now: choose a model with workers, or the request waits.`];
  const limits = servedLimits(models, f.model);
  if (!limits) return [];
  const out: string[] = [];
  if (f.maxLength > limits.maxLength)
    out.push(
      `No worker serving ${name} writes more than ${limits.maxLength} tokens: lower ${LABELS.maxLength} to ${limits.maxLength}.`,
    );
  if (f.maxContext > limits.maxContextLength)
    out.push(
      `No worker serving ${name} takes more than ${limits.maxContextLength} tokens of context: lower ${LABELS.maxContext} to ${limits.maxContextLength}.`,
    );
  return out;
}
