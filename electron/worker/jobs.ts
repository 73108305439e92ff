/**
 * One round of asking the horde for work and doing it: pop (text, then
 * alchemy), run on the engine, submit. Untrusted answers are read with care; a
 * job that cannot be done is handed back faulted so the horde gives it to
 * someone else. The worker supplies the state around it (JobHost).
 */
import type { InterrogationPopForm } from '../../shared/api/interrogate';
import type { TextJobPayload } from '../../shared/api/text';
import type { CurrentJob } from '../../shared/worker/stats';
import { hordeFormNames, readAlchemyPop } from './alchemy-job';
import { runAlchemyForm, type ImageCodec } from './alchemy-run';
import { HORDE_TEXT_TIME_LIMIT_SECONDS } from './capability';
import type { HordeClient } from '../client/horde-client';
import type { AlchemyEngine, TextEngine, TextGenResult } from './engines/types';
import type { RunningJob } from './running-job';
import { submitWithRetries, type JobSubmission } from './submit';
import { imageJobTtlSeconds, readImagePop, type ImageJob } from './image-job';
import { runImageJob, type ImageSubmissions } from './image-run';
import type { ImageEngine } from './sd/image-engine';
import { readTextPop, textGenParams } from './text-job';
import type { HordeWorkerOptions, JobDone, Sleep } from './worker-options';

/** The AI Horde requeues an alchemy form 3 min after pop. */
const ALCHEMY_TIME_LIMIT_MS = 180_000;
/** Submit this long before the horde's limit at the latest; retries stop there. */
const SUBMIT_MARGIN_MS = 10_000;
/** A job's work ends this long before its submit deadline at the latest, leaving time to hand it in. */
const FINISH_MARGIN_MS = 5_000;

export type JobOutcome =
  /** The horde took the job back, done or faulted; `failure` says why it faulted. */
  | { kind: 'submitted'; done: JobDone; failure?: string }
  /** The horde did not take it back (refused or unreachable), or it had no id to report. */
  | { kind: 'lost'; id?: string; message: string };

export interface JobHost {
  readonly api: HordeClient;
  readonly options: HordeWorkerOptions;
  readonly agent: string;
  readonly alchemyName: string;
  readonly imageName: string;
  now(): number;
  sleep: Sleep;
  random(): number;
  limits(): { maxLength: number; maxContextLength: number };
  /** max_pixels for image pops, from the measured speed (0: no image job fits the time limit). */
  imageMaxPixels(): Promise<number>;
  mayRun(): boolean;
  stopping(): boolean;
  /** After every pop the horde answered; `empty` when it had no work. */
  popAnswered(empty: boolean): void;
  /** Runs `work` as the current job (stats, pause handling); `deadline`: epoch ms it must be done by. */
  withJob(job: CurrentJob, deadline: number, work: (running: RunningJob) => Promise<void>): Promise<void>;
  tokenProgress(): void;
  recordRate(tokens: number, seconds: number): void;
  codec(): Promise<ImageCodec>;
  settled(outcome: JobOutcome): void;
}

export class JobRunner {
  /** Why the last text pop brought nothing, in words, when the horde said. */
  skipped: string | undefined;

  constructor(private readonly host: JobHost) {}

  /** True when the horde handed out work (done or not). */
  async popAndRun(): Promise<boolean> {
    return (await this.popText()) || (await this.popAlchemy()) || (await this.popImage());
  }

  private async popImage(): Promise<boolean> {
    const h = this.host;
    const engine = h.options.imageEngine;
    if (!engine || engine.models.length === 0 || !h.mayRun()) return false;
    const maxPixels = await h.imageMaxPixels();
    if (maxPixels <= 0) return false;
    const raw = await h.api.imagePop({
      name: h.imageName,
      models: [...engine.models],
      bridge_agent: h.agent,
      nsfw: h.options.nsfw ?? false,
      threads: 1,
      amount: 1,
      max_pixels: maxPixels,
      require_upfront_kudos: false,
      allow_img2img: engine.img2img,
      allow_painting: false,
      allow_post_processing: false,
      allow_controlnet: false,
      allow_sdxl_controlnet: false,
      allow_lora: false,
    });
    const pop = readImagePop(raw);
    h.popAnswered(pop.kind === 'none');
    if (pop.kind === 'none') return false;
    if (pop.kind === 'malformed') {
      const message = `The horde sent an image job this worker cannot read (${pop.problem})`;
      if (pop.ids.length === 0) h.settled({ kind: 'lost', message });
      for (const id of pop.ids) {
        const body = { id, generation: '', state: 'faulted' as const, seed: 0 };
        await this.submit({ id, model: '' }, 0, h.now() + 60_000, message, { kind: 'image', body });
      }
      return pop.ids.length > 0;
    }
    await this.runImage(engine, pop.job);
    return true;
  }

  private async runImage(engine: ImageEngine, image: ImageJob): Promise<void> {
    const h = this.host;
    const first = image.jobs[0]?.id ?? '';
    const pixels = (image.payload.width ?? 512) * (image.payload.height ?? 512);
    const ttl = image.ttl ?? imageJobTtlSeconds(image.payload.ddim_steps, pixels);
    const deadline = h.now() + ttl * 1000 - SUBMIT_MARGIN_MS;
    const job = {
      id: first,
      kind: 'image' as const,
      model: image.model,
      progress: 0,
      tokens: 0,
      maxTokens: image.payload.ddim_steps,
    };
    const alchemy = h.options.alchemyEngine;
    const nsfwChecker = alchemy?.forms.includes('nsfw') ? alchemy : undefined;
    let bodies: ImageSubmissions | undefined;
    let failure: string | undefined;
    await h.withJob(job, deadline - FINISH_MARGIN_MS, async (running) => {
      try {
        bodies = await runImageJob(image, {
          api: h.api,
          engine,
          ...(nsfwChecker ? { nsfwChecker } : {}),
          signal: running.stop.signal,
          onStep: (done, total) => {
            running.job.maxTokens = total;
            running.progress(done);
            h.tokenProgress();
          },
        });
      } catch (err) {
        failure = `Image job ${first} (${image.model}) failed: ${errorText(err)}`;
      }
    });
    const handBack =
      bodies ?? image.jobs.map(({ id }) => ({ id, generation: '', state: 'faulted' as const, seed: 0 }));
    for (const body of handBack) {
      await this.submit({ id: body.id, model: image.model }, job.tokens, deadline, failure, {
        kind: 'image',
        body,
      });
    }
  }

  private async popText(): Promise<boolean> {
    const h = this.host;
    const engine = h.options.textEngine;
    if (!engine || !h.mayRun()) return false;
    const limits = h.limits();
    const raw = await h.api.textPop({
      name: h.options.name,
      models: [engine.modelName],
      max_length: limits.maxLength,
      max_context_length: limits.maxContextLength,
      // Jobs this worker runs at once (the AI Horde's meaning), not inference threads.
      threads: 1,
      amount: 1,
      nsfw: h.options.nsfw ?? false,
      require_upfront_kudos: false,
      bridge_agent: h.agent,
    });
    const pop = readTextPop(raw);
    h.popAnswered(pop.kind === 'none');
    this.skipped = pop.kind === 'none' ? pop.skipped : undefined;
    if (pop.kind === 'none') return false;
    if (pop.kind === 'malformed') {
      await this.reportUnreadable('text', pop.id, pop.problem);
      return false;
    }
    await this.runText(engine, pop.id, pop.payload, pop.model ?? engine.modelName);
    return true;
  }

  private async runText(
    engine: TextEngine,
    id: string,
    payload: TextJobPayload,
    model: string,
  ): Promise<void> {
    const h = this.host;
    const deadline = h.now() + HORDE_TEXT_TIME_LIMIT_SECONDS * 1000 - SUBMIT_MARGIN_MS;
    const seed = Math.floor(h.random() * 2 ** 31);
    const params = textGenParams(payload, seed);
    const job = { id, kind: 'text' as const, model, progress: 0, tokens: 0, maxTokens: params.maxNewTokens };
    let result: TextGenResult | undefined;
    let failure: string | undefined;
    await h.withJob(job, deadline - FINISH_MARGIN_MS, async (running) => {
      try {
        result = await engine.generate(params, {
          signal: running.stop.signal,
          speed: () => running.speed,
          onToken: (generated) => {
            running.progress(generated);
            h.tokenProgress();
          },
        });
        h.recordRate(result.tokenIds.length, result.millis / 1000);
      } catch (err) {
        failure = `The model failed on job ${id}: ${errorText(err)}`;
      }
    });
    // A job the engine completed before it saw a pause is handed in: finished work is never thrown away.
    const done = result !== undefined && result.finishReason !== 'aborted' ? result : undefined;
    await this.submit(job, done?.tokenIds.length ?? 0, deadline, failure, {
      kind: 'text',
      // The horde refuses a payload with NUL bytes (as the AI Horde does); a model can emit one.
      body: {
        id,
        generation: (done?.text ?? '').replaceAll('\u0000', ''),
        state: done ? 'ok' : 'faulted',
        seed,
      },
    });
  }

  private async popAlchemy(): Promise<boolean> {
    const h = this.host;
    const engine = h.options.alchemyEngine;
    if (!engine || !h.mayRun()) return false;
    const forms = hordeFormNames(engine.forms, h.options.upscalerNames);
    if (forms.length === 0) return false;
    const raw = await h.api.interrogatePop({
      name: h.alchemyName,
      forms,
      amount: 1,
      threads: 1,
      bridge_agent: h.agent,
    });
    const pop = readAlchemyPop(raw);
    h.popAnswered(pop.kind === 'none');
    if (pop.kind === 'none') return false;
    if (pop.kind === 'malformed') {
      await this.reportUnreadable('alchemy', undefined, pop.problem);
      return false;
    }
    for (const bad of pop.bad) await this.reportUnreadable('alchemy', bad.id, bad.problem);
    for (const form of pop.forms) await this.runAlchemy(engine, form);
    return pop.forms.length > 0 || pop.bad.length > 0;
  }

  private async runAlchemy(engine: AlchemyEngine, form: InterrogationPopForm): Promise<void> {
    const h = this.host;
    const deadline = h.now() + ALCHEMY_TIME_LIMIT_MS - SUBMIT_MARGIN_MS;
    const job = {
      id: form.id,
      kind: 'alchemy' as const,
      model: form.form,
      progress: 0,
      tokens: 0,
      maxTokens: 0,
    };
    let result: Record<string, unknown> | undefined;
    let failure: string | undefined;
    await h.withJob(job, deadline - FINISH_MARGIN_MS, async (running) => {
      try {
        result = await runAlchemyForm(
          { api: h.api, engine, codec: () => h.codec() },
          form,
          running.stop.signal,
        );
        running.job.progress = 1;
      } catch (err) {
        failure = `Alchemy job ${form.id} (${form.form}) failed: ${errorText(err)}`;
      }
    });
    await this.submit(job, 0, deadline, failure, {
      kind: 'alchemy',
      body: { id: form.id, result: result ?? {}, state: result ? 'ok' : 'faulted' },
    });
  }

  /**
   * Submits with retries on transient failures until shortly before the
   * horde's limit. A submit the horde refuses (the job expired or was
   * cancelled) is reported lost.
   */
  private async submit(
    job: Pick<CurrentJob, 'id' | 'model'>,
    tokens: number,
    deadline: number,
    failure: string | undefined,
    submission: JobSubmission,
  ): Promise<void> {
    const h = this.host;
    const { kind } = submission;
    // A censored image is a finished job (the horde pays it); only faulted ones are failures.
    const state = submission.body.state === 'ok' || submission.body.state === 'censored' ? 'ok' : 'faulted';
    let reward: number;
    try {
      reward = await submitWithRetries(submission, {
        api: h.api,
        now: () => h.now(),
        sleep: h.sleep,
        random: () => h.random(),
        deadline,
        hurry: () => h.stopping(),
      });
    } catch (err) {
      h.settled({
        kind: 'lost',
        id: job.id,
        message: `Could not hand job ${job.id} back to the horde: ${errorText(err)}`,
      });
      return;
    }
    const done: JobDone = { id: job.id, kind, state, reward, model: job.model, tokens };
    h.settled({ kind: 'submitted', done, ...(failure !== undefined ? { failure } : {}) });
  }

  /** An unreadable pop answer: shown, and the job reported faulted when it has an id, so the horde reassigns it. */
  private async reportUnreadable(
    kind: 'text' | 'alchemy',
    id: string | undefined,
    problem: string,
  ): Promise<void> {
    const message = `The horde sent a job this worker cannot read (${problem})`;
    if (id === undefined) {
      this.host.settled({ kind: 'lost', message });
      return;
    }
    const model = kind === 'text' ? (this.host.options.textEngine?.modelName ?? '') : '';
    const submission: JobSubmission =
      kind === 'text'
        ? { kind, body: { id, generation: '', state: 'faulted', seed: 0 } }
        : { kind, body: { id, result: {}, state: 'faulted' } };
    await this.submit({ id, model }, 0, this.host.now() + 60_000, message, submission);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
