import { asMilli } from '../../shared/ledger/money';
import { milliFromHorde } from '../../shared/bridge/kudos';
import { UPSCALERS, type ImageAsyncInput, type ImageCheck, type ImageStatus } from '../../shared/api/image';
import { imageResultBound, imageResultProblem, imageSizeOf } from '../../shared/kudos/results';
import type { AccountView } from '../../shared/bridge/contract';
import { bridgeError } from '../../shared/bridge/errors';
import {
  ImageRequestSchema,
  type GalleryImage,
  type ImageHandlers,
  type ImageJobView,
  type ImageModelView,
  type ImageRequestParsed,
} from '../../shared/bridge/images';
import { nativeSide } from '../../shared/kudos/image-models';
import { joinPrompt, upfrontReasons } from '../../shared/kudos/image-rules';
import type { HordeClient } from '../client/horde-client';
import { HordeError } from '../../shared/api/horde-error';
import type { FetchLike } from '../client/http';
import type { BridgeEventBus } from './events';
import type { Gallery } from './gallery';
import { downloadFile } from './image-file';
import type { Logger } from './ports';

export interface ImageRequestsDeps {
  client: () => HordeClient;
  hordeUrl: string;
  gallery: Gallery;
  /** Where 'image:updated' goes: the window's one source of a request's updates after its first look. */
  bus: BridgeEventBus;
  account: () => Promise<AccountView>;
  /** After a request ends (the balance changed). */
  onSettled?: () => void;
  fetch?: FetchLike;
  /** Check poll interval; the AI Horde allows 10 checks a second, we stay far below. */
  pollMs?: number;
  log?: Logger;
  now?: () => number;
}

interface Tracked {
  view: ImageJobView;
  request: ImageRequestParsed;
  timer: ReturnType<typeof setTimeout> | null;
  failures: number;
  settling: Promise<void> | null;
  /** The images are in the gallery (or the request is gone): nothing more to poll. */
  settled: boolean;
  /** The view last pushed, so a check that changed nothing pushes nothing. */
  pushed: string;
}

const MAX_POLL_FAILURES = 20;

/**
 * The window's image requests: price (dry run), submit, and follow each one
 * the way the AI Horde asks clients to — poll the cheap `check` (10/s
 * allowed), and fetch the `status` (10/min, with the images) once, when the
 * request is done or cancelled — then keep every delivered image in the
 * gallery. Works the same against the embedded horde and the public one.
 * Every change of what the window shows of a request is pushed as
 * 'image:updated' (as the text tracker pushes 'request:updated'): the window
 * asks `images:status` once, when it starts to show a request, then follows
 * the pushes only.
 */
export class ImageRequests {
  private readonly jobs = new Map<string, Tracked>();
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly deps: ImageRequestsDeps) {
    this.now = deps.now ?? Date.now;
  }

  handlers(): ImageHandlers {
    return {
      'images:models': () => this.models(),
      'images:price': async (raw) => {
        const req = ImageRequestSchema.parse(raw);
        const [quote, acct, perf, models] = await Promise.all([
          this.deps.client().imageAsync(asyncBody(req, true)),
          this.deps.account(),
          this.deps
            .client()
            .performance()
            .catch(() => undefined),
          this.models().catch(() => undefined),
        ]);
        // The horde's float kudos become milli-kudos once, here; the account is milli-kudos already.
        const kudos = milliFromHorde(quote.kudos ?? 0);
        const reasons = upfrontReasons({
          width: req.width,
          height: req.height,
          steps: req.steps,
          sampler: req.sampler,
          models: req.model ? [req.model] : [],
          slowWorkers: req.slowWorkers,
          queued: perf?.queued_requests ?? 0,
          threads: perf?.thread_count ?? 0,
        });
        let workers: number | null = null;
        if (models) {
          workers = req.model
            ? (models.find((m) => m.name === req.model)?.count ?? 0)
            : models.reduce((s, m) => Math.max(s, m.count), 0);
        }
        const available = acct.available;
        return {
          kudos,
          available,
          after: asMilli(available - kudos),
          upfront: reasons,
          refused: reasons.length > 0 && available < kudos,
          workers,
        };
      },
      'images:submit': async (raw) => {
        const req = ImageRequestSchema.parse(raw);
        const answer = await this.deps.client().imageAsync(asyncBody(req, false));
        if (!answer.id) {
          throw bridgeError(
            'BadHordeAnswer',
            answer.message ?? 'The horde accepted the request but gave no id.',
          );
        }
        const view: ImageJobView = {
          id: answer.id,
          state: 'waiting',
          n: req.n,
          finished: 0,
          waiting: req.n,
          processing: 0,
          restarted: 0,
          queuePosition: 0,
          waitTime: 0,
          isPossible: answer.message === undefined,
          kudos: milliFromHorde(answer.kudos ?? 0),
          images: [],
          settled: false,
        };
        this.jobs.set(answer.id, {
          view,
          request: req,
          timer: null,
          failures: 0,
          settling: null,
          settled: false,
          pushed: '',
        });
        this.schedule(answer.id, 0);
        return { id: answer.id, kudos: view.kudos, warnings: answer.warnings ?? [] };
      },
      'images:status': async ({ id }) => this.shown(this.tracked(id)),
      'images:cancel': async ({ id }) => {
        const t = this.tracked(id);
        if (t.settled) return { ...t.view, settled: true };
        const status = await this.deps.client().imageCancel(id);
        this.apply(t, status);
        if (status.done) await this.settle(id, status);
        else t.view = { ...t.view, state: 'cancelled' };
        this.push(t);
        return this.shown(t);
      },
      'images:gallery': async ({ limit }) => this.deps.gallery.list(limit),
      'images:file': async ({ id, format }) => {
        const g = this.deps.gallery.get(id);
        const bytes = g ? await this.deps.gallery.read(id) : undefined;
        if (!g || !bytes) throw bridgeError('NotFound', 'That image is no longer in the gallery.');
        return downloadFile(g, bytes, format);
      },
      'images:delete': async ({ ids }) => ({ removed: await this.deps.gallery.remove(ids) }),
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.jobs.values()) if (t.timer) clearTimeout(t.timer);
    await Promise.all([...this.jobs.values()].map((t) => t.settling));
  }

  private async models(): Promise<ImageModelView[]> {
    const models = await this.deps.client().models('image');
    return models
      .map((m) => ({
        name: m.name,
        count: m.count,
        queued: m.jobs,
        eta: m.eta,
        nativeSide: nativeSide(m.name),
      }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  }

  private tracked(id: string): Tracked {
    const t = this.jobs.get(id);
    if (!t)
      throw bridgeError(
        'NotFound',
        'This app is not following that image request (it may be from before a restart).',
      );
    return t;
  }

  private shown(t: Tracked): ImageJobView {
    return { ...t.view, settled: t.settled };
  }

  /** Pushes the request's view when it differs from the one pushed last. */
  private push(t: Tracked): void {
    const view = this.shown(t);
    const json = JSON.stringify(view);
    if (json === t.pushed) return;
    t.pushed = json;
    this.deps.bus.emit('image:updated', view);
  }

  private schedule(id: string, ms: number): void {
    const t = this.jobs.get(id);
    if (!t || this.stopped) return;
    t.timer = setTimeout(() => void this.poll(id), ms);
    t.timer.unref?.();
  }

  private async poll(id: string): Promise<void> {
    const t = this.jobs.get(id);
    if (!t || this.stopped || t.settled) return;
    try {
      const check = await this.deps.client().imageCheck(id);
      t.failures = 0;
      this.apply(t, check);
      if (check.done) {
        await this.settle(id, await this.deps.client().imageStatus(id));
        return;
      }
      this.push(t);
    } catch (e) {
      if (e instanceof HordeError && e.rc === 'RequestNotFound') {
        t.view = { ...t.view, state: 'expired' };
        t.settled = true;
        this.push(t);
        this.deps.onSettled?.();
        return;
      }
      t.failures++;
      this.deps.log?.warn(`image request ${id}: check failed`, e);
      if (t.failures >= MAX_POLL_FAILURES) {
        t.view = {
          ...t.view,
          state: 'failed',
          error: { rc: 'HordeUnreachable', message: 'The horde stopped answering about this request.' },
        };
        t.settled = true;
        this.push(t);
        return;
      }
    }
    this.schedule(id, (this.deps.pollMs ?? 1500) * Math.min(8, 1 + t.failures));
  }

  private apply(t: Tracked, c: ImageCheck): void {
    let state: ImageJobView['state'] = c.processing > 0 ? 'processing' : 'waiting';
    if (c.faulted) state = 'faulted';
    else if (c.done) state = t.view.state === 'cancelled' ? 'cancelled' : 'done';
    else if (t.view.state === 'cancelled') state = 'cancelled';
    t.view = {
      ...t.view,
      state,
      finished: c.finished,
      waiting: c.waiting,
      processing: c.processing,
      restarted: c.restarted,
      queuePosition: c.queue_position,
      waitTime: c.wait_time,
      isPossible: c.is_possible,
      kudos: milliFromHorde(c.kudos),
    };
  }

  /** Fetches each delivered image once into the gallery; the request is then final. */
  private settle(id: string, status: ImageStatus): Promise<void> {
    const t = this.tracked(id);
    if (t.settling) return t.settling;
    t.settling = (async () => {
      const cancelled = t.view.state === 'cancelled';
      this.apply(t, status);
      const images: GalleryImage[] = [];
      // What the request asked for bounds what is kept: n images, each no larger than the asked
      // size (4× each side with an upscaler) can be (shared/kudos/results.ts). A worker on a shared
      // horde may send more, or bigger; that is not stored.
      const bound = imageResultBound({
        width: t.request.width,
        height: t.request.height,
        upscaled: t.request.postProcessing.some((p) => UPSCALERS.includes(p)),
      });
      const delivered = status.generations.filter(
        (g) => g.state !== 'faulted' && g.img !== 'N/A' && g.img !== '',
      );
      if (delivered.length > t.request.n)
        this.deps.log?.warn(
          `${id}: the horde sent ${delivered.length} images for ${t.request.n} asked; kept ${t.request.n}`,
        );
      for (const g of delivered.slice(0, t.request.n)) {
        try {
          const bytes = await this.imageBytes(g.img, bound.bytes);
          const size = imageSizeOf(bytes);
          const problem = size ? imageResultProblem({ ...size, bytes: bytes.length }, bound) : undefined;
          if (problem) throw new Error(problem);
          const stored = await this.deps.gallery.add(
            {
              id: g.id,
              requestId: id,
              createdAt: this.now(),
              prompt: t.request.prompt,
              negative: t.request.negative,
              model: g.model,
              seed: g.seed,
              width: t.request.width,
              height: t.request.height,
              steps: t.request.steps,
              sampler: t.request.sampler,
              cfgScale: t.request.cfgScale,
              karras: t.request.karras,
              ...(t.request.source ? { strength: t.request.source.strength } : {}),
              postProcessing: t.request.postProcessing,
              censored: g.censored,
              workerName: g.worker_name,
              horde: this.deps.hordeUrl,
            },
            bytes,
          );
          images.push(stored);
        } catch (e) {
          this.deps.log?.warn(`image ${g.id} of ${id}: could not be fetched`, e);
        }
      }
      let state: ImageJobView['state'] = status.faulted ? 'faulted' : 'done';
      if (cancelled) state = 'cancelled';
      t.view = { ...t.view, state, images };
      t.settled = true;
      this.push(t);
      this.deps.onSettled?.();
    })();
    return t.settling;
  }

  /** An image's bytes, read no further than `max` (the request's bound): a bigger one is refused unread. */
  private async imageBytes(img: string, max: number): Promise<Uint8Array> {
    const tooBig = (): Error =>
      new Error(`the image is larger than the request asked for (${max} bytes at most)`);
    if (!/^https?:\/\//.test(img)) {
      // base64: 4 characters carry 3 bytes.
      if (Math.floor((img.length * 3) / 4) > max + 2) throw tooBig();
      return Buffer.from(img, 'base64');
    }
    const f = this.deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const controller = new AbortController();
    const res = await f(img, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(30_000)]) });
    if (!res.ok) throw new Error(`the image URL answered ${res.status}`);
    if (Number(res.headers.get('content-length') ?? 0) > max) {
      controller.abort();
      throw tooBig();
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = res.body?.getReader();
    if (!reader) return new Uint8Array();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > max) {
        controller.abort();
        await reader.cancel().catch(() => undefined);
        throw tooBig();
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks);
  }
}

/** The window's request as the AI Horde's `POST /v2/generate/async` body. */
export function asyncBody(r: ImageRequestParsed, dryRun: boolean): ImageAsyncInput {
  return {
    prompt: joinPrompt(r.prompt, r.negative),
    params: {
      sampler_name: r.sampler,
      cfg_scale: r.cfgScale,
      width: r.width,
      height: r.height,
      steps: r.steps,
      n: r.n,
      karras: r.karras,
      ...(r.seed !== '' ? { seed: r.seed } : {}),
      ...(r.seedVariation !== undefined ? { seed_variation: r.seedVariation } : {}),
      ...(r.postProcessing.length > 0 ? { post_processing: r.postProcessing } : {}),
      ...(r.source ? { denoising_strength: r.source.strength } : {}),
    },
    models: r.model ? [r.model] : [],
    nsfw: r.nsfw,
    censor_nsfw: !r.nsfw,
    trusted_workers: r.trustedWorkers,
    slow_workers: r.slowWorkers,
    r2: true,
    ...(r.source
      ? {
          source_image: r.source.image.replace(/^data:image\/[a-z]+;base64,/, ''),
          source_processing: 'img2img' as const,
        }
      : {}),
    dry_run: dryRun,
  };
}
