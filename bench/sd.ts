/**
 * Stable Diffusion overhead: UNet steps per second of our pipeline (shared/diffusion/pipeline.ts on
 * onnxruntime-node, scheduler and CFG included) against a bare onnxruntime-node loop over the same
 * UNet file with the same input shapes; VAE decode time the same way; peak RSS of each. Each runner
 * is its own child process. Two models: the tiny fixture, and an SD-shaped UNet generated on demand
 * into the git-ignored bench cache, large enough that one step takes ≥ 100 ms here.
 *
 * Child use: tsx bench/sd.ts child <project|reference> <modelDir> <side> <steps> <threads>
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { answer, isEntry, runChild } from './child';
import { row, type BenchResult, type Row } from './report';
import { summarize } from './stats';

const HERE = fileURLToPath(import.meta.url);
type Runner = 'project' | 'reference';

interface RunnerAnswer {
  runner: Runner;
  loadMillis: number;
  stepMillis: number[];
  decodeMillis: number[];
  peakRssMiB: number;
}

// ─── child side ──────────────────────────────────────────────────────────────

async function runProject(dir: string, side: number, steps: number, threads: number): Promise<RunnerAnswer> {
  const { loadNodeSdModel } = await import('../electron/worker/sd/node-model');
  const { generate } = await import('../shared/diffusion/pipeline');
  const t0 = performance.now();
  const model = await loadNodeSdModel(dir, { threads });
  const loadMillis = performance.now() - t0;
  const params = {
    prompt: 'a lighthouse keeper at dusk',
    negativePrompt: 'blurry',
    width: side,
    height: side,
    steps,
    cfgScale: 7.5,
    sampler: 'k_euler',
    karras: false,
    seeds: [1],
  };
  await generate(model, { ...params, steps: 1 }); // warm-up
  const stepMillis: number[] = [];
  const decodeMillis: number[] = [];
  for (let round = 0; round < 2; round += 1) {
    // From one UNet call's end to the next: the interval before the first call is the tokenizer,
    // the text encoder and the seeded latents, not a step (counting it was why the tiny fixture,
    // where a step is a fraction of the text encoder's time, read as 0.2–0.3× the bare loop).
    let last: number | undefined;
    await generate(model, params, {
      onStep: () => {
        const now = performance.now();
        if (last !== undefined) stepMillis.push(now - last);
        last = now;
      },
    });
    decodeMillis.push(performance.now() - (last ?? 0));
  }
  await model.dispose();
  return {
    runner: 'project',
    loadMillis,
    stepMillis,
    decodeMillis,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

async function runReference(
  dir: string,
  side: number,
  steps: number,
  threads: number,
): Promise<RunnerAnswer> {
  const ort = await import('onnxruntime-node');
  const opts = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all' as const,
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  };
  const t0 = performance.now();
  const unet = await ort.InferenceSession.create(path.join(dir, 'unet', 'model.onnx'), opts);
  const vae = await ort.InferenceSession.create(path.join(dir, 'vae_decoder', 'model.onnx'), opts);
  const loadMillis = performance.now() - t0;
  const meta = unet.inputMetadata.find((m) => m.name === 'encoder_hidden_states');
  const hidden = meta?.isTensor ? Number(meta.shape[2]) : 768;
  const l = side / 8;
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
  const feeds = {
    sample: new ort.Tensor('float32', fill(2 * 4 * l * l), [2, 4, l, l]),
    timestep: new ort.Tensor('int64', BigInt64Array.of(500n), []),
    encoder_hidden_states: new ort.Tensor('float32', fill(2 * 77 * hidden), [2, 77, hidden]),
  };
  const latent = { latent_sample: new ort.Tensor('float32', fill(4 * l * l), [1, 4, l, l]) };
  await unet.run(feeds);
  await vae.run(latent);
  const stepMillis: number[] = [];
  const decodeMillis: number[] = [];
  for (let round = 0; round < 2; round += 1) {
    for (let i = 0; i < steps; i += 1) {
      const s = performance.now();
      await unet.run(feeds);
      stepMillis.push(performance.now() - s);
    }
    const s = performance.now();
    await vae.run(latent);
    decodeMillis.push(performance.now() - s);
  }
  await Promise.all([unet.release(), vae.release()]);
  return {
    runner: 'reference',
    loadMillis,
    stepMillis,
    decodeMillis,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

// ─── parent side ─────────────────────────────────────────────────────────────

export interface SdBenchOptions {
  /** [label, model folder, image side] for each model measured. */
  models: [string, string, number][];
  steps: number;
  threads?: number;
  childTimeoutMs: number;
  log: (line: string) => void;
}

export async function benchSd(o: SdBenchOptions): Promise<BenchResult> {
  const t0 = performance.now();
  const threads = o.threads ?? Math.max(1, os.availableParallelism());
  const rows: Row[] = [];
  const details: Record<string, unknown> = { threads, steps: o.steps, sampler: 'k_euler', cfg: 7.5 };
  for (const [label, dir, side] of o.models) {
    const run = async (runner: Runner): Promise<RunnerAnswer> => {
      o.log(`  sd ${label}: ${runner}`);
      const args = ['child', runner, dir, String(side), String(o.steps), String(threads)];
      return (await runChild<RunnerAnswer>(HERE, args, { timeoutMs: o.childTimeoutMs })).value;
    };
    // A B B A, so a slow minute on the shared machine hits both alike.
    const a1 = await run('project');
    const b1 = await run('reference');
    const b2 = await run('reference');
    const a2 = await run('project');
    const p = [a1, a2];
    const r = [b1, b2];
    const perSecond = (xs: RunnerAnswer[]): number[] =>
      xs.flatMap((x) => x.stepMillis.map((ms) => 1000 / ms));
    const bench = `sd ${label} (${side}×${side})`;
    rows.push(
      row({
        bench,
        metric: 'UNet steps/s (CFG batch 2)',
        unit: 'steps/s',
        project: summarize(perSecond(p)),
        referenceLabel: 'bare onnxruntime-node UNet loop',
        reference: summarize(perSecond(r)),
        target: undefined,
      }),
    );
    const last = rows[rows.length - 1]!;
    last.target = {
      text: '≥ 0.95× reference',
      pass: last.ratio === undefined ? undefined : last.ratio >= 0.95,
    };
    rows.push(
      row({
        bench,
        metric: 'VAE decode',
        unit: 'ms',
        project: summarize(p.flatMap((x) => x.decodeMillis)),
        referenceLabel: 'bare onnxruntime-node decoder run',
        reference: summarize(r.flatMap((x) => x.decodeMillis)),
      }),
      row({
        bench,
        metric: 'peak RSS',
        unit: 'MiB',
        project: summarize(p.map((x) => x.peakRssMiB)),
        referenceLabel: 'bare onnxruntime-node',
        reference: summarize(r.map((x) => x.peakRssMiB)),
      }),
    );
    details[label] = { dir, side, stepMillisReference: summarize(r.flatMap((x) => x.stepMillis)).median };
  }
  return { name: 'sd', rows, details, seconds: (performance.now() - t0) / 1000 };
}

if (isEntry(import.meta.url)) {
  const [, runner, dir, side, steps, threads] = process.argv.slice(2);
  const go = runner === 'project' ? runProject : runReference;
  go(dir ?? '', Number(side), Number(steps), Number(threads))
    .then((a) => {
      answer(a);
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
