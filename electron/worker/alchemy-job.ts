/**
 * Alchemy (interrogation) jobs: which horde form names this worker can serve,
 * reading a pop answer (untrusted), and the result body the horde expects.
 */
import { z } from 'zod';
import {
  InterrogationPopForm,
  isImageForm,
  UPSCALE_FORMS,
  type FormName,
  type UpscalerName,
} from '../../shared/api/interrogate';
import type { AlchemyForm, AlchemyResult } from './engines/types';

/** Engine form → the names the horde asks for it by. Upscalers are named by model; give them in options. */
export function hordeFormNames(
  forms: readonly AlchemyForm[],
  upscalerNames: readonly UpscalerName[] = [],
): FormName[] {
  const names: FormName[] = [];
  for (const form of forms) {
    if (form === 'upscale') names.push(...upscalerNames);
    else names.push(form);
  }
  return [...new Set(names)];
}

export function engineFormFor(hordeForm: string): AlchemyForm | undefined {
  if ((UPSCALE_FORMS as readonly string[]).includes(hordeForm)) return 'upscale';
  const direct: readonly string[] = ['caption', 'interrogation', 'nsfw', 'strip_background'];
  return direct.includes(hordeForm) ? (hordeForm as AlchemyForm) : undefined;
}

export type AlchemyPop =
  | { kind: 'none' }
  | { kind: 'forms'; forms: InterrogationPopForm[]; bad: { id?: string; problem: string }[] };

const Answer = z.object({ forms: z.array(z.unknown()).nullish() });
const IdOnly = z.object({ id: z.string().min(1) });

/** Reads each form on its own, so one bad form does not lose the good ones. */
export function readAlchemyPop(raw: unknown): AlchemyPop | { kind: 'malformed'; problem: string } {
  const answer = Answer.safeParse(raw);
  if (!answer.success) return { kind: 'malformed', problem: 'the answer is not an object with forms' };
  const items = answer.data.forms ?? [];
  if (items.length === 0) return { kind: 'none' };
  const forms: InterrogationPopForm[] = [];
  const bad: { id?: string; problem: string }[] = [];
  for (const item of items) {
    const form = InterrogationPopForm.safeParse(item);
    if (form.success) forms.push(form.data);
    else {
      const id = IdOnly.safeParse(item).data?.id;
      bad.push({
        ...(id !== undefined ? { id } : {}),
        problem: form.error.issues[0]?.message ?? 'unreadable form',
      });
    }
  }
  return { kind: 'forms', forms, bad };
}

/** The `result` of /v2/interrogate/submit for a text-valued form, typed as the AI Horde's alchemist sends it. */
export function textResultBody(result: Extract<AlchemyResult, { kind: 'text' }>): Record<string, unknown> {
  // Structured results (interrogation tags with confidences) go as the engine gave them.
  const body: Record<string, unknown> = { ...result.values, ...(result.data ?? {}) };
  if (body.nsfw === 'true' || body.nsfw === 'false') body.nsfw = body.nsfw === 'true';
  return body;
}

/** Image forms: the image went to the upload URL; the result names the form with "R2". */
export function imageResultBody(hordeForm: string): Record<string, unknown> {
  return { [hordeForm]: 'R2' };
}

export { isImageForm };

/** A source image given inline (base64, maybe a data: URL) rather than as a URL to download. */
export function inlineImageBytes(source: string): Uint8Array | undefined {
  if (/^https?:\/\//i.test(source)) return undefined;
  const b64 = source.replace(/^data:[^;,]+;base64,/, '');
  if (!/^[A-Za-z0-9+/=\s_-]+$/.test(b64)) return undefined;
  return Uint8Array.from(Buffer.from(b64, 'base64'));
}
