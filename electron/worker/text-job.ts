/**
 * Text jobs as the horde hands them out: reading a pop answer (untrusted) and
 * turning its payload into the engine's parameters.
 */
import { z } from 'zod';
import { TextJobPayload } from '../../shared/api/text';
import type { TextGenParams } from './engines/types';

export type TextPop =
  /** No job; `skipped` says in words which waiting requests this worker could not take, when the horde tells. */
  | { kind: 'none'; skipped?: string }
  | { kind: 'job'; id: string; payload: TextJobPayload; model?: string }
  /** The answer cannot be read; `id` when one could be found, so the job can be reported faulted rather than dropped. */
  | { kind: 'malformed'; id?: string; problem: string };

/**
 * Only what the worker needs is required: the id and the payload. The rest of
 * the answer (messages, skipped, ttl) is informational and read leniently, so
 * a horde that adds or changes those fields does not stop the worker.
 */
const Answer = z.object({
  id: z.string().nullish(),
  payload: z.unknown().optional(),
  model: z.string().nullish(),
});

/** The horde's text/pop answer, checked; nulls in the payload read as "not set" (the AI Horde sends them). */
export function readTextPop(raw: unknown): TextPop {
  const answer = Answer.safeParse(raw);
  if (!answer.success) return { kind: 'malformed', problem: describe(answer.error) };
  const { id, payload, model } = answer.data;
  if (id === null || id === undefined || id === '') {
    const skipped = describeSkipped(isRecord(raw) ? raw.skipped : undefined);
    return { kind: 'none', ...(skipped ? { skipped } : {}) };
  }
  if (payload === undefined || payload === null)
    return { kind: 'malformed', id, problem: 'the job has no payload' };
  const parsed = TextJobPayload.safeParse(dropNullFields(payload));
  if (!parsed.success) return { kind: 'malformed', id, problem: describe(parsed.error, 'payload') };
  if (parsed.data.max_length < 1) return { kind: 'malformed', id, problem: 'max_length below 1' };
  return { kind: 'job', id, payload: parsed.data, ...(model ? { model } : {}) };
}

const SKIP_REASONS: Record<string, string> = {
  max_length: 'want more new tokens than this worker offers',
  max_context_length: 'want a longer context than this worker offers',
  models: 'want other models',
  worker_id: 'are for other workers',
  untrusted: 'want trusted workers',
  performance: 'want faster workers',
  nsfw: 'may be NSFW',
  blacklist: 'contain words this worker refuses',
  kudos: 'need upfront kudos',
  bridge_version: 'need a newer worker version',
  matching_softprompt: 'want a softprompt',
};

/** "3 waiting requests want other models; 1 wants …", from the pop's `skipped` counts. */
export function describeSkipped(skipped: unknown): string | undefined {
  if (!isRecord(skipped)) return undefined;
  const parts: string[] = [];
  for (const [key, count] of Object.entries(skipped)) {
    if (typeof count !== 'number' || !(count > 0)) continue;
    const why = SKIP_REASONS[key] ?? `were skipped (${key})`;
    parts.push(`${count} ${why}`);
  }
  return parts.length > 0 ? `waiting requests this worker cannot take: ${parts.join('; ')}` : undefined;
}

/** KoboldAI's defaults for what a request leaves out. */
const DEFAULTS = { temperature: 0.7, top_k: 0, top_p: 1, rep_pen: 1 } as const;

export function textGenParams(payload: TextJobPayload, seed: number): TextGenParams {
  const maxNewTokens = Math.max(1, Math.min(payload.max_length, 4096));
  return {
    prompt: payload.prompt,
    maxNewTokens,
    // The horde's context counts the new tokens too; the engine's is the prompt's share.
    maxContextLength: Math.max(1, payload.max_context_length - maxNewTokens),
    temperature: payload.temperature ?? DEFAULTS.temperature,
    topK: payload.top_k ?? DEFAULTS.top_k,
    topP: payload.top_p ?? DEFAULTS.top_p,
    repPen: payload.rep_pen ?? DEFAULTS.rep_pen,
    stopSequences: (payload.stop_sequence ?? []).filter((s) => s.length > 0),
    seed,
  };
}

function dropNullFields(payload: unknown): unknown {
  if (!isRecord(payload)) return payload;
  return Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== null));
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${[prefix, ...i.path].filter((x) => x !== '').join('.') || 'answer'}: ${i.message}`)
    .join('; ');
}
