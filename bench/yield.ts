/**
 * Yield to the user: how long after `HordeWorker.pause()` the worker's
 * inference actually stops, measured mid-job on the run's text model with a
 * real horde (in process) and a real engine. The engine is wrapped only to
 * timestamp its tokens and the moment `generate` returns. Reference, from the
 * same jobs: the time of one token, the least a between-tokens stop can take.
 *
 * The worker's policy here stops at once on pause (finishJobBeforePause off):
 * with it on, a job that ends within the grace time is finished instead, which
 * is the point of that setting and not a yield delay.
 *
 * Child use: tsx bench/yield.ts child <modelsDir> <model> <pauses>
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { answer, isEntry, runChild } from './child';
import { row, type BenchResult } from './report';
import { median, summarize } from './stats';
import type { TextEngine } from '../electron/worker/engines/types';

const HERE = fileURLToPath(import.meta.url);
/** Tokens into the job when the pause comes: past the prompt, well before the end. */
const PAUSE_AT_TOKEN = 8;
const STEP_TIMEOUT_MS = 60_000;

interface PauseSample {
  /** pause() → the engine's generate() returned. */
  stopMs: number;
  /** pause() → the horde acknowledged the job as handed back (faulted). */
  reportedMs: number;
  /** Median time between tokens in this job before the pause. */
  tokenMs: number;
  tokensAtStop: number;
  finishReason: string;
}

interface ChildAnswer {
  samples: PauseSample[];
  maxNewTokens: number;
}

function within<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_TIMEOUT_MS);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

async function child(modelsDir: string, model: string, pauses: number): Promise<ChildAnswer> {
  const { startHorde } = await import('../electron/horde/index');
  const { loadTextEngine } = await import('../electron/worker/engines/node');
  const { HordeWorker } = await import('../electron/worker/worker');
  const { readFile } = await import('node:fs/promises');
  const config = JSON.parse(await readFile(path.join(modelsDir, model, 'config.json'), 'utf8')) as {
    n_positions?: number;
  };
  const positions = config.n_positions ?? 1024;
  // Long enough that the job is far from done when the pause comes, short enough to fit the model's positions.
  const maxNewTokens = Math.min(512, positions - 32);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'yield-bench-'));
  // No kudos cap: the requester's budget below is larger than the default cap.
  const horde = await startHorde({
    dbPath: path.join(dir, 'horde.sqlite'),
    limits: { userKudosCap: undefined },
  });
  const engine = await loadTextEngine({ modelsDir, modelName: model });
  try {
    const owner = horde.admin.addUser('yield-owner', { trusted: true });
    const requester = horde.admin.addUser('yield-requester');
    horde.admin.award(requester.username, 1e7, 'bench');

    let onToken: ((n: number, at: number) => void) | undefined;
    let onEnd: ((finishReason: string, at: number) => void) | undefined;
    const wrapped: TextEngine = {
      backend: engine.backend,
      modelName: engine.modelName,
      generate: async (params, options) => {
        const r = await engine.generate(params, {
          ...(options?.signal ? { signal: options.signal } : {}),
          onToken: (generated, total) => {
            onToken?.(generated, performance.now());
            options?.onToken?.(generated, total);
          },
        });
        onEnd?.(r.finishReason, performance.now());
        return r;
      },
      dispose: () => engine.dispose(),
    };
    const worker = new HordeWorker({
      hordeUrl: horde.url,
      apiKey: owner.apikey,
      name: 'yield-bench-worker',
      textEngine: wrapped,
      limits: { maxLength: maxNewTokens, maxContextLength: positions },
      modelContextLimit: positions,
      policy: { idleMinutes: 0, onlyOnAC: false, finishJobBeforePause: false },
    });
    const samples: PauseSample[] = [];
    worker.pause('waiting for the first job');
    worker.start();
    for (let i = 0; i < pauses; i++) {
      const res = await fetch(`${horde.url}/v2/generate/text/async`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', apikey: requester.apikey },
        body: JSON.stringify({
          prompt: 'Write a long letter to the lighthouse keeper about the storm of the century',
          params: { n: 1, max_length: maxNewTokens, max_context_length: positions, temperature: 0 },
        }),
      });
      const requestId = ((await res.json()) as { id?: string }).id;
      if (res.status !== 202 || !requestId) throw new Error(`the horde refused the request: ${res.status}`);

      const times: number[] = [];
      const mid = new Promise<void>((resolve) => {
        onToken = (n, at) => {
          times.push(at);
          if (n === PAUSE_AT_TOKEN) resolve();
        };
      });
      const ended = new Promise<{ reason: string; at: number }>((resolve) => {
        onEnd = (reason, at) => resolve({ reason, at });
      });
      const reported = new Promise<number>((resolve) => {
        const off = worker.onJobDone(() => {
          off();
          resolve(performance.now());
        });
      });
      worker.resume();
      await within(mid, 'the job to reach its tokens');
      const pausedAt = performance.now();
      worker.pause('bench: the user is back');
      const end = await within(ended, 'the engine to stop');
      const reportedAt = await within(reported, 'the job to be handed back');
      const gaps = times.slice(1).map((t, k) => t - (times[k] as number));
      samples.push({
        stopMs: end.at - pausedAt,
        reportedMs: reportedAt - pausedAt,
        tokenMs: median(gaps.length > 0 ? gaps : [Number.NaN]),
        tokensAtStop: times.length,
        finishReason: end.reason,
      });
      // The request would come back to the queue (the worker handed it back); end it so the next round gets a fresh one.
      await fetch(`${horde.url}/v2/generate/text/status/${requestId}`, { method: 'DELETE' });
    }
    await worker.stop();
    return { samples, maxNewTokens };
  } finally {
    await engine.dispose();
    await horde.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export interface YieldOptions {
  modelsDir: string;
  model: string;
  pauses: number;
  log: (line: string) => void;
}

export async function benchYield(o: YieldOptions): Promise<BenchResult> {
  const started = performance.now();
  const { value } = await runChild<ChildAnswer>(HERE, ['child', o.modelsDir, o.model, String(o.pauses)], {
    timeoutMs: 60_000 + o.pauses * 60_000,
  });
  for (const s of value.samples) {
    o.log(
      `  yield: stopped ${s.stopMs.toFixed(1)} ms after pause (token ${s.tokenMs.toFixed(1)} ms, ${s.finishReason}), reported ${s.reportedMs.toFixed(0)} ms`,
    );
  }
  const stop = summarize(value.samples.map((s) => s.stopMs));
  const token = summarize(value.samples.map((s) => s.tokenMs));
  const reported = summarize(value.samples.map((s) => s.reportedMs));
  const allAborted = value.samples.every((s) => s.finishReason === 'aborted');
  return {
    name: 'yield',
    rows: [
      row({
        bench: 'yield',
        metric: `pause → inference stopped, ${o.model}`,
        unit: 'ms',
        project: stop,
        referenceLabel: 'one token',
        reference: token,
        target: { text: '< 1 s', pass: stop.n > 0 && allAborted ? stop.max < 1000 : undefined },
        note: `worst ${stop.max.toFixed(0)} ms over ${stop.n} pauses at token ${PAUSE_AT_TOKEN} of ${value.maxNewTokens}; job handed back to the horde (faulted) after ${reported.median.toFixed(0)} ms median${allAborted ? '' : '; SOME JOBS WERE NOT ABORTED'}`,
      }),
    ],
    details: { samples: value.samples, pauseAtToken: PAUSE_AT_TOKEN, maxNewTokens: value.maxNewTokens },
    seconds: (performance.now() - started) / 1000,
  };
}

if (isEntry(import.meta.url) && process.argv[2] === 'child') {
  const [modelsDir, model, pauses] = process.argv.slice(3);
  child(modelsDir ?? '', model ?? '', Number(pauses))
    .then((a) => {
      answer(a);
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
