import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHorde, type Horde } from '../../electron/horde/index';
import { decodeImage, encodePng } from '../../electron/worker/engines/images';
import { loadAlchemyEngine, loadTextEngine } from '../../electron/worker/engines/node';
import type { AlchemyEngine, AlchemyImage, TextEngine } from '../../electron/worker/engines/types';
import { readContextLimit } from '../../electron/worker/model-context';
import { HordeWorker, type JobDone } from '../../electron/worker/worker';
import { FIXTURE_MODELS_DIR, generateFixtures } from '../fixtures/generate';
import { hordeJson } from '../harness/horde-json';

/**
 * The earning loop end to end in one process: the embedded horde on a temp
 * database, a requester over HTTP, and the HordeWorker running the generated
 * tiny models for real.
 */
let dir: string;
let horde: Horde;
let textEngine: TextEngine;
let alchemyEngine: AlchemyEngine;
let worker: HordeWorker;
const done: JobDone[] = [];
let requesterKey: string;
let ownerKey: string;

const api = (method: string, route: string, apikey: string, body?: unknown) =>
  hordeJson(horde.url, method, route, apikey, body);

/** Polls a status route until it says done; bounded in time. */
async function waitDone(
  route: string,
  isDone: (s: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const until = Date.now() + 30_000;
  let status: Record<string, unknown> = {};
  while (Date.now() < until) {
    status = await api('GET', route, requesterKey);
    if (isDone(status)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${route} not done within 30 s: ${JSON.stringify(status)}; worker: ${JSON.stringify(worker.stats())}`,
  );
}

async function ownerKudos(): Promise<number> {
  return (await api('GET', '/v2/find_user', ownerKey)).kudos as number;
}

function square(size = 32): AlchemyImage {
  const data = new Uint8Array(size * size * 4);
  for (let i = 0; i < data.length; i += 4) data.set([200, 30, 30, 255], i);
  return { width: size, height: size, data };
}

beforeAll(async () => {
  await generateFixtures(FIXTURE_MODELS_DIR, { only: ['tiny-gpt2', 'tiny-caption', 'tiny-nsfw'] });
  dir = mkdtempSync(path.join(tmpdir(), 'worker-it-'));
  horde = await startHorde({ dbPath: path.join(dir, 'horde.sqlite'), port: 0 });
  const requester = horde.admin.addUser('requester');
  horde.admin.award(requester.username, 5_000, 'test budget');
  requesterKey = requester.apikey;
  // Trusted, so the whole reward is spendable (horde-fair.test.ts covers evaluation).
  ownerKey = horde.admin.addUser('volunteer', { trusted: true }).apikey;
  textEngine = await loadTextEngine({
    modelsDir: FIXTURE_MODELS_DIR,
    modelName: 'tiny-gpt2',
    device: 'cpu',
    threads: 1,
  });
  alchemyEngine = await loadAlchemyEngine({
    modelsDir: FIXTURE_MODELS_DIR,
    models: ['tiny-caption', 'tiny-nsfw'],
    device: 'cpu',
    threads: 1,
  });
  worker = new HordeWorker({
    hordeUrl: horde.url,
    apiKey: ownerKey,
    name: 'integration-worker',
    textEngine,
    alchemyEngine,
    // The tiny model embeds 256 positions; the worker measures its speed itself.
    modelContextLimit: await readContextLimit(path.join(FIXTURE_MODELS_DIR, 'tiny-gpt2')),
  });
  worker.onJobDone((j) => done.push(j));
  worker.start();
});

afterAll(async () => {
  await worker?.stop();
  await textEngine?.dispose();
  await alchemyEngine?.dispose();
  await horde?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('HordeWorker against the embedded horde', () => {
  it('pops a requested text job, runs the real model, submits, and the owner earns its kudos', async () => {
    const before = await ownerKudos();
    const params = { max_length: 24, max_context_length: 200, temperature: 0, n: 1 };
    const queued = await api('POST', '/v2/generate/text/async', requesterKey, {
      prompt: 'The horde worker said',
      params,
      models: ['tiny-gpt2'],
    });
    const status = await waitDone(`/v2/generate/text/status/${queued.id as string}`, (s) => s.done === true);

    const [generation] = status.generations as {
      text: string;
      seed: number;
      state: string;
      worker_name: string;
    }[];
    expect(generation).toMatchObject({ state: 'ok', worker_name: 'integration-worker' });
    const direct = await textEngine.generate({
      prompt: 'The horde worker said',
      maxNewTokens: 24,
      maxContextLength: 200 - 24,
      temperature: 0,
      topK: 0,
      topP: 1,
      repPen: 1,
      stopSequences: [],
      seed: generation!.seed,
    });
    expect(generation!.text).toBe(direct.text);
    expect(direct.tokenIds).toHaveLength(24);

    const job = done.find((d) => d.kind === 'text' && d.state === 'ok')!;
    expect(job.reward).toBeGreaterThan(0);
    expect(job.reward).toBeCloseTo(status.kudos as number, 2);
    expect(await ownerKudos()).toBeCloseTo(before + job.reward, 2);

    const stats = worker.stats();
    expect(stats.jobsDone).toBeGreaterThanOrEqual(1);
    expect(stats.tokensPerSecond).toBeGreaterThan(0);
    expect(stats.advertised.models).toEqual(['tiny-gpt2']);
    expect(stats.advertised.maxContextLength).toBe(256);
    expect(stats.advertised.maxLength).toBeGreaterThanOrEqual(24);
  });

  it('a sampled job gives what the model gives directly with the seed the worker reported', async () => {
    const queued = await api('POST', '/v2/generate/text/async', requesterKey, {
      prompt: 'Kudos are earned by',
      params: { max_length: 20, max_context_length: 160, temperature: 0.9, top_k: 40, rep_pen: 1.1, n: 1 },
      models: ['tiny-gpt2'],
    });
    const status = await waitDone(`/v2/generate/text/status/${queued.id as string}`, (s) => s.done === true);
    const [generation] = status.generations as { text: string; seed: number }[];
    const direct = await textEngine.generate({
      prompt: 'Kudos are earned by',
      maxNewTokens: 20,
      maxContextLength: 140,
      temperature: 0.9,
      topK: 40,
      topP: 1,
      repPen: 1.1,
      stopSequences: [],
      seed: generation!.seed,
    });
    expect(generation!.text).toBe(direct.text);
  });

  it('serves caption and nsfw alchemy forms with the same answers as the engine run directly', async () => {
    const image = square();
    const source = Buffer.from(encodePng(image)).toString('base64');
    const queued = await api('POST', '/v2/interrogate/async', requesterKey, {
      forms: [{ name: 'caption' }, { name: 'nsfw' }],
      source_image: source,
    });
    const status = await waitDone(`/v2/interrogate/status/${queued.id as string}`, (s) => s.state === 'done');
    const forms = status.forms as { form: string; state: string; result: Record<string, unknown> }[];

    const decoded = await decodeImage(encodePng(image));
    const caption = await alchemyEngine.run('caption', decoded);
    const nsfw = await alchemyEngine.run('nsfw', decoded);
    expect(forms.find((f) => f.form === 'caption')).toMatchObject({
      state: 'done',
      result: { caption: caption.kind === 'text' ? caption.values.caption : undefined },
    });
    expect(forms.find((f) => f.form === 'nsfw')).toMatchObject({
      state: 'done',
      result: { nsfw: nsfw.kind === 'text' ? nsfw.values.nsfw === 'true' : undefined },
    });
    expect(worker.stats().advertised.forms).toEqual(expect.arrayContaining(['caption', 'nsfw']));
  });
});
