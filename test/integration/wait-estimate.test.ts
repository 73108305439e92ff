import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHorde, type Horde } from '../../electron/horde/index';
import { loadTextEngine } from '../../electron/worker/engines/node';
import type { TextEngine } from '../../electron/worker/engines/types';
import { readContextLimit } from '../../electron/worker/model-context';
import { HordeWorker } from '../../electron/worker/worker';
import { FIXTURE_MODELS_DIR, generateFixtures } from '../fixtures/generate';
import { hordeJson } from '../harness/horde-json';

/**
 * Issue 16: the wait estimate against what happened. The embedded horde, the
 * in-app worker on the tiny model (for real), three requests at once: the
 * estimate the last one gets at submit (its queue ahead at the worker's
 * measured speed) is compared with how long it really took.
 */
const FACTOR = 4;
/** Seconds of slack: polling, check-ins and a loaded machine's jitter on a job of a second or two. */
const SLACK_S = 3;

let dir: string;
let horde: Horde;
let engine: TextEngine;
let worker: HordeWorker;
let key: string;

const api = (method: string, route: string, body?: unknown) => hordeJson(horde.url, method, route, key, body);

/** What the worker advertises once calibrated: on a loaded machine it offers less than on a quiet one. */
let offer = { maxLength: 0, maxContextLength: 0 };

async function submit(maxLength: number): Promise<string> {
  // Ask no more than the worker offers, or the request waits for a worker that never comes.
  const r = await api('POST', '/v2/generate/text/async', {
    prompt: 'Once upon a time',
    models: ['tiny-gpt2'],
    params: {
      max_length: Math.min(maxLength, offer.maxLength),
      max_context_length: Math.min(200, offer.maxContextLength),
    },
  });
  return r.id as string;
}

async function doneAfter(id: string, from: number): Promise<number> {
  // Under the test's own timeout, so that a stuck request says why.
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const s = await api('GET', `/v2/generate/text/status/${id}`);
    if (s.done === true) return (Date.now() - from) / 1000;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`request ${id} not done within 60 s; worker: ${JSON.stringify(worker.stats())}`);
}

beforeAll(async () => {
  await generateFixtures(FIXTURE_MODELS_DIR, { only: ['tiny-gpt2'] });
  dir = mkdtempSync(path.join(tmpdir(), 'wait-estimate-'));
  horde = await startHorde({ dbPath: path.join(dir, 'horde.sqlite'), port: 0 });
  const requester = horde.admin.addUser('requester', { trusted: true });
  horde.admin.award(requester.username, 5_000, 'test budget');
  key = requester.apikey;
  engine = await loadTextEngine({
    modelsDir: FIXTURE_MODELS_DIR,
    modelName: 'tiny-gpt2',
    device: 'cpu',
    threads: 1,
  });
  worker = new HordeWorker({
    hordeUrl: horde.url,
    apiKey: horde.admin.addUser('volunteer', { trusted: true }).apikey,
    name: 'estimate-worker',
    textEngine: engine,
    modelContextLimit: await readContextLimit(path.join(FIXTURE_MODELS_DIR, 'tiny-gpt2')),
  });
  worker.start();
  const until = Date.now() + 60_000;
  while (worker.stats().advertised.maxLength === 0 && Date.now() < until)
    await new Promise((r) => setTimeout(r, 100));
  offer = worker.stats().advertised;
  if (offer.maxLength === 0)
    throw new Error(`the worker did not calibrate within 60 s: ${JSON.stringify(worker.stats())}`);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await engine?.dispose();
  await horde?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the wait estimate', () => {
  it('comes within a factor of what happened, for a request with others queued ahead', async () => {
    // A first job, so the horde has measured the worker's speed.
    const first = await submit(32);
    await doneAfter(first, Date.now());

    const ids = [await submit(64), await submit(64)];
    const at = Date.now();
    const last = await submit(64);
    const status = await api('GET', `/v2/generate/text/status/${last}`);
    const estimate = status.wait_time as number;
    const actual = await doneAfter(last, at);
    for (const id of ids) await doneAfter(id, at);
    console.log(
      `wait estimate ${estimate} s, actual ${actual.toFixed(1)} s (queue position ${String(status.queue_position)})`,
    );
    expect(actual).toBeLessThanOrEqual(estimate * FACTOR + SLACK_S);
    expect(estimate).toBeLessThanOrEqual(actual * FACTOR + SLACK_S);
  });
});
