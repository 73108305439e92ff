/**
 * One image job: fetch or decode the source, generate on the image engine, check NSFW when the
 * job asks for the censor, encode WebP, upload to the horde's URL (or inline), and hand every
 * image back with the seed it was made with. A job that cannot be done is handed back faulted.
 */
import type { GenMetadata, ImageSubmitInput } from '../../shared/api/image';
import type { RgbaImage, SdParams } from '../../shared/diffusion/pipeline';
import type { HordeClient } from '../client/horde-client';
import { inlineImageBytes } from './alchemy-job';
import type { AlchemyEngine } from './engines/types';
import { sdParamsFor, type ImageJob } from './image-job';
import type { ImageEngine } from './sd/image-engine';
import { decodeResized, encodeWebp } from './sd/webp';

export interface ImageRunDeps {
  api: HordeClient;
  engine: ImageEngine;
  /** The alchemy engine, when it has the nsfw form: used for jobs that ask for the censor. */
  nsfwChecker?: AlchemyEngine;
  signal: AbortSignal;
  onStep: (done: number, total: number) => void;
}

/** What the job hands back: one submit body per horde job id. */
export type ImageSubmissions = ImageSubmitInput[];

function black(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { width, height, data };
}

async function isNsfw(checker: AlchemyEngine, image: RgbaImage, signal: AbortSignal): Promise<boolean> {
  const result = await checker.run('nsfw', image, signal);
  if (result.kind !== 'text') throw new Error('the nsfw check gave no verdict');
  return result.values.nsfw === 'true';
}

export async function runImageJob(job: ImageJob, deps: ImageRunDeps): Promise<ImageSubmissions> {
  const params = sdParamsFor(job);
  const censor = job.payload.use_nsfw_censor === true;
  if (censor && !deps.nsfwChecker)
    throw new Error('the job asks for the NSFW censor and no nsfw model is loaded');
  let source: SdParams['source'];
  if (job.sourceImage) {
    if (!deps.engine.img2img) throw new Error('img2img needs a VAE encoder, which this model lacks');
    const bytes =
      inlineImageBytes(job.sourceImage) ?? (await deps.api.download(job.sourceImage, deps.signal));
    const image = await decodeResized(bytes, params.width, params.height);
    source = { image, denoisingStrength: params.denoisingStrength };
  }
  const { denoisingStrength: _d, ...rest } = params;
  const result = await deps.engine.generate(
    job.model,
    { ...rest, ...(source ? { source } : {}) },
    { signal: deps.signal, onStep: deps.onStep },
  );
  const out: ImageSubmissions = [];
  for (const [i, entry] of job.jobs.entries()) {
    let image = result.images[i];
    if (!image)
      throw new Error(`the pipeline made ${result.images.length} images for ${job.jobs.length} jobs`);
    const metadata: GenMetadata[] = [];
    let state: 'ok' | 'censored' = 'ok';
    if (censor && deps.nsfwChecker && (await isNsfw(deps.nsfwChecker, image, deps.signal))) {
      image = black(image.width, image.height);
      state = 'censored';
      metadata.push({ type: 'censorship', value: 'nsfw' });
    }
    if (job.jobs.length > 1) metadata.push({ type: 'batch_index', value: 'see_ref', ref: String(i) });
    const webp = await encodeWebp(image);
    let generation: string;
    if (entry.upload) {
      await deps.api.upload(entry.upload, webp, 'image/webp', deps.signal);
      generation = 'R2';
    } else {
      generation = Buffer.from(webp).toString('base64');
    }
    out.push({
      id: entry.id,
      generation,
      state,
      seed: params.seeds[i]!,
      ...(metadata.length > 0 ? { gen_metadata: metadata } : {}),
    });
  }
  return out;
}
