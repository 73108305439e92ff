import sharp from 'sharp';

/**
 * A stand-in image worker for tests: it pops like reGen (POST /v2/generate/pop),
 * "generates" a WebP of the asked size whose colour comes from the job's seed,
 * PUTs it to the job's upload URL (or sends it as base64) and submits with
 * the seed, the way the AI Horde's own worker does. No model, no GPU.
 */
export interface StubImageWorkerOptions {
  /** Base URL of the horde's API, `.../api`. */
  url: string;
  apikey: string;
  name: string;
  models?: string[];
  bridgeAgent?: string;
  maxPixels?: number;
  amount?: number;
  nsfw?: boolean;
}

export interface PoppedImageJob {
  id: string | null;
  ids: string[];
  payload?: Record<string, unknown> & { width?: number; height?: number; seed?: string; prompt?: string };
  r2_uploads?: string[];
  source_image?: string;
  skipped?: Record<string, number>;
  ttl?: number;
  model?: string;
}

/** A solid WebP of `width`×`height`, its colour taken from the seed (so tests can tell images apart). */
export async function seededWebp(width: number, height: number, seed: number): Promise<Buffer> {
  const r = seed & 0xff;
  const g = (seed >>> 8) & 0xff;
  const b = (seed >>> 16) & 0xff;
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .webp({ quality: 95 })
    .toBuffer();
}

export function stubImageWorker(o: StubImageWorkerOptions) {
  const headers = {
    apikey: o.apikey,
    'content-type': 'application/json',
    'client-agent': 'stub-image-worker:1:test',
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field in the tests
  const post = async (path: string, body: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${o.url}/v2${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    async pop(extra: Record<string, unknown> = {}): Promise<PoppedImageJob> {
      const r = await post('/generate/pop', {
        name: o.name,
        models: o.models ?? ['stable_diffusion'],
        bridge_agent: o.bridgeAgent ?? 'horde-desktop:0.1.0:https://example.invalid/stub',
        max_pixels: o.maxPixels ?? 1024 * 1024,
        amount: o.amount ?? 1,
        nsfw: o.nsfw ?? true,
        ...extra,
      });
      if (r.status !== 200) throw new Error(`pop answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body as PoppedImageJob;
    },
    /** Makes and delivers every image of a pop; returns the rewards. */
    async deliver(
      job: PoppedImageJob,
      how: { via?: 'r2' | 'base64'; state?: 'ok' | 'censored' | 'faulted'; metadata?: unknown[] } = {},
    ): Promise<number[]> {
      const rewards: number[] = [];
      const seed = Number(job.payload?.seed ?? 0);
      for (const [i, id] of job.ids.entries()) {
        const img = await seededWebp(job.payload?.width ?? 512, job.payload?.height ?? 512, seed + i);
        let generation = img.toString('base64');
        if ((how.via ?? 'r2') === 'r2' && how.state !== 'faulted') {
          const put = await fetch(job.r2_uploads![i]!, {
            method: 'PUT',
            headers: { 'content-type': 'image/webp' },
            body: img,
          });
          if (put.status !== 200) throw new Error(`upload answered ${put.status}: ${await put.text()}`);
          generation = 'R2';
        }
        const r = await post('/generate/submit', {
          id,
          generation,
          state: how.state ?? 'ok',
          seed: seed + i,
          gen_metadata: [{ type: 'batch_index', value: 'see_ref', ref: String(i) }, ...(how.metadata ?? [])],
        });
        if (r.status !== 200) throw new Error(`submit answered ${r.status}: ${JSON.stringify(r.body)}`);
        rewards.push(r.body.reward as number);
      }
      return rewards;
    },
    post,
  };
}
