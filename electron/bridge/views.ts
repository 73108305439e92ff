import type { AskedFor } from '../../shared/kudos/results';
import type {
  AccountView,
  AlchemyFormView,
  AlchemyStatus,
  HistoryEntry,
  RequestState,
  TextRequest,
  TextRequestStatus,
} from '../../shared/bridge/contract';
import type { TextAsyncInput } from '../../shared/api/text';
import { readAlchemyResult } from '../../shared/api/alchemy-results';
import type { InterrogateStatusAnswer, TextStatusAnswer, UserAnswer } from '../../shared/api/answers';
import { asMilli, type Milli } from '../../shared/ledger/money';
import { milliFromHorde } from '../../shared/bridge/kudos';

/** Horde answers → what the window reads. Pure functions. */

export function accountView(user: UserAnswer, reserved: Milli): AccountView {
  const kudos = milliFromHorde(user.kudos);
  return {
    username: user.username,
    id: user.id,
    kudos,
    evaluatingKudos: milliFromHorde(user.evaluating_kudos),
    reserved,
    available: asMilli(kudos - reserved),
    workerIds: user.worker_ids ?? [],
    anonymous: user.id === 0,
    ...(user.kudos_cap !== undefined ? { kudosCap: milliFromHorde(user.kudos_cap) } : {}),
  };
}

export function textAsyncBody(req: TextRequest, dryRun: boolean): TextAsyncInput {
  return {
    prompt: req.prompt,
    params: { n: 1, ...req.params },
    models: req.models,
    trusted_workers: req.trustedWorkers ?? false,
    dry_run: dryRun,
  };
}

export function textJobState(s: TextStatusAnswer): RequestState {
  if (s.faulted) return 'faulted';
  if (s.done) return 'done';
  if (s.processing > 0) return 'processing';
  return 'waiting';
}

export function textStatusView(id: string, s: TextStatusAnswer, state = textJobState(s)): TextRequestStatus {
  return {
    id,
    state,
    waiting: s.waiting,
    processing: s.processing,
    finished: s.finished,
    queuePosition: s.queue_position,
    waitTime: s.wait_time,
    isPossible: s.is_possible,
    kudos: milliFromHorde(s.kudos),
    generations: s.generations.map((g) => ({
      text: g.text,
      model: g.model,
      workerName: g.worker_name,
      workerId: g.worker_id,
      state: g.state,
      seed: g.seed,
    })),
  };
}

const FORM_STATES = new Set(['waiting', 'processing', 'done', 'faulted']);

export function alchemyState(s: InterrogateStatusAnswer): RequestState {
  if (s.state === 'done' || s.state === 'faulted' || s.state === 'processing' || s.state === 'waiting')
    return s.state;
  if (s.state === 'cancelled') return 'cancelled';
  // "partial" and anything newer: some forms still running.
  return 'processing';
}

/** The readable results (caption, tags, verdict); image results (URLs) are resolved by the caller into data: URLs. */
export function alchemyFormView(f: InterrogateStatusAnswer['forms'][number]): AlchemyFormView {
  const state = (FORM_STATES.has(f.state) ? f.state : 'processing') as AlchemyFormView['state'];
  const view: AlchemyFormView = { form: f.form, state };
  const r = readAlchemyResult(f.form, f.result);
  if (r.caption !== undefined) view.caption = r.caption;
  if (r.tags) view.tags = r.tags;
  if (r.nsfw !== undefined) view.nsfw = r.nsfw;
  if (r.other) view.text = r.other;
  return view;
}

/** The image URL of an image form's result, if any. */
export function alchemyImageUrl(f: InterrogateStatusAnswer['forms'][number]): string | undefined {
  for (const v of Object.values(f.result ?? {}))
    if (typeof v === 'string' && /^https?:\/\//.test(v)) return v;
  return undefined;
}

export function alchemySummary(status: AlchemyStatus): string | undefined {
  const parts = status.forms.flatMap((f) => [
    ...(f.caption !== undefined ? [`caption: ${f.caption}`] : []),
    ...(f.tags ? [`interrogation: ${f.tags.map((t) => t.text).join(', ')}`] : []),
    ...(f.nsfw !== undefined ? [`nsfw: ${f.nsfw ? 'not safe for work' : 'safe for work'}`] : []),
    ...Object.entries(f.text ?? {}).map(([k, v]) =>
      k === f.form ? `${f.form}: ${v}` : `${f.form}.${k}: ${v}`,
    ),
  ]);
  return parts.length > 0 ? parts.join('\n') : undefined;
}

export function newHistoryEntry(
  kind: HistoryEntry['kind'],
  id: string,
  summary: string,
  models: string[],
  kudos: Milli,
  now: number,
  asked?: AskedFor,
): HistoryEntry {
  return {
    id,
    kind,
    submittedAt: now,
    summary: summary.slice(0, 500),
    models,
    kudos,
    quoted: kudos,
    state: 'waiting',
    ...(asked ? { asked } : {}),
  };
}
