import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { HORDE_ROUTES as R, routePath } from '../../../shared/api/routes';
import { serve } from '../route-table';
import {
  IMAGE_STEPS,
  UPSCALERS,
  type ImageAsyncResponse,
  type ImageGeneration,
  type ImagePopPayload,
  type ImageStatus,
  type GenMetadata,
} from '../../../shared/api/image';
import { hasCapability } from '../../../shared/api/bridge-agents';
import { imageKudos, imageRequestPrice, type ImageShape } from '../../../shared/kudos/image-pricing';
import { downgrade, imageJobTtlS, seedToInt, upfrontReasons } from '../../../shared/kudos/image-rules';
import { extraPriority } from '../../../shared/kudos/priority';
import { pyRound } from '../../../shared/kudos/round';
import { userAccount } from '../../../shared/ledger/events';
import { fromKudos, toKudos } from '../../../shared/ledger/money';
import { HordeError } from '../../../shared/api/horde-error';
import { invalidJobId } from '../errors';
import { clientAgentOf, publicBase, userOf, type HordeContext } from '../context';
import { decodeBase64Image, sniffImage, validateImage } from '../images';
import { readSourceImage } from '../source-image';
import { availableOf, balanceOf } from '../store/ledger';
import { holdKudos } from '../store/kudos';
import { newRowId } from '../store/ids';
import { isAnonymous } from '../store/users';
import { activeThreads, checkIn, workerById } from '../store/workers';
import {
  cancelImage,
  doneImageJobs,
  enqueueImage,
  imageCheck,
  imageJobById,
  imageRequestById,
  imageUploadAllowed,
  paramsOf,
  popImages,
  queuedImageRequests,
  recordImageUpload,
  submitImage,
  hasServingImageWorker,
  type ImageRequestParams,
  type ImageWorkerRow,
} from '../store/image-queue';
import { priorityUserIds, workerUser } from './text';

/** The AI Horde refuses prompts over this many words (`InvalidPromptSize`). */
const MAX_PROMPT_WORDS = 7500;
/** Upscalers enlarge up to 4×: a result may be at most this many times the asked side. */
const MAX_RESULT_SCALE = 4;
/** A denoising strength the request leaves out, for img2img (the AI Horde SDK's documented example). */
const DEFAULT_DENOISE = 0.75;

const imageValidationFailed = (what: string): HordeError =>
  new HordeError(
    'ImageValidationFailed',
    `Image validation failed. Please ensure the ${what} payload is either a URL containing an image or a valid base64 encoded image (PNG, JPEG or WebP).`,
  );

/** A source image or mask: base64, or a URL the horde may fetch (`source-image.ts` decides), checked as an image. */
async function readSource(ctx: HordeContext, req: FastifyRequest, raw: string): Promise<Uint8Array> {
  const bytes = await readSourceImage(ctx, req, raw);
  validateImage(bytes, ctx.limits.maxImageBytes);
  return bytes;
}

export const imageRoutes =
  (ctx: HordeContext): FastifyPluginAsync =>
  async (app) => {
    serve(app, R.imageAsync, async (req, reply) => {
      const body = req.body;
      const user = userOf(ctx, req, { anonymousIfMissing: true });
      if (body.prompt.trim() === '')
        throw new HordeError('MissingPrompt', 'You cannot specify an empty prompt.');
      if (
        body.prompt.split(/\s+/).length > MAX_PROMPT_WORDS ||
        body.prompt.length > ctx.limits.maxPromptChars
      ) {
        throw new HordeError('InvalidPromptSize', `Too large prompt: at most ${MAX_PROMPT_WORDS} words.`);
      }
      if (body.webhook !== undefined && !body.webhook.startsWith('https://')) {
        throw new HordeError('BadRequest', 'webhooks need to point to an https endpoint.');
      }
      const p = body.params;
      if (p.cfg_scale !== undefined && Math.abs(p.cfg_scale * 100 - Math.round(p.cfg_scale * 100)) > 1e-6) {
        throw new HordeError('BadCFGDecimals', 'cfg_scale can have at most 2 decimals.');
      }
      const pp = p.post_processing ?? [];
      if (new Set(pp).size !== pp.length) {
        throw new HordeError('BadRequest', 'Each post-processor may be asked for once.');
      }
      if (pp.filter((x) => UPSCALERS.includes(x)).length > 1) {
        throw new HordeError('TooManyUpscalers', 'Only one upscaler may be used per image.');
      }
      if (body.source_mask !== undefined && body.source_image === undefined) {
        throw new HordeError('SourceMaskUnnecessary', 'A source mask was sent without a source image.');
      }
      if (p.control_type && body.source_image === undefined) {
        throw new HordeError('ControlNetSourceMissing', 'ControlNet needs a source image.');
      }
      if (body.extra_source_images && body.extra_source_images.length > 0) {
        throw new HordeError(
          'BadRequest',
          'This horde does not take extra source images: no worker here uses them.',
        );
      }
      for (const id of body.workers) {
        if (!workerById(ctx.db, id))
          throw new HordeError('WorkerNotFound', `Worker with ID '${id}' not found.`);
      }
      const source =
        body.source_image !== undefined ? await readSource(ctx, req, body.source_image) : undefined;
      const mask = body.source_mask !== undefined ? await readSource(ctx, req, body.source_mask) : undefined;
      const painting = body.source_processing === 'inpainting' || body.source_processing === 'outpainting';
      if (source && painting && !mask && sniffImage(source)?.contentType === 'image/jpeg') {
        throw new HordeError(
          'InpaintingMissingMask',
          'Inpainting needs a source mask, or a source image with an alpha channel (PNG or WebP).',
        );
      }

      // The horde's defaults (`extract_params`), then the price.
      const control = p.control_type;
      let width = p.width ?? 512;
      let height = p.height ?? 512;
      let steps = p.steps ?? (control ? 20 : IMAGE_STEPS.default);
      if (control) steps = Math.min(steps, 40);
      const sampler = p.sampler_name ?? 'k_euler_a';
      const n = p.n ?? 1;
      const denoise = source ? (p.denoising_strength ?? DEFAULT_DENOISE) : undefined;
      const params: ImageRequestParams = {
        ...p,
        cfg_scale: p.cfg_scale ?? 5,
        karras: p.karras ?? true,
        post_processing: pp,
        ...(denoise !== undefined ? { denoising_strength: denoise } : {}),
      };
      delete params.seed;
      delete params.seed_variation;
      delete params.n;
      delete params.steps;
      delete params.width;
      delete params.height;
      delete params.sampler_name;
      let slowWorkers = body.slow_workers;
      const shape = (): ImageShape => ({
        width,
        height,
        steps,
        sampler,
        cfgScale: params.cfg_scale,
        ...(denoise !== undefined ? { denoise } : {}),
        postProcessing: pp,
        hiresFix: p.hires_fix ?? false,
        ...(control ? { controlType: control } : {}),
        loras: p.loras?.length ?? 0,
        tis: p.tis?.length ?? 0,
      });
      const price = (): number =>
        imageRequestPrice(shape(), {
          n,
          models: body.models,
          slowWorkers,
          workerBlacklist: body.worker_blacklist && body.workers.length > 0,
        });
      if (body.dry_run) {
        reply.status(200);
        return { kudos: pyRound(price(), 0) };
      }
      const now = ctx.clock();
      return ctx.db.tx(() => {
        const upfront = () =>
          upfrontReasons({
            width,
            height,
            steps,
            sampler,
            models: body.models,
            slowWorkers,
            ...(control ? { controlType: control } : {}),
            queued: queuedImageRequests(ctx.db),
            threads: activeThreads(ctx.db, 'image', now, ctx.limits.workerStaleS).threads,
          });
        const reasons = upfront();
        let hold: { holdId: string; amount: ReturnType<typeof fromKudos> } | undefined;
        const warnings: { code: string; message: string }[] = [];
        if (reasons.length > 0) {
          const needed = price();
          const available = toKudos(availableOf(ctx.db, userAccount(user.id)));
          if (available >= needed) {
            hold = { holdId: `upfront:${newRowId()}`, amount: fromKudos(needed) };
            holdKudos(ctx.db, {
              holdId: hold.holdId,
              userId: user.id,
              amount: hold.amount,
              at: now,
              memo: 'upfront kudos of an image request',
            });
          } else if (body.allow_downgrade) {
            ({ width, height, steps } = downgrade({
              width,
              height,
              steps,
              sampler,
              models: body.models,
              slowWorkers,
              queued: queuedImageRequests(ctx.db),
              threads: activeThreads(ctx.db, 'image', now, ctx.limits.workerStaleS).threads,
            }));
            slowWorkers = true;
            warnings.push({
              code: 'Downgraded',
              message: `Without the kudos up front, the request was lowered to ${width}×${height}, ${steps} steps, slow workers allowed.`,
            });
          } else {
            throw new HordeError(
              'KudosUpfront',
              `Due to heavy demand, this request needs its kudos up front because ${reasons.join(', ')}. ` +
                `This request requires ${pyRound(needed, 0)} kudos to fulfil; you have ${pyRound(available, 2)} available.`,
            );
          }
        }
        const seedText = p.seed;
        const id = enqueueImage(
          ctx.db,
          ctx.imageFiles,
          {
            user,
            prompt: body.prompt,
            params,
            models: body.models,
            workers: body.workers,
            workerBlacklist: body.worker_blacklist,
            nsfw: body.nsfw,
            censorNsfw: body.censor_nsfw,
            trustedWorkers: body.trusted_workers,
            slowWorkers,
            extraSlowWorkers: body.extra_slow_workers,
            r2: body.r2,
            shared: body.shared,
            ...(source ? { source: { bytes: source, processing: body.source_processing } } : {}),
            ...(mask ? { mask } : {}),
            width,
            height,
            steps,
            sampler,
            seed: seedText === undefined || seedText === '' ? null : seedToInt(seedText),
            ...(p.seed_variation !== undefined ? { seedVariation: p.seed_variation } : {}),
            n,
            extraPriority: extraPriority({
              kudos: toKudos(balanceOf(ctx.db, userAccount(user.id))),
              anonymous: isAnonymous(user),
              flagged: user.flagged === 1,
            }),
            kudos: fromKudos(imageKudos(shape())),
            ...(hold ? { hold } : {}),
            ...(clientAgentOf(req) !== undefined ? { clientAgent: clientAgentOf(req) } : {}),
          },
          now,
          ctx.image,
        );
        reply.status(202);
        const answer: ImageAsyncResponse = { id, kudos: pyRound(price(), 0) };
        if (warnings.length > 0) answer.warnings = warnings;
        const row = imageRequestById(ctx.db, id)!;
        if (!hasServingImageWorker(ctx.db, row, now, ctx.limits.workerStaleS)) {
          answer.message =
            'Warning: No available workers can fulfill this request. It will expire in 20 minutes unless a worker appears. Consider reducing its size, or its features.';
        }
        return answer;
      });
    });

    serve(app, R.imageCheck, async (req) => {
      return imageCheck(ctx.db, req.params.id, ctx.clock(), ctx.image);
    });

    const status = (req: FastifyRequest, id: string): ImageStatus => {
      const check = imageCheck(ctx.db, id, ctx.clock(), ctx.image);
      const r = imageRequestById(ctx.db, id)!;
      const base = publicBase(req);
      const generations: ImageGeneration[] = doneImageJobs(ctx.db, id).map((j) => {
        let img = 'N/A';
        if (j.file) {
          if (r.r2 === 1) img = `${base}${routePath(R.imageResult, { id: j.id })}`;
          else img = Buffer.from(ctx.imageFiles.read(j.file) ?? new Uint8Array()).toString('base64');
        }
        return {
          img,
          seed: String(j.seed),
          id: j.id,
          censored: j.censored === 1,
          gen_metadata: j.gen_metadata ? (JSON.parse(j.gen_metadata) as GenMetadata[]) : [],
          worker_id: j.worker_id,
          worker_name: j.worker_name ?? '',
          model: j.model,
          state: (j.state ?? 'ok') as ImageGeneration['state'],
        };
      });
      return { ...check, shared: r.shared === 1, generations };
    };

    serve(app, R.imageStatus, async (req) => {
      return status(req, req.params.id);
    });

    serve(app, R.imageCancel, async (req) => {
      cancelImage(ctx.db, req.params.id, ctx.clock(), ctx.image);
      return status(req, req.params.id);
    });

    serve(app, R.imagePop, async (req) => {
      const body = req.body;
      const user = workerUser(ctx, req);
      const priority = priorityUserIds(ctx, user, body.priority_usernames);
      const now = ctx.clock();
      const checked = checkIn(
        ctx.db,
        {
          user,
          name: body.name,
          type: 'image',
          models: body.models,
          threads: body.threads,
          bridgeAgent: body.bridge_agent,
          nsfw: body.nsfw,
        },
        now,
        ctx.limits.workerStaleS,
        ctx.ledgerRules,
      );
      const options = {
        max_pixels: body.max_pixels,
        nsfw: body.nsfw,
        extra_slow_worker: body.extra_slow_worker,
        require_upfront_kudos: body.require_upfront_kudos,
        allow_img2img: body.allow_img2img,
        allow_painting: body.allow_painting,
        allow_post_processing: body.allow_post_processing,
        allow_controlnet: body.allow_controlnet,
        allow_lora: body.allow_lora,
        limit_max_steps: body.limit_max_steps,
        blacklist: body.blacklist,
      };
      ctx.db.run(
        'UPDATE workers SET max_pixels = ?, image_options = ? WHERE id = ?',
        body.max_pixels,
        JSON.stringify(options),
        checked.id,
      );
      const worker = ctx.db.get<ImageWorkerRow>('SELECT * FROM workers WHERE id = ?', checked.id)!;
      const inMaintenance = worker.maintenance === 1;
      const ownOnly = inMaintenance || worker.paused === 1;
      const { popped, skipped } = popImages(
        ctx.db,
        worker,
        {
          ...options,
          models: body.models,
          amount: body.amount,
          priorityUserIds: ownOnly ? [user.id] : priority,
          onlyPriority: ownOnly,
        },
        now,
        (r, model) =>
          imageJobTtlS({
            width: r.width,
            height: r.height,
            steps: r.steps,
            sampler: r.sampler,
            model,
            ...(paramsOf(r).control_type ? { controlType: paramsOf(r).control_type! } : {}),
            extraSlowWorker: body.extra_slow_worker,
          }),
        ctx.image,
      );
      if (!popped) {
        if (inMaintenance) {
          throw new HordeError(
            'WorkerMaintenance',
            worker.maintenance_msg ?? 'This worker has been put into maintenance mode by its owner.',
          );
        }
        return { id: null, ids: [], skipped, messages: [] };
      }
      const base = publicBase(req);
      const r = popped.request;
      const answer: ImagePopPayload = {
        payload: popped.payload,
        id: popped.jobs[0]!.id,
        ids: popped.jobs.map((j) => j.id),
        model: popped.model,
        ttl: Math.round((popped.jobs[0]!.deadline - now) / 1000),
        r2_upload: `${base}${routePath(R.imageUpload, { id: popped.jobs[0]!.id })}?token=${popped.jobs[0]!.upload_token}`,
        r2_uploads: popped.jobs.map(
          (j) => `${base}${routePath(R.imageUpload, { id: j.id })}?token=${j.upload_token}`,
        ),
        messages: [],
        skipped: {},
      };
      if (r.source_file) {
        // As the AI Horde: a URL for bridges that fetch sources themselves, base64 for the rest.
        const asUrl = hasCapability(worker.bridge_agent, 'r2_source');
        answer.source_image = asUrl
          ? `${base}${routePath(R.imageSource, { id: r.id })}`
          : Buffer.from(ctx.imageFiles.read(r.source_file) ?? new Uint8Array()).toString('base64');
        answer.source_processing = r.source_processing as ImagePopPayload['source_processing'];
        if (r.mask_file) {
          answer.source_mask = asUrl
            ? `${base}${routePath(R.imageSource, { id: r.id })}?mask=1`
            : Buffer.from(ctx.imageFiles.read(r.mask_file) ?? new Uint8Array()).toString('base64');
        }
      }
      return answer;
    });

    serve(app, R.imageSubmit, async (req) => {
      const body = req.body;
      const user = userOf(ctx, req, { anonymousIfMissing: false });
      const job = imageJobById(ctx.db, body.id);
      if (!job) throw invalidJobId(body.id);
      const r2 = body.generation === 'R2';
      let image: Uint8Array | undefined;
      if (!r2 && body.state !== 'faulted' && body.state !== 'csam') {
        image = decodeBase64Image(body.generation);
        if (!image) throw imageValidationFailed('generation');
        checkResult(ctx, job.request_id, image);
      }
      const reward = submitImage(
        ctx.db,
        ctx.imageFiles,
        {
          jobId: body.id,
          user,
          ...(image ? { image } : {}),
          r2,
          state: body.state,
          seed: body.seed,
          ...(body.gen_metadata ? { genMetadata: body.gen_metadata } : {}),
        },
        ctx.clock(),
        ctx.image,
      );
      return { reward: toKudos(reward) };
    });

    /** The worker's upload URL: one image, once, before its job's time limit, checked as an image of a plausible size. */
    serve(app, R.imageUpload, async (req, reply) => {
      const job = imageJobById(ctx.db, req.params.id);
      if (!job) throw invalidJobId(req.params.id);
      if (!imageUploadAllowed(ctx.db, job.id, req.query.token ?? '', ctx.clock())) {
        throw new HordeError(
          'Forbidden',
          'This upload URL is not valid: wrong token, already used, expired, or the job is no longer being processed.',
        );
      }
      if (!(req.body instanceof Buffer)) {
        throw new HordeError(
          'BadRequest',
          'Send the image bytes with Content-Type image/webp, image/png or image/jpeg.',
        );
      }
      const bytes = new Uint8Array(req.body);
      checkResult(ctx, job.request_id, bytes);
      recordImageUpload(ctx.db, ctx.imageFiles, job.id, bytes);
      return reply.status(200).send({});
    });

    /** A delivered image, for the requester (the id is the job's, an unguessable UUID, as the AI Horde's R2 links are). */
    serve(app, R.imageResult, async (req, reply) => {
      const job = imageJobById(ctx.db, req.params.id);
      const request = job ? imageRequestById(ctx.db, job.request_id) : undefined;
      const bytes =
        job && job.status === 'done' && job.file && request?.status !== 'expired'
          ? ctx.imageFiles.read(job.file)
          : undefined;
      if (!bytes) throw new HordeError('NotFound', `No image for '${req.params.id}'.`);
      return reply
        .type(sniffImage(bytes)?.contentType ?? 'application/octet-stream')
        .send(Buffer.from(bytes));
    });

    /** A request's source image (or mask with `?mask=1`), for workers whose bridge fetches it. */
    serve(app, R.imageSource, async (req, reply) => {
      const r = imageRequestById(ctx.db, req.params.id);
      const file = req.query.mask ? r?.mask_file : r?.source_file;
      const bytes = file && r?.status !== 'expired' ? ctx.imageFiles.read(file) : undefined;
      if (!bytes) throw new HordeError('NotFound', `No source image for '${req.params.id}'.`);
      return reply
        .type(sniffImage(bytes)?.contentType ?? 'application/octet-stream')
        .send(Buffer.from(bytes));
    });
  };

/** A result must be an image within the size cap, no larger than the request's size times the largest upscale. */
function checkResult(ctx: HordeContext, requestId: string, bytes: Uint8Array): void {
  const info = validateImage(bytes, ctx.limits.maxImageBytes);
  const r = imageRequestById(ctx.db, requestId);
  if (r && (info.width > r.width * MAX_RESULT_SCALE || info.height > r.height * MAX_RESULT_SCALE)) {
    throw new HordeError(
      'ImageValidationFailed',
      `The image is ${info.width}×${info.height}, larger than this ${r.width}×${r.height} request can produce.`,
    );
  }
}
