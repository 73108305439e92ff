import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { fromKudos, toKudos } from '../../shared/ledger/money';
import { imageKudos } from '../../shared/kudos/image-pricing';
import type { ImageStatus } from '../../shared/api/image';
import { openTestHorde, PNG_1X1, sdkError, type TestHorde } from './horde-testkit';
import { seededWebp, stubImageWorker } from '../harness/stub-image-worker';

/**
 * Image requests end to end over real HTTP: the public SDK as the requester,
 * a stub image worker (test/harness/stub-image-worker.ts) popping, uploading
 * and submitting, the embedded horde's ledger checked after every test.
 */
let t: TestHorde;
beforeAll(async () => {
  t = await openTestHorde();
});
afterAll(async () => {
  await t.close();
});

const kudosOf = async (key: string): Promise<number> =>
  fromKudos((await t.call('GET', '/find_user', { key })).body.kudos);

let workerSeq = 0;
function worker(apikey: string, o: Partial<Parameters<typeof stubImageWorker>[0]> = {}) {
  workerSeq++;
  return stubImageWorker({ url: t.horde.url, apikey, name: `stub-img-${workerSeq}`, ...o });
}

describe('image requests through the SDK', () => {
  it('goes async → pop → upload → submit → status with the image, and the dry run equals the charge', async () => {
    const req = t.user('img-req', 100);
    const owner = t.user('img-owner');
    const sdk = t.sdk(req.apikey);
    const w = worker(owner.apikey);
    await w.pop(); // the worker checks in, so the request is possible
    const body = {
      prompt: 'a lighthouse at dusk ### blurry',
      params: {
        width: 576,
        height: 512,
        steps: 20,
        sampler_name: 'k_euler' as never,
        cfg_scale: 6.5,
        n: 2,
        seed: '1234',
        seed_variation: 7,
      },
      models: ['stable_diffusion'],
    };
    const dry = await sdk.postAsyncImageGenerate({ ...body, dry_run: true }, { token: req.apikey });
    const queued = await sdk.postAsyncImageGenerate(body, { token: req.apikey });
    expect(queued.id).toBeTruthy();
    expect(queued.kudos).toBe(dry.kudos);
    expect((queued as { message?: string }).message).toBeUndefined();

    const check = await sdk.getImageGenerationCheck(queued.id!, { force: true });
    expect(check).toMatchObject({
      waiting: 2,
      processing: 0,
      finished: 0,
      done: false,
      queue_position: 1,
      is_possible: true,
    });

    const before = { req: await kudosOf(req.apikey), owner: await kudosOf(owner.apikey) };
    const job = await w.pop({ amount: 2 });
    expect(job.ids).toHaveLength(2);
    expect(job.r2_uploads).toHaveLength(2);
    // The upload URLs are on the horde's own address.
    expect(job.r2_uploads![0]!.startsWith(`${t.horde.url}/v2/r2/image/`)).toBe(true);
    // The AI Horde's payload quirks: seed as a string, ddim_steps instead of steps, n_iter, the negative after ###.
    expect(job.payload).toMatchObject({
      prompt: body.prompt,
      seed: '1234',
      ddim_steps: 20,
      n_iter: 2,
      width: 576,
      height: 512,
      karras: true,
      cfg_scale: 6.5,
      sampler_name: 'k_euler',
    });
    expect(job.payload).not.toHaveProperty('steps');
    expect(job.ttl).toBeGreaterThanOrEqual(150);

    const rewards = await w.deliver(job);
    const perImage = imageKudos({ width: 576, height: 512, steps: 20, sampler: 'k_euler', cfgScale: 6.5 });
    expect(rewards).toEqual([perImage, perImage]);

    const status = (await sdk.getImageGenerationStatus(queued.id!, {
      force: true,
    })) as unknown as ImageStatus;
    expect(status).toMatchObject({ done: true, finished: 2, waiting: 0, processing: 0, faulted: false });
    expect(status.generations.map((g) => g.seed)).toEqual(['1234', '1235']);
    expect(status.generations.every((g) => g.censored === false && g.model === 'stable_diffusion')).toBe(
      true,
    );
    const img = await fetch(status.generations[0]!.img);
    expect(img.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await img.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 576, 512]);

    const after = { req: await kudosOf(req.apikey), owner: await kudosOf(owner.apikey) };
    const charged = before.req - after.req;
    // The dry run is whole kudos, as the AI Horde rounds it; the charge is to the milli-kudo.
    expect(Math.abs(toKudos(charged as never) - dry.kudos!)).toBeLessThanOrEqual(0.5);
    expect(toKudos(charged as never)).toBeCloseTo((perImage + 1) * 2 + 1, 2);
    expect(after.owner - before.owner).toBe(fromKudos(perImage) * 2);
    expect(status.kudos).toBeCloseTo(toKudos(charged as never), 2);
    expect(t.horde.admin.verify().ok).toBe(true);
  });

  it('lets each upload URL be used once, for an image only, and refuses a second submit', async () => {
    const req = t.user('img-once', 50);
    const owner = t.user('img-once-owner');
    const w = worker(owner.apikey);
    const q = await t
      .sdk(req.apikey)
      .postAsyncImageGenerate({ prompt: 'a cat', models: ['stable_diffusion'] }, { token: req.apikey });
    const job = await w.pop();
    expect(job.id).toBeTruthy();
    const url = job.r2_uploads![0]!;
    const notImage = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'image/webp' },
      body: Buffer.from('RIFF....not a webp'),
    });
    expect([notImage.status, ((await notImage.json()) as { rc: string }).rc]).toEqual([
      400,
      'ImageValidationFailed',
    ]);
    const tooBig = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'image/webp' },
      body: await seededWebp(512 * 5, 512, 1),
    });
    expect([tooBig.status, ((await tooBig.json()) as { rc: string }).rc]).toEqual([
      400,
      'ImageValidationFailed',
    ]);
    const wrongToken = await fetch(url.replace(/token=.*/, 'token=nope'), {
      method: 'PUT',
      headers: { 'content-type': 'image/webp' },
      body: await seededWebp(512, 512, 1),
    });
    expect(wrongToken.status).toBe(403);
    await w.deliver(job);
    const again = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'image/webp' },
      body: await seededWebp(512, 512, 2),
    });
    expect(again.status).toBe(403);
    const dup = await w.post('/generate/submit', { id: job.id, generation: 'R2', seed: 1 });
    expect([dup.status, dup.body.rc]).toEqual([400, 'DuplicateGen']);
    expect((await t.sdk().getImageGenerationCheck(q.id!, { force: true })).done).toBe(true);
    expect(t.horde.admin.verify().ok).toBe(true);
  });

  it('answers base64 when r2 is false, and takes a base64 submit', async () => {
    const req = t.user('img-b64', 50);
    const owner = t.user('img-b64-owner');
    // An agent the horde does not know gets only r2:false requests (IMAGE-API.md §C).
    const w = worker(owner.apikey, { bridgeAgent: 'SomeOtherWorker:1:http://x' });
    const q = await t
      .sdk(req.apikey)
      .postAsyncImageGenerate(
        { prompt: 'a boat', models: ['stable_diffusion'], r2: true },
        { token: req.apikey },
      );
    const skipped = await w.pop();
    expect(skipped.id).toBeNull();
    expect(skipped.skipped).toMatchObject({ bridge_version: 1 });
    await t.sdk().deleteImageGenerationRequest(q.id!);
    const q2 = await t.sdk(req.apikey).postAsyncImageGenerate(
      {
        prompt: 'a boat',
        models: ['stable_diffusion'],
        r2: false,
        params: { karras: false, sampler_name: 'k_euler' as never },
      },
      { token: req.apikey },
    );
    const job = await w.pop();
    expect(job.id).toBeTruthy();
    const [reward] = await w.deliver(job, { via: 'base64' });
    // Not an official bridge: ×0.75.
    expect(reward).toBeCloseTo(
      imageKudos({ width: 512, height: 512, steps: 30, sampler: 'k_euler', cfgScale: 5 }) * 0.75,
      2,
    );
    const status = (await t
      .sdk()
      .getImageGenerationStatus(q2.id!, { force: true })) as unknown as ImageStatus;
    const bytes = Buffer.from(status.generations[0]!.img, 'base64');
    expect((await sharp(bytes).metadata()).format).toBe('webp');
    expect(t.horde.admin.verify().ok).toBe(true);
  });

  it('refuses a request that needs kudos up front and the requester lacks them, and downgrades it when allowed', async () => {
    const poor = t.user('img-poor', 1);
    const sdk = t.sdk(poor.apikey);
    const body = { prompt: 'a castle', models: ['stable_diffusion'], params: { steps: 50 } };
    const dry = await sdk.postAsyncImageGenerate({ ...body, dry_run: true }, { token: poor.apikey });
    expect(dry.kudos).toBeGreaterThan(1);
    const err = await sdkError(sdk.postAsyncImageGenerate(body, { token: poor.apikey }));
    expect(err).toEqual({ status: 403, rc: 'KudosUpfront' });
    const raw = await t.call('POST', '/generate/async', { key: poor.apikey, body });
    expect(raw.body.message).toMatch(/50 steps is more than the free 40/);
    const down = await sdk.postAsyncImageGenerate({ ...body, allow_downgrade: true }, { token: poor.apikey });
    expect(down.id).toBeTruthy();
    expect(down.warnings?.[0]?.code).toBe('Downgraded');
    // Rich enough: the kudos are held, and the hold is released when the request ends.
    const rich = t.user('img-rich', 500);
    const held = await t.sdk(rich.apikey).postAsyncImageGenerate(body, { token: rich.apikey });
    const user = (await t.call('GET', '/find_user', { key: rich.apikey })).body;
    expect(user.kudos).toBe(500);
    await t.sdk().deleteImageGenerationRequest(held.id!);
    await t.sdk().deleteImageGenerationRequest(down.id!);
    expect(t.horde.admin.verify().ok).toBe(true);
  });

  it('keeps what was delivered when cancelled mid-batch, and hands out nothing more', async () => {
    const req = t.user('img-cancel', 100);
    const owner = t.user('img-cancel-owner');
    const w = worker(owner.apikey);
    const q = await t
      .sdk(req.apikey)
      .postAsyncImageGenerate(
        { prompt: 'four apples', models: ['stable_diffusion'], params: { n: 4 } },
        { token: req.apikey },
      );
    const first = await w.pop({ amount: 2 });
    expect(first.ids).toHaveLength(2);
    const before = await kudosOf(req.apikey);
    const cancelled = (await t.sdk().deleteImageGenerationRequest(q.id!)) as unknown as ImageStatus;
    expect(cancelled).toMatchObject({ processing: 2, waiting: 0, done: false });
    expect((await w.pop()).id).toBeNull();
    await w.deliver(first);
    const status = (await t.sdk().getImageGenerationStatus(q.id!, { force: true })) as unknown as ImageStatus;
    expect(status).toMatchObject({ done: true, finished: 2, waiting: 0 });
    expect(status.generations).toHaveLength(2);
    const per = imageKudos({ width: 512, height: 512, steps: 30, sampler: 'k_euler_a', cfgScale: 5 });
    expect(before - (await kudosOf(req.apikey))).toBe(fromKudos((per + 1) * 2 + 1));
    expect(t.horde.admin.verify().ok).toBe(true);
  });

  it('requeues a stale job unpaid after the image time limit, counts the fault, and refuses the late submit', async () => {
    const req = t.user('img-stale', 50);
    const owner = t.user('img-stale-owner');
    const slow = worker(owner.apikey);
    const fast = worker(owner.apikey);
    const q = await t
      .sdk(req.apikey)
      .postAsyncImageGenerate(
        { prompt: 'a slow snail', models: ['stable_diffusion'], params: { seed: '99' } },
        { token: req.apikey },
      );
    const late = await slow.pop();
    expect(late.ttl).toBe(150);
    t.clock.advance(151_000);
    const check = await t.sdk().getImageGenerationCheck(q.id!, { force: true });
    expect(check).toMatchObject({ restarted: 1, waiting: 1, processing: 0 });
    const before = { req: await kudosOf(req.apikey), owner: await kudosOf(owner.apikey) };
    const retry = await fast.pop();
    expect(retry.payload?.seed).toBe('99');
    await expect(slow.deliver(late)).rejects.toThrow(/403|AbortedGen/);
    const lateSubmit = await slow.post('/generate/submit', { id: late.id, generation: 'R2', seed: 99 });
    expect([lateSubmit.status, lateSubmit.body.rc]).toEqual([400, 'AbortedGen']);
    expect(await kudosOf(owner.apikey)).toBe(before.owner);
    await fast.deliver(retry);
    const workers = (await t.call('GET', '/workers?type=image')).body as {
      name: string;
      uncompleted_jobs: number;
    }[];
    expect(workers.find((x) => x.name === `stub-img-${workerSeq - 1}`)?.uncompleted_jobs).toBe(1);
    expect(before.req - (await kudosOf(req.apikey))).toBeGreaterThan(0);
    expect(t.horde.admin.verify().ok).toBe(true);
  });

  it('marks a censored image and does not charge for it, while the worker is paid', async () => {
    const req = t.user('img-censor', 50);
    const owner = t.user('img-censor-owner');
    const w = worker(owner.apikey);
    const q = await t
      .sdk(req.apikey)
      .postAsyncImageGenerate(
        { prompt: 'a statue', models: ['stable_diffusion'], nsfw: false, censor_nsfw: true },
        { token: req.apikey },
      );
    const job = await w.pop();
    expect(job.payload?.use_nsfw_censor).toBe(true);
    const before = { req: await kudosOf(req.apikey), owner: await kudosOf(owner.apikey) };
    const [reward] = await w.deliver(job, { metadata: [{ type: 'censorship', value: 'nsfw' }] });
    expect(reward).toBeGreaterThan(0);
    const status = (await t.sdk().getImageGenerationStatus(q.id!, { force: true })) as unknown as ImageStatus;
    expect(status.generations[0]).toMatchObject({ censored: true, state: 'censored' });
    expect(await kudosOf(req.apikey)).toBe(before.req);
    expect(await kudosOf(owner.apikey)).toBe(before.owner + fromKudos(reward!));
    expect(status.kudos).toBe(0);
    expect(t.horde.admin.verify().ok).toBe(true);
  });

  it('moves kudos exactly once per image: one ledger event each, none on repeats', async () => {
    const req = t.user('img-once-each', 100);
    const owner = t.user('img-once-each-owner');
    const w = worker(owner.apikey);
    await t
      .sdk(req.apikey)
      .postAsyncImageGenerate(
        { prompt: 'three stars', models: ['stable_diffusion'], params: { n: 3 } },
        { token: req.apikey },
      );
    const events = () => t.horde.admin.verify().events;
    const e0 = events();
    const job = await w.pop({ amount: 3 });
    expect(job.ids).toHaveLength(3);
    await w.deliver(job);
    expect(events() - e0).toBe(3);
    for (const id of job.ids) {
      const r = await w.post('/generate/submit', { id, generation: 'R2', seed: 1 });
      expect(r.body.rc).toBe('DuplicateGen');
    }
    expect(events() - e0).toBe(3);
    expect(t.horde.admin.verify().ok).toBe(true);
  });

  it('sends img2img sources by URL to our worker, counts faults, and lists image models and workers', async () => {
    const req = t.user('img-i2i', 100);
    const owner = t.user('img-i2i-owner');
    const w = worker(owner.apikey, { models: ['stable_diffusion', 'SDXL 1.0'] });
    const source = (await seededWebp(512, 512, 42)).toString('base64');
    const q = await t.sdk(req.apikey).postAsyncImageGenerate(
      {
        prompt: 'the same, at night',
        models: ['stable_diffusion'],
        source_image: source,
        params: { denoising_strength: 0.4 },
      },
      { token: req.apikey },
    );
    const job = await w.pop();
    expect(job.source_image).toMatch(/\/v2\/r2\/image-source\//);
    const src = Buffer.from(await (await fetch(job.source_image!)).arrayBuffer());
    expect(src.toString('base64')).toBe(source);
    expect(job.payload?.denoising_strength).toBe(0.4);
    await w.deliver(job, { state: 'faulted' });
    const check = await t.sdk().getImageGenerationCheck(q.id!, { force: true });
    expect(check).toMatchObject({ restarted: 1, waiting: 1 });
    await w.deliver(await w.pop());
    const models = (await t.call('GET', '/status/models?type=image')).body as {
      name: string;
      count: number;
      type: string;
    }[];
    expect(models.find((m) => m.name === 'SDXL 1.0')).toMatchObject({ count: 1, type: 'image' });
    const listed = (await t.call('GET', '/workers?type=image')).body as Record<string, unknown>[];
    expect(listed.find((x) => x.name === `stub-img-${workerSeq}`)).toMatchObject({
      type: 'image',
      max_pixels: 1024 * 1024,
      img2img: true,
    });
    expect(t.horde.admin.verify().ok).toBe(true);
  });

  it('answers the AI Horde rc codes for bad requests', async () => {
    const u = t.user('img-bad', 10);
    const sdk = t.sdk(u.apikey);
    const post = (body: Record<string, unknown>) =>
      t.call('POST', '/generate/async', { key: u.apikey, body });
    expect((await post({ prompt: '', models: [] })).body.rc).toBe('BadRequest');
    expect((await post({ prompt: 'x', params: { width: 500 } })).status).toBe(400);
    expect((await post({ prompt: 'x', params: { cfg_scale: 7.555 } })).body.rc).toBe('BadCFGDecimals');
    expect(
      (await post({ prompt: 'x', params: { post_processing: ['RealESRGAN_x4plus', 'NMKD_Siax'] } })).body.rc,
    ).toBe('TooManyUpscalers');
    expect((await post({ prompt: 'x', source_mask: PNG_1X1 })).body.rc).toBe('SourceMaskUnnecessary');
    expect((await post({ prompt: 'x', source_image: 'not base64!' })).body.rc).toBe('ImageValidationFailed');
    expect(await sdkError(sdk.getImageGenerationCheck('nope', { force: true }))).toEqual({
      status: 404,
      rc: 'RequestNotFound',
    });
    const submit = await t.call('POST', '/generate/submit', {
      key: u.apikey,
      body: { id: 'nope', generation: 'R2', seed: 1 },
    });
    expect([submit.status, submit.body.rc]).toEqual([404, 'InvalidJobID']);
    const anonPop = await t.call('POST', '/generate/pop', { key: '0000000000', body: { name: 'anon-w' } });
    expect([anonPop.status, anonPop.body.rc]).toEqual([403, 'AnonForbiddenWorker']);
  });

  it('expires a finished request after 20 minutes, with its image files', async () => {
    const req = t.user('img-expire', 50);
    const owner = t.user('img-expire-owner');
    const w = worker(owner.apikey);
    const q = await t
      .sdk(req.apikey)
      .postAsyncImageGenerate({ prompt: 'ephemeral', models: ['stable_diffusion'] }, { token: req.apikey });
    await w.deliver(await w.pop());
    const status = (await t.sdk().getImageGenerationStatus(q.id!, { force: true })) as unknown as ImageStatus;
    expect((await fetch(status.generations[0]!.img)).status).toBe(200);
    t.clock.advance(20 * 60 * 1000 + 1000);
    t.horde.sweep();
    expect(await sdkError(t.sdk().getImageGenerationStatus(q.id!, { force: true }))).toEqual({
      status: 404,
      rc: 'RequestNotFound',
    });
    expect((await fetch(status.generations[0]!.img)).status).toBe(404);
    expect(t.horde.admin.verify().ok).toBe(true);
  });
});
