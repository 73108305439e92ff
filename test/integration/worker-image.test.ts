import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHorde, type Horde } from '../../electron/horde/index';
import { loadAlchemyEngine } from '../../electron/worker/engines/node';
import type { AlchemyEngine } from '../../electron/worker/engines/types';
import { loadNodeImageEngine, type NodeImageEngine } from '../../electron/worker/sd/image-engine';
import { sdParamsFor } from '../../electron/worker/image-job';
import { HordeWorker, type JobDone } from '../../electron/worker/worker';
import { SERVE_IDLE_POLICY } from '../../shared/worker/stats';
import { FIXTURE_MODELS_DIR, generateFixtures } from '../fixtures/generate';
import { hordeJson } from '../harness/horde-json';

/**
 * Image jobs end to end in one process: the embedded horde on a temp database, a requester over
 * HTTP, and the HordeWorker running the tiny SD fixture through the real pipeline on
 * onnxruntime-node, uploading WebP to the horde's upload URL and submitting.
 */
let dir: string;
let horde: Horde;
let engine: NodeImageEngine;
let worker: HordeWorker;
const done: JobDone[] = [];
let requesterKey: string;
let ownerKey: string;

const api = (method: string, route: string, apikey: string, body?: unknown) =>
  hordeJson(horde.url, method, route, apikey, body);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not seen within ${ms / 1000} s; worker: ${JSON.stringify(worker.stats())}`);
}

const ownerKudos = async (): Promise<number> => (await api('GET', '/v2/find_user', ownerKey)).kudos as number;

beforeAll(async () => {
  await generateFixtures(FIXTURE_MODELS_DIR, { only: ['tiny-sd', 'tiny-nsfw'] });
  dir = mkdtempSync(path.join(tmpdir(), 'worker-image-'));
  horde = await startHorde({ dbPath: path.join(dir, 'horde.sqlite'), port: 0 });
  const requester = horde.admin.addUser('image-requester');
  horde.admin.award(requester.username, 5_000, 'test budget');
  requesterKey = requester.apikey;
  // Trusted, as the other worker tests' owners are: an untrusted owner's reward is half held in
  // evaluation (fair kudos), and this test is about the image path, not trust.
  ownerKey = horde.admin.addUser('image-volunteer', { trusted: true }).apikey;
  // The fixture stands in for SD 1.5 under the reference's name, so the horde knows the model.
  engine = await loadNodeImageEngine(
    [{ name: 'stable_diffusion', dir: path.join(FIXTURE_MODELS_DIR, 'tiny-sd') }],
    {
      threads: 1,
    },
  );
  worker = new HordeWorker({
    hordeUrl: horde.url,
    apiKey: ownerKey,
    name: 'image-it-worker',
    imageEngine: engine,
    // Accepts requests that allow NSFW (the horde's default); the censor path has its own test.
    nsfw: true,
    policy: { ...SERVE_IDLE_POLICY, finishJobBeforePause: false },
  });
  worker.onJobDone((j) => done.push(j));
  worker.start();
});

afterAll(async () => {
  await worker?.stop();
  await engine?.dispose();
  await horde?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('HordeWorker image jobs against the embedded horde', () => {
  it('pops an image request, generates, uploads WebP, submits with the seed, and is paid once', async () => {
    const before = await ownerKudos();
    const queued = await api('POST', '/v2/generate/async', requesterKey, {
      prompt: 'a red fox in the snow ### blurry',
      params: { width: 128, height: 64, steps: 4, sampler_name: 'k_euler', cfg_scale: 7, seed: '4242', n: 1 },
      models: ['stable_diffusion'],
    });
    expect(queued.id).toBeTruthy();
    const status = await waitFor('the finished request', async () => {
      const s = await api('GET', `/v2/generate/status/${queued.id as string}`, requesterKey);
      return s.done === true ? s : undefined;
    });
    const [gen] = status.generations as { img: string; seed: string; state: string; worker_name: string }[];
    expect(gen).toMatchObject({ state: 'ok', seed: '4242', worker_name: 'image-it-worker (images)' });
    const bytes = /^https?:/.test(gen!.img)
      ? new Uint8Array(await (await fetch(gen!.img)).arrayBuffer())
      : Uint8Array.from(Buffer.from(gen!.img, 'base64'));
    const meta = await sharp(bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 128, 64]);

    const paid = done.filter((j) => j.kind === 'image' && j.state === 'ok');
    expect(paid).toHaveLength(1);
    expect(paid[0]!.reward).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500));
    expect((await ownerKudos()) - before).toBeCloseTo(paid[0]!.reward, 2);
  });

  it('stops within a second of a pause mid-generation and reports the job faulted', async () => {
    const faultedBefore = done.filter((j) => j.kind === 'image' && j.state === 'faulted').length;
    const queued = await api('POST', '/v2/generate/async', requesterKey, {
      prompt: 'a long generation',
      params: { width: 512, height: 512, steps: 500, sampler_name: 'k_euler', cfg_scale: 7, seed: '7', n: 1 },
      models: ['stable_diffusion'],
    });
    expect(queued.id).toBeTruthy();
    await waitFor('a running image job past its second step', async () => {
      const job = worker.stats().currentJob;
      return job?.kind === 'image' && job.tokens >= 2 ? job : undefined;
    });
    const pausedAt = Date.now();
    worker.pause('Paused by the test');
    await waitFor('the faulted report', async () =>
      done.filter((j) => j.kind === 'image' && j.state === 'faulted').length > faultedBefore
        ? true
        : undefined,
    );
    const stoppedAfter = Date.now() - pausedAt;
    expect(worker.stats().currentJob).toBeUndefined();
    expect(stoppedAfter).toBeLessThan(1_000);
    const check = await api('GET', `/v2/generate/check/${queued.id as string}`, requesterKey);
    expect(check).toMatchObject({ done: false, finished: 0 });
    worker.resume();
    await api('DELETE', `/v2/generate/status/${queued.id as string}`, requesterKey);
  });

  it('checks a request that forbids NSFW with the nsfw model and submits what fails it censored', async () => {
    await worker.stop();
    const checker: AlchemyEngine = await loadAlchemyEngine({
      modelsDir: FIXTURE_MODELS_DIR,
      models: ['tiny-nsfw'],
      device: 'cpu',
      threads: 1,
    });
    const sfw = new HordeWorker({
      hordeUrl: horde.url,
      apiKey: ownerKey,
      name: 'image-it-sfw',
      imageEngine: engine,
      alchemyEngine: checker,
      nsfw: false,
      policy: { ...SERVE_IDLE_POLICY, finishJobBeforePause: false },
    });
    try {
      // Find a seed whose image the tiny nsfw model flags (it reads "redder than blue" as nsfw).
      const params = {
        width: 64,
        height: 64,
        steps: 3,
        sampler_name: 'k_euler' as const,
        cfg_scale: 7,
        n: 1,
      };
      let flagged: number | undefined;
      for (let seed = 1; seed <= 40 && flagged === undefined; seed += 1) {
        const sd = sdParamsFor({
          jobs: [{ id: 'x' }],
          model: 'stable_diffusion',
          payload: {
            ...params,
            prompt: 'a fox',
            ddim_steps: 3,
            n_iter: 1,
            batch_size: 1,
            seed: String(seed),
            karras: true,
          },
        });
        const { denoisingStrength: _d, ...p } = sd;
        const out = await engine.generate('stable_diffusion', p);
        const verdict = await checker.run('nsfw', out.images[0]!, new AbortController().signal);
        if (verdict.kind === 'text' && verdict.values.nsfw === 'true') flagged = seed;
      }
      expect(flagged, 'a seed the tiny nsfw model flags').toBeDefined();
      sfw.start();
      const queued = await api('POST', '/v2/generate/async', requesterKey, {
        prompt: 'a fox',
        params: { ...params, seed: String(flagged) },
        nsfw: false,
        censor_nsfw: true,
        models: ['stable_diffusion'],
      });
      const status = await waitFor('the censored request', async () => {
        const st = await api('GET', `/v2/generate/status/${queued.id as string}`, requesterKey);
        return st.done === true ? st : undefined;
      });
      const [gen] = status.generations as { censored: boolean; worker_name: string; img: string }[];
      expect(gen).toMatchObject({ censored: true, worker_name: 'image-it-sfw (images)' });
    } finally {
      await sfw.stop();
      await checker.dispose();
    }
  });
});
