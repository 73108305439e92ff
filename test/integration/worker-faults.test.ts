import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHorde, type Horde } from '../../electron/horde/index';
import { loadTextEngine } from '../../electron/worker/engines/node';
import type { GenerateOptions, TextEngine, TextGenParams } from '../../electron/worker/engines/types';
import { HordeWorker, type JobDone, type Sleep } from '../../electron/worker/worker';
import { SERVE_IDLE_POLICY, type WorkerState } from '../../shared/worker/stats';
import { FIXTURE_MODELS_DIR, generateFixtures } from '../fixtures/generate';
import { hordeJson } from '../harness/horde-json';

/**
 * Faults against the real embedded horde and the real tiny model: the horde
 * failing for a while, and a pause in the middle of a job.
 */
let dir: string;
let horde: Horde;
let engine: TextEngine;
let requesterKey: string;
let ownerKey: string;
const workers: HordeWorker[] = [];

/** Real waits, scaled down so the back-off schedule runs in a fraction of its time. */
const quickSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, Math.min(ms / 40, 250));
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

const api = (method: string, route: string, apikey: string, body?: unknown) =>
  hordeJson(horde.url, method, route, apikey, body);

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not within ${ms / 1000} s`);
}

async function requestText(prompt: string, maxLength: number): Promise<string> {
  const queued = await api('POST', '/v2/generate/text/async', requesterKey, {
    prompt,
    params: { max_length: maxLength, max_context_length: 256, temperature: 0, n: 1 },
    models: ['tiny-gpt2'],
  });
  return queued.id as string;
}

const finished = (id: string) => async () => {
  const status = await api('GET', `/v2/generate/text/status/${id}`, requesterKey);
  return status.done === true ? status : undefined;
};

beforeAll(async () => {
  await generateFixtures(FIXTURE_MODELS_DIR, { only: ['tiny-gpt2'] });
  dir = mkdtempSync(path.join(tmpdir(), 'worker-faults-'));
  horde = await startHorde({ dbPath: path.join(dir, 'horde.sqlite'), port: 0 });
  const requester = horde.admin.addUser('requester');
  horde.admin.award(requester.username, 5_000, 'test budget');
  requesterKey = requester.apikey;
  // Trusted, so the whole reward is spendable (horde-fair.test.ts covers evaluation).
  ownerKey = horde.admin.addUser('volunteer', { trusted: true }).apikey;
  engine = await loadTextEngine({
    modelsDir: FIXTURE_MODELS_DIR,
    modelName: 'tiny-gpt2',
    device: 'cpu',
    threads: 1,
  });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

afterAll(async () => {
  await engine?.dispose();
  await horde?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('HordeWorker faults against the embedded horde', () => {
  it('rides out 500s, timeouts and refused connections, then picks up the waiting job', async () => {
    const id = await requestText('After the outage', 16);
    let pops = 0;
    const states = new Set<WorkerState>();
    // The horde "fails" for the first pops: 500s, then requests that hang until their timeout, then no connection.
    const flaky = async (input: string, init: RequestInit): Promise<Response> => {
      if (input.endsWith('/generate/text/pop')) {
        pops++;
        if (pops <= 4)
          return Response.json({ message: 'database locked', rc: 'InternalServerError' }, { status: 500 });
        if (pops <= 7)
          return new Promise<Response>((_, reject) =>
            init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
          );
        if (pops <= 9) throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    };
    const worker = new HordeWorker({
      hordeUrl: horde.url,
      apiKey: ownerKey,
      name: 'flaky-link-worker',
      textEngine: engine,
      limits: { maxLength: 64, maxContextLength: 256 },
      fetch: flaky,
      sleep: quickSleep,
      requestTimeoutMs: 300,
    });
    workers.push(worker);
    worker.onStats((s) => states.add(s.state));
    worker.start();

    const status = await until('the job done after the outage', finished(id));
    expect((status.generations as { state: string }[])[0]?.state).toBe('ok');
    expect(states).toContain('error');
    expect(worker.stats().lastError).toBeDefined();
    // Nine failed pops, then the one that brought the job: no retry storm.
    expect(pops).toBeGreaterThanOrEqual(10);
    expect(pops).toBeLessThanOrEqual(12);
    expect(worker.stats().jobsDone).toBe(1);
  });

  it('a pause mid-job stops the real model within 1 s; the job goes back to the horde and is served after resume', async () => {
    // A model slowed to ~30 tokens/s so that the pause lands mid-job; the inference itself is the real one.
    let abortSeen: number | undefined;
    const slow: TextEngine = {
      backend: engine.backend,
      modelName: engine.modelName,
      dispose: async () => {},
      generate: (params: TextGenParams, options: GenerateOptions = {}) =>
        engine.generate(params, {
          ...options,
          onToken: (n, total) => {
            options.onToken?.(n, total);
            const until = Date.now() + 30;
            while (Date.now() < until && !options.signal?.aborted) {
              // Busy wait: the engine's token callback is synchronous.
            }
            if (options.signal?.aborted && abortSeen === undefined) abortSeen = Date.now();
          },
        }),
    };
    const done: JobDone[] = [];
    const worker = new HordeWorker({
      hordeUrl: horde.url,
      apiKey: ownerKey,
      name: 'pausing-worker',
      textEngine: slow,
      limits: { maxLength: 240, maxContextLength: 256 },
      policy: { ...SERVE_IDLE_POLICY, finishGraceSeconds: 1 },
      sleep: quickSleep,
    });
    workers.push(worker);
    worker.onJobDone((j) => done.push(j));
    worker.start();
    const id = await requestText('Pause me', 60);

    await until('the job running', () => ((worker.stats().currentJob?.tokens ?? 0) >= 10 ? true : undefined));
    const pausedAt = Date.now();
    worker.pause();
    await until('the job handed back', () => done[0]);
    expect(done[0]).toMatchObject({ state: 'faulted', kind: 'text' });
    expect(abortSeen! - pausedAt).toBeLessThanOrEqual(1000);
    expect(worker.stats().state).toBe('paused');

    const waiting = await api('GET', `/v2/generate/text/status/${id}`, requesterKey);
    expect(waiting).toMatchObject({ done: false, faulted: false, restarted: 1 });

    worker.resume();
    const status = await until('the requeued job served after resume', finished(id), 60_000);
    expect((status.generations as { state: string; text: string }[])[0]?.state).toBe('ok');
  });
});
