/**
 * Stable Diffusion overhead: UNet steps per second of our pipeline (shared/diffusion/pipeline.ts on
 * onnxruntime-node) against a hand-written onnxruntime-node loop over the same UNet file, the same
 * input shapes and the same session options, doing the same per-step work with nothing else: scale
 * the latents into the CFG batch, run the UNet, guide, take the Euler step (fused loops, buffers
 * and timestep tensors made once). The UNet call alone is timed inside that loop too, so the table
 * also shows the pipeline against the bare session.run. VAE decode time the same way; peak RSS of
 * each. Each runner is its own child process and runs one full-length warm-up first (the JIT and
 * ONNX Runtime's arenas warm on both sides alike). Two models: the tiny fixture, and an SD-shaped
 * UNet generated on demand into the git-ignored bench cache, large enough that one step takes
 * ≥ 100 ms here.
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
const CFG = 7.5;
const PROMPT = { prompt: 'a lighthouse keeper at dusk', negativePrompt: 'blurry' };

interface RunnerAnswer {
  runner: Runner;
  loadMillis: number;
  /** From one UNet call's end to the next: the whole step. */
  stepMillis: number[];
  /** The UNet's session.run alone, on the same steps as stepMillis. */
  unetMillis: number[];
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
  // The UNet call timed from outside the session, so a step splits into the UNet and the rest.
  const unetSession = model.unet;
  let lastRun = 0;
  (model as { unet: typeof unetSession }).unet = {
    inputs: unetSession.inputs,
    outputs: unetSession.outputs,
    run: async (feeds) => {
      const s = performance.now();
      const out = await unetSession.run(feeds);
      lastRun = performance.now() - s;
      return out;
    },
  };
  const params = {
    ...PROMPT,
    width: side,
    height: side,
    steps,
    cfgScale: CFG,
    sampler: 'k_euler',
    karras: false,
    seeds: [1],
  };
  await generate(model, params); // warm-up, the same length as the measured rounds
  const stepMillis: number[] = [];
  const unetMillis: number[] = [];
  const decodeMillis: number[] = [];
  for (let round = 0; round < 2; round += 1) {
    // From one UNet call's end to the next: the interval before the first call is the tokenizer,
    // the text encoder and the seeded latents, not a step.
    let last: number | undefined;
    await generate(model, params, {
      onStep: () => {
        const now = performance.now();
        if (last !== undefined) {
          stepMillis.push(now - last);
          unetMillis.push(lastRun);
        }
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
    unetMillis,
    decodeMillis,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

const f = Math.fround;

// The per-element loops live in plain functions: V8 does not optimize a loop inside an async
// function until the whole function is optimized, so inside the step loop they would run at
// interpreter speed (the pipeline keeps its loops out of `generate` for the same reason).
function scaleInto(x: Float32Array, latents: Float32Array, denom: number): void {
  const size = latents.length;
  for (let k = 0; k < size; k += 1) x[k] = x[size + k] = f(latents[k]! / denom);
}

/** Guidance on the CFG batch, then the Euler step (epsilon prediction), in place. */
function guidedEuler(latents: Float32Array, e: Float32Array, sigma: number, dt: number): void {
  const size = latents.length;
  for (let k = 0; k < size; k += 1) {
    const u = e[k]!;
    const eps = f(u + f(CFG * f(e[size + k]! - u)));
    const v = latents[k]!;
    const x0 = f(v - f(sigma * eps));
    latents[k] = f(v + f(f(f(v - x0) / sigma) * dt));
  }
}

/**
 * The same work written out by hand: k_euler's sigmas and timesteps (taken from our scheduler
 * before the clock starts), CFG batch 2, epsilon prediction, float32 arithmetic in fused loops.
 */
async function runReference(
  dir: string,
  side: number,
  steps: number,
  threads: number,
): Promise<RunnerAnswer> {
  const ort = await import('onnxruntime-node');
  const { readFile } = await import('node:fs/promises');
  const { createScheduler } = await import('../shared/diffusion/index');
  // The session options OrtNodeSession uses: same threads, no spinning between runs.
  const opts: import('onnxruntime-node').InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  const t0 = performance.now();
  const unet = await ort.InferenceSession.create(path.join(dir, 'unet', 'model.onnx'), opts);
  const vae = await ort.InferenceSession.create(path.join(dir, 'vae_decoder', 'model.onnx'), opts);
  const loadMillis = performance.now() - t0;
  const meta = unet.inputMetadata.find((m) => m.name === 'encoder_hidden_states');
  const hidden = meta?.isTensor ? Number(meta.shape[2]) : 768;
  const config = JSON.parse(await readFile(path.join(dir, 'scheduler', 'scheduler_config.json'), 'utf8')) as
    Record<string, unknown> | undefined;
  const scheduler = createScheduler('k_euler', config ?? {});
  scheduler.setTimesteps(steps);
  const sigmas = (scheduler as unknown as { sigmas: number[] }).sigmas;
  const l = side / 8;
  const size = 4 * l * l;
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
  const x = new Float32Array(2 * size);
  const sampleTensor = new ort.Tensor('float32', x, [2, 4, l, l]);
  const ehs = new ort.Tensor('float32', fill(2 * 77 * hidden), [2, 77, hidden]);
  const timesteps = scheduler.timesteps.map(
    (t) => new ort.Tensor('int64', BigInt64Array.of(BigInt(Math.round(t))), []),
  );
  const latents = new Float32Array(size);
  const decodeIn = new Float32Array(size);
  const latentTensor = new ort.Tensor('float32', decodeIn, [1, 4, l, l]);
  const stepMillis: number[] = [];
  const unetMillis: number[] = [];
  const decodeMillis: number[] = [];
  const loop = async (measure: boolean): Promise<void> => {
    const init = fill(size);
    for (let k = 0; k < size; k += 1) latents[k] = f(init[k]! * sigmas[0]!);
    let last: number | undefined;
    for (let i = 0; i < steps; i += 1) {
      const sigma = sigmas[i]!;
      scaleInto(x, latents, f(Math.sqrt(f(f(sigma * sigma) + 1))));
      const s = performance.now();
      const out = await unet.run({
        sample: sampleTensor,
        timestep: timesteps[i]!,
        encoder_hidden_states: ehs,
      });
      const ran = performance.now();
      const e = out.out_sample!.data as Float32Array;
      guidedEuler(latents, e, sigma, f(sigmas[i + 1]! - sigma));
      const now = performance.now();
      if (measure && last !== undefined) {
        stepMillis.push(now - last);
        unetMillis.push(ran - s);
      }
      last = now;
    }
    for (let k = 0; k < size; k += 1) decodeIn[k] = f(latents[k]! / 0.18215);
    const s = performance.now();
    await vae.run({ latent_sample: latentTensor });
    if (measure) decodeMillis.push(performance.now() - s);
  };
  await loop(false); // warm-up, as the project side
  for (let round = 0; round < 2; round += 1) await loop(true);
  await Promise.all([unet.release(), vae.release()]);
  return {
    runner: 'reference',
    loadMillis,
    stepMillis,
    unetMillis,
    decodeMillis,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

// ─── parent side ─────────────────────────────────────────────────────────────

export interface SdBenchOptions {
  /**
   * [label, model folder, image side, steps, process pairs] for each model measured. Each process
   * keeps its own speed for its life (its memory, its threads' placement), so a model whose step
   * is a fraction of a millisecond needs more of them for its median to hold.
   */
  models: [string, string, number, number, number][];
  threads?: number;
  childTimeoutMs: number;
  log: (line: string) => void;
}

export async function benchSd(o: SdBenchOptions): Promise<BenchResult> {
  const t0 = performance.now();
  const threads = o.threads ?? Math.max(1, os.availableParallelism());
  const rows: Row[] = [];
  const details: Record<string, unknown> = {
    threads,
    sampler: 'k_euler',
    cfg: CFG,
    project:
      'shared/diffusion/pipeline.ts generate(): scheduler objects, CFG, tensors read by name and dtype',
    reference:
      'hand-written loop: scale into the CFG batch, session.run, guidance, Euler step; same session options',
    bare: 'the reference loop’s session.run alone: no scaling, guidance or scheduler',
  };
  for (const [label, dir, side, steps, pairs] of o.models) {
    const run = async (runner: Runner): Promise<RunnerAnswer> => {
      o.log(`  sd ${label}: ${runner}`);
      const args = ['child', runner, dir, String(side), String(steps), String(threads)];
      return (await runChild<RunnerAnswer>(HERE, args, { timeoutMs: o.childTimeoutMs })).value;
    };
    // A B B A A B …, so a slow minute on the shared machine hits both alike.
    const p: RunnerAnswer[] = [];
    const r: RunnerAnswer[] = [];
    for (let i = 0; i < pairs; i += 1) {
      for (const runner of i % 2 === 0
        ? (['project', 'reference'] as const)
        : (['reference', 'project'] as const)) {
        (runner === 'project' ? p : r).push(await run(runner));
      }
    }
    const outside = (x: RunnerAnswer): number[] => x.stepMillis.map((ms, i) => ms - (x.unetMillis[i] ?? ms));
    const perSecond = (xs: RunnerAnswer[]): number[] =>
      xs.flatMap((x) => x.stepMillis.map((ms) => 1000 / ms));
    const bench = `sd ${label} (${side}×${side})`;
    rows.push(
      row({
        bench,
        metric: 'UNet steps/s (CFG batch 2)',
        unit: 'steps/s',
        project: summarize(perSecond(p)),
        referenceLabel: 'hand-written ORT loop: same UNet feeds, CFG and Euler step',
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
        metric: 'UNet steps/s vs the UNet call alone',
        unit: 'steps/s',
        project: summarize(perSecond(p)),
        referenceLabel: 'bare session.run (no scaling, CFG or scheduler)',
        reference: summarize(r.flatMap((x) => x.unetMillis.map((ms) => 1000 / ms))),
      }),
      // Each side's step less its own UNet call, step by step in the same process: the per-step
      // work outside ONNX Runtime, which a loaded machine's noise in the UNet's time does not hide.
      row({
        bench,
        metric: 'per-step time outside the UNet call',
        unit: 'ms',
        project: summarize(p.flatMap(outside)),
        referenceLabel: 'the hand-written loop’s own',
        reference: summarize(r.flatMap(outside)),
      }),
    );
    rows.push(
      row({
        bench,
        metric: 'VAE decode (project: with the RGBA conversion)',
        unit: 'ms',
        project: summarize(p.flatMap((x) => x.decodeMillis)),
        referenceLabel: 'bare decoder session.run',
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
    details[label] = {
      dir,
      side,
      steps,
      processesPerRunner: pairs,
      stepMillisProject: summarize(p.flatMap((x) => x.stepMillis)).median,
      stepMillisReference: summarize(r.flatMap((x) => x.stepMillis)).median,
      unetMillisProject: summarize(p.flatMap((x) => x.unetMillis)).median,
      unetMillisReference: summarize(r.flatMap((x) => x.unetMillis)).median,
    };
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
