/**
 * Worker inference overhead, per dtype: the worker's text engine
 * (transformers.js through `loadTextEngine`, the dtype forced as the setting
 * forces it) against a bare onnxruntime-node loop with a KV cache on the same
 * model file (`model.onnx`, `model_quantized.onnx`, `model_q4.onnx`) and the
 * same greedy decoding. Each runner loads in its own child process, so load
 * time and peak RSS are its own; speed is timed in the engine's process, the
 * engine and the bare loop taking turns on the engine's own session (A B B A ...),
 * so that neither the moment nor the process's luck favours one (see `runDtype`). Each dtype's tokens/s is also set
 * against the memory-bandwidth ceiling for its weight bytes per token, with the
 * bandwidth measured in the same run (bandwidth.ts).
 *
 * Child use: bench/inference.ts child <project|reference> <modelsDir> <model> <dtype> <newTokens>
 *            (then one request per stdin line: see `serveRunner`)
 *            tsx bench/inference.ts bandwidth <MiB> <threads> <passes>
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver, constants as perfConstants, type PerformanceEntry } from 'node:perf_hooks';
import { DTYPE_SUFFIX } from '../shared/worker/dtype';
import type { BandwidthAnswer } from './bandwidth';
import { answer, isEntry, runChild, serveRequests, startTalkingChild, type TalkingChild } from './child';
import { row, type BenchResult, type Row } from './report';
import { median, summarize, type Summary } from './stats';
import { greedyParams, type BareModelConfig } from '../test/harness/bare-ort';

const HERE = fileURLToPath(import.meta.url);
const PROMPT = 'The horde asks every worker for a short story about a lighthouse keeper who';
const MAX_CONTEXT = 512;

type Runner = 'project' | 'reference';
/** The variants the bench model ships: fp32 and the two the hub's CPU users get. */
export type BenchDtype = 'fp32' | 'q8' | 'q4';

interface Generation {
  tokenIds: number[];
  millis: number;
  firstTokenMillis: number;
  /** First token's time outside the prompt pass's `session.run` (setup before it, logits and sampling after). */
  firstOutsideRunMillis: number;
  /** Median time between two `session.run` calls after the first: the runner's own work per token. */
  perTokenOutsideRunMillis: number;
  /** Median time of one `session.run` after the prompt pass: ONNX Runtime's part of a token. */
  perTokenInsideRunMillis: number;
  /** V8's full (mark-compact) collections that ended in the generation, and all its GC pauses. */
  majorGcs: number;
  gcPauseMillis: number;
}

/**
 * Start and end of every `session.run` in this child process, through ONNX Runtime's own
 * `InferenceSession.prototype.run`, which transformers.js' session and the bare loop's share. It
 * splits each runner's time into ONNX Runtime's and its own, which the machine's load moves far less
 * than tokens per second.
 */
async function recordRuns(): Promise<RunRecord> {
  const ort = await import('onnxruntime-node');
  // Typed as a factory, the export is ONNX Runtime's session class, whose prototype every session shares.
  const proto = (
    ort.InferenceSession as unknown as {
      prototype: { run: (feeds: Record<string, { data?: unknown }>, ...rest: unknown[]) => Promise<unknown> };
    }
  ).prototype;
  const recorder: RunRecord = { spans: [] };
  const original = proto.run;
  proto.run = async function (this: unknown, feeds, ...rest) {
    recorder.session = this;
    const ids = recorder.spans.length === 0 ? feeds.input_ids?.data : undefined;
    if (ids instanceof BigInt64Array) recorder.promptIds = Array.from(ids, Number);
    const start = performance.now();
    const out = await original.call(this, feeds, ...rest);
    recorder.spans.push([start, performance.now()]);
    return out;
  };
  return recorder;
}

interface RunRecord {
  /** Start and end of each `session.run` since the last reset. */
  spans: Array<[number, number]>;
  /** The session that ran last. */
  session?: unknown;
  /** The prompt pass's input ids, from the first run after the last reset. */
  promptIds?: number[];
}

/**
 * What `recordRuns`' spans say about one generation: the runner's own time around `session.run`,
 * and ONNX Runtime's inside it.
 */
function runSplit(
  spans: Array<[number, number]>,
  firstTokenMillis: number,
): Pick<Generation, 'firstOutsideRunMillis' | 'perTokenOutsideRunMillis' | 'perTokenInsideRunMillis'> {
  const first = spans[0];
  const gaps = spans.slice(1).map(([start], k) => start - (spans[k] as [number, number])[1]);
  return {
    firstOutsideRunMillis: first ? firstTokenMillis - (first[1] - first[0]) : Number.NaN,
    perTokenOutsideRunMillis: median(gaps),
    perTokenInsideRunMillis: median(spans.slice(1).map(([a, b]) => b - a)),
  };
}

/**
 * V8's collections in this child, as `gc` performance entries. A runner whose `session.run` is
 * slower on the same session makes more garbage: V8 marks the heap on helper threads that take a
 * core from ONNX Runtime's pool, so the number of full collections per generation says which
 * runner's garbage is in the way (the pauses alone miss the concurrent marking).
 */
const gcEntries: Array<{ start: number; end: number; major: boolean }> = [];
let gcObserver: PerformanceObserver | undefined;

function watchGc(): void {
  gcObserver ??= new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      gcEntries.push({
        start: e.startTime,
        end: e.startTime + e.duration,
        major: kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR,
      });
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
}

/** The collections that ended between `start` and `end`, once their entries have been delivered. */
async function gcBetween(
  start: number,
  end: number,
): Promise<Pick<Generation, 'majorGcs' | 'gcPauseMillis'>> {
  // Entries reach the observer in a later task.
  await new Promise((r) => setTimeout(r, 0));
  const inside = gcEntries.filter((e) => e.end >= start && e.end <= end);
  gcEntries.length = 0;
  return {
    majorGcs: inside.filter((e) => e.major).length,
    gcPauseMillis: inside.reduce((sum, e) => sum + (e.end - e.start), 0),
  };
}

/** What one runner's own process measured: its load alone on the machine, and its peak RSS after two generations. */
export interface ProcessFigures {
  runner: Runner;
  loadMillis: number;
  peakRssMiB: number;
}

// ─── child side ──────────────────────────────────────────────────────────────

/** A runner loaded in its child: one greedy generation per call. */
interface LoadedRunner {
  loadMillis: number;
  once(): Promise<Generation>;
  /** The project's child only: the bare loop on the engine's own ONNX Runtime session. */
  bare?(): Promise<Generation>;
  dispose(): Promise<void>;
}

/** The bare loop's inputs: the prompt's ids (the same tokenizer file) and the graph's shape. */
async function bareInputs(dir: string): Promise<{ prompt: number[]; config: BareModelConfig }> {
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const [tokenizerJson, tokenizerConfig] = await Promise.all([
    readFile(path.join(dir, 'tokenizer.json'), 'utf8'),
    readFile(path.join(dir, 'tokenizer_config.json'), 'utf8'),
  ]);
  const tokenizer = new Tokenizer(JSON.parse(tokenizerJson) as object, JSON.parse(tokenizerConfig) as object);
  return { prompt: tokenizer.encode(PROMPT).ids.slice(-MAX_CONTEXT), config: await bareConfig(dir) };
}

async function bareConfig(dir: string): Promise<BareModelConfig> {
  return JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as BareModelConfig;
}

/** One timed `bareGreedy` run with its figures. */
async function timedBare(
  ort: typeof import('onnxruntime-node'),
  session: import('onnxruntime-node').InferenceSession,
  inputs: { prompt: number[]; config: BareModelConfig },
  runs: { spans: Array<[number, number]> },
  newTokens: number,
): Promise<Generation> {
  const { bareGreedy } = await import('../test/harness/bare-ort');
  runs.spans.length = 0;
  const start = performance.now();
  const g = await bareGreedy(ort, session, inputs.config, inputs.prompt, newTokens);
  const end = performance.now();
  return {
    tokenIds: g.tokenIds,
    millis: end - start,
    firstTokenMillis: g.firstTokenMillis,
    ...runSplit(runs.spans, g.firstTokenMillis),
    ...(await gcBetween(start, end)),
  };
}

async function loadProject(
  modelsDir: string,
  model: string,
  dtype: BenchDtype,
  newTokens: number,
): Promise<LoadedRunner> {
  const ort = await import('onnxruntime-node');
  const { loadTextEngine } = await import('../electron/worker/engines/node');
  const runs = await recordRuns();
  const t0 = performance.now();
  const engine = await loadTextEngine({ modelsDir, modelName: model, dtype });
  const loadMillis = performance.now() - t0;
  const config = await bareConfig(path.join(modelsDir, model));
  return {
    loadMillis,
    once: async () => {
      runs.spans.length = 0;
      const start = performance.now();
      let first = Number.NaN;
      const r = await engine.generate(greedyParams(PROMPT, newTokens, MAX_CONTEXT), {
        onToken: (generated) => {
          if (generated >= 1 && Number.isNaN(first)) first = performance.now() - start;
        },
      });
      const end = performance.now();
      return {
        tokenIds: r.tokenIds,
        millis: end - start,
        firstTokenMillis: first,
        ...runSplit(runs.spans, first),
        ...(await gcBetween(start, end)),
      };
    },
    bare: () => {
      // The session transformers.js runs, as the recorder saw it in the engine's last generation.
      const session = runs.session as import('onnxruntime-node').InferenceSession | undefined;
      // The engine's own prompt ids, as its tokenizer made them: a second tokenizer here would add
      // its tables (about 20 MiB for GPT-2's) to the engine's peak RSS. The reference's process
      // tokenizes on its own, and every generation's ids are compared across both.
      const prompt = runs.promptIds;
      if (!session || !prompt) throw new Error('the engine has not run its session yet');
      return timedBare(ort, session, { prompt, config }, runs, newTokens);
    },
    dispose: () => engine.dispose(),
  };
}

async function loadReference(
  modelsDir: string,
  model: string,
  dtype: BenchDtype,
  newTokens: number,
): Promise<LoadedRunner> {
  const ort = await import('onnxruntime-node');
  const runs = await recordRuns();
  const dir = path.join(modelsDir, model);
  const t0 = performance.now();
  const inputs = await bareInputs(dir);
  // The same execution provider transformers.js picks for device 'cpu', and ORT's defaults otherwise (as the engine's).
  const session = await ort.InferenceSession.create(modelFile(dir, dtype), { executionProviders: ['cpu'] });
  const loadMillis = performance.now() - t0;
  return {
    loadMillis,
    once: () => timedBare(ort, session, inputs, runs, newTokens),
    dispose: () => session.release(),
  };
}

/**
 * The child's requests: `generate` (one generation of its runner), `generate-bare` (the project's
 * child: the bare loop on the engine's session), `rss` (its peak RSS so far), `end` (the same; the
 * child then exits).
 */
async function serveRunner(
  runner: Runner,
  modelsDir: string,
  model: string,
  dtype: BenchDtype,
  newTokens: number,
): Promise<void> {
  watchGc();
  const load = runner === 'project' ? loadProject : loadReference;
  const loaded = await load(modelsDir, model, dtype, newTokens);
  const peak = () => ({ peakRssMiB: process.resourceUsage().maxRSS / 1024 });
  await serveRequests({ loadMillis: loaded.loadMillis }, async (request) => {
    if (request === 'generate') return loaded.once();
    if (request === 'generate-bare') {
      if (!loaded.bare) throw new Error('only the project child runs the bare loop on its session');
      return loaded.bare();
    }
    if (request === 'rss') return peak();
    await loaded.dispose();
    // onnxruntime's thread pool can keep the process alive; the answer is written (pipes are synchronous), so end.
    setImmediate(() => process.exit(0));
    return peak();
  });
}

/** The variant's file under the hub's name, the one transformers.js loads for that dtype. */
export function modelFile(dir: string, dtype: BenchDtype): string {
  return path.join(dir, 'onnx', `model${DTYPE_SUFFIX[dtype]}.onnx`);
}

// ─── parent side ─────────────────────────────────────────────────────────────

export interface InferenceOptions {
  modelsDir: string;
  /** A folder with model.onnx and the quantized variants the dtypes name. */
  model: string;
  dtypes: readonly BenchDtype[];
  /** Child processes per runner and dtype (a pair per round, both loaded at once). */
  rounds: number;
  /** Timed generations per runner and round (after one warm-up each), at most. */
  reps: number;
  /** Time for one round's timed generations, both runners together; at least two each run whatever it says. */
  genBudgetMs: number;
  /** Per dtype: no new round starts after this much time (one round always runs). */
  dtypeBudgetMs: number;
  newTokens: number;
  childTimeoutMs: number;
  /** Buffer scanned for the bandwidth ceiling, MiB in all threads together. */
  bandwidthMiB: number;
  /** The targets are set for the GPT-2-small shape; the tiny model of --quick only smoke-tests. */
  targetApplies: boolean;
  log: (line: string) => void;
}

const REF = 'bare onnxruntime-node loop';
/** Speed rows: the bare loop timed in the engine's process on the engine's session. */
const REF_SAME_SESSION = `${REF} on the same session`;
/** Load and memory rows: the bare loop in a process of its own. */
const REF_OWN_PROCESS = `${REF}, own process`;
/** Engine ≥ 0.95× the bare loop's speed: tok/s ≥ 0.95×, times ≤ 1/0.95×. */
const SPEED = 0.95;
const RSS_LIMIT = 1.1;
/** The q8 goal: its tokens/s at least this share of what memory bandwidth allows. */
const Q8_CEILING_SHARE = 0.6;

interface DtypeRun {
  dtype: BenchDtype;
  /** Each runner's own processes: load and peak RSS. */
  processes: ProcessFigures[];
  /** Timed generations in the project's process, the engine's and the bare loop's on the same session in turn. */
  generations: Record<Runner, Generation[]>;
  /** Every generation of the dtype, warm-ups and the reference process's included, for the token-id check. */
  all: Generation[];
  rounds: number;
  weightBytesPerToken: number;
  fileBytes: number;
}

/**
 * Per round: the two runners' processes load one after the other (each load alone on the
 * machine), each generates twice, and each gives its peak RSS. Speed is then timed in the
 * project's process alone: the engine and a bare loop over the engine's own ONNX Runtime session
 * take turns, one generation each (A B B A …). Between two processes of the same code, tokens/s
 * differed by up to ±15 % and stayed so for the process's life (the memory it happened to get),
 * which swamped the 5 % the goals allow; on one session only the runners' own work differs.
 */
async function runDtype(o: InferenceOptions, dtype: BenchDtype): Promise<DtypeRun> {
  const { weightBytesPerToken } = await import('../test/fixtures/quantize');
  const file = await readFile(modelFile(path.join(o.modelsDir, o.model), dtype));
  const bytesPerToken = weightBytesPerToken(file);
  const started = performance.now();
  const processes: ProcessFigures[] = [];
  const generations: Record<Runner, Generation[]> = { project: [], reference: [] };
  const all: Generation[] = [];
  let rounds = 0;
  for (let r = 0; r < o.rounds; r++) {
    if (r > 0 && performance.now() - started > o.dtypeBudgetMs) {
      o.log(`  inference ${dtype}: time budget spent after ${r} round(s); skipping the rest`);
      break;
    }
    rounds++;
    const order: Runner[] = r % 2 === 0 ? ['project', 'reference'] : ['reference', 'project'];
    const children: Partial<Record<Runner, TalkingChild<{ loadMillis: number }>>> = {};
    try {
      for (const runner of order) {
        children[runner] = await startTalkingChild<{ loadMillis: number }>(
          HERE,
          ['child', runner, o.modelsDir, o.model, dtype, String(o.newTokens)],
          { readyTimeoutMs: o.childTimeoutMs },
        );
      }
      const child = (runner: Runner) => children[runner] as TalkingChild<{ loadMillis: number }>;
      const ask = <A>(runner: Runner, request: string): Promise<A> =>
        child(runner).ask<A>(request, o.childTimeoutMs);
      for (const runner of order) {
        all.push(await ask<Generation>(runner, 'generate'), await ask<Generation>(runner, 'generate'));
        const { peakRssMiB } = await ask<{ peakRssMiB: number }>(runner, 'rss');
        processes.push({ runner, loadMillis: child(runner).info.loadMillis, peakRssMiB });
      }
      await ask('reference', 'end');
      all.push(await ask<Generation>('project', 'generate-bare'));
      const request: Record<Runner, string> = { project: 'generate', reference: 'generate-bare' };
      const round: Record<Runner, number[]> = { project: [], reference: [] };
      const until = performance.now() + o.genBudgetMs;
      for (let i = 0; i < o.reps && (i < 2 || performance.now() < until); i++) {
        for (const runner of i % 2 === 0 ? order : [...order].reverse()) {
          const g = await ask<Generation>('project', request[runner]);
          generations[runner].push(g);
          all.push(g);
          round[runner].push(tokensPerSecond(g));
        }
      }
      for (const runner of order) {
        o.log(
          `  inference ${dtype} ${runner} round ${r + 1}: ${round[runner].map((x) => x.toFixed(1)).join(' ')} tok/s`,
        );
      }
      await ask('project', 'end');
    } finally {
      for (const c of Object.values(children)) c.kill();
    }
  }
  return {
    dtype,
    processes,
    generations,
    all,
    rounds,
    weightBytesPerToken: bytesPerToken,
    fileBytes: file.byteLength,
  };
}

const megabytes = (bytes: number): string => (bytes / 1e6).toPrecision(3);

const tokensPerSecond = (g: Generation): number => (g.tokenIds.length / g.millis) * 1000;

function dtypeRows(o: InferenceOptions, run: DtypeRun, bandwidth: BandwidthAnswer): Row[] {
  const { dtype } = run;
  const of = (runner: Runner): ProcessFigures[] => run.processes.filter((a) => a.runner === runner);
  const gens = (runner: Runner): Generation[] => run.generations[runner];
  const tps = (runner: Runner) => summarize(gens(runner).map(tokensPerSecond));
  const ttft = (runner: Runner) => summarize(gens(runner).map((g) => g.firstTokenMillis));
  const outside = (runner: Runner) => summarize(gens(runner).map((g) => g.perTokenOutsideRunMillis));
  const firstOutside = (runner: Runner) => summarize(gens(runner).map((g) => g.firstOutsideRunMillis));
  const inside = (runner: Runner) => summarize(gens(runner).map((g) => g.perTokenInsideRunMillis));
  const gcs = (runner: Runner) => summarize(gens(runner).map((g) => g.majorGcs));
  const gcPause = (runner: Runner) => summarize(gens(runner).map((g) => g.gcPauseMillis));
  const load = (runner: Runner) => summarize(of(runner).map((a) => a.loadMillis / 1000));
  const rss = (runner: Runner) => summarize(of(runner).map((a) => a.peakRssMiB));

  const all = run.all;
  const firstIds = JSON.stringify(all[0]?.tokenIds ?? []);
  const sameIds = all.every((g) => JSON.stringify(g.tokenIds) === firstIds);
  const tokens = all[0]?.tokenIds.length ?? 0;
  const idsNote = sameIds
    ? `${tokens} token ids identical in all ${all.length} generations of both runners`
    : 'TOKEN IDS DIFFER between runs or runners: the comparison is not like for like';
  const judged = (p: Summary, q: Summary, pass: (ratio: number) => boolean): boolean | undefined =>
    sameIds && o.targetApplies && p.n > 0 && q.n > 0 ? pass(p.median / q.median) : undefined;
  /**
   * The speed goals' ratio: each engine generation against the bare loop's generation beside it
   * (they alternate A B B A on one session, so index k of each runner ran next to each other), and
   * the median of those ratios. The machine's speed moves during a run (126 to 200 tok/s for both
   * runners within one round, in one table's run); a ratio of medians keeps that drift, a ratio
   * per pair cancels it.
   */
  const paired = (figure: (g: Generation) => number): Summary => {
    const e = gens('project');
    const b = gens('reference');
    return summarize(
      Array.from({ length: Math.min(e.length, b.length) }, (_, k) => figure(e[k]!) / figure(b[k]!)),
    );
  };
  const pairedRow = (r: Row, ratios: Summary, pass: (ratio: number) => boolean): Row => {
    const ok = sameIds && o.targetApplies && ratios.n > 0 ? pass(ratios.median) : undefined;
    const ofMedians = r.ratio === undefined ? '' : `; ratio of the medians ${r.ratio.toFixed(2)}×`;
    return {
      ...r,
      ...(ratios.n > 0 ? { ratio: ratios.median } : {}),
      ...(r.target ? { target: { ...r.target, pass: ok } } : {}),
      note:
        `ratio: the median of ${ratios.n} paired ratios (each engine generation ÷ the bare loop's beside it, ` +
        `${ratios.min.toFixed(2)}–${ratios.max.toFixed(2)}×)${ofMedians}` +
        (r.note ? `; ${r.note}` : ''),
    };
  };
  const faster = `≥ ${SPEED}×`;
  const noLonger = `≤ ${(1 / SPEED).toFixed(2)}× (≥ ${SPEED}× as fast)`;
  const label = `${o.model} ${dtype}`;
  const p = tps('project');
  const q = tps('reference');
  const ceilingTps = bandwidth.bytesPerSecond / run.weightBytesPerToken;
  const ceiling: Summary = {
    median: ceilingTps,
    min: ceilingTps,
    max: ceilingTps,
    lo: ceilingTps,
    hi: ceilingTps,
    n: 1,
  };
  const time = (metric: string, unit: string, pr: Summary, rf: Summary, referenceLabel: string): Row =>
    row({
      bench: 'inference',
      metric: `${metric}, ${dtype}`,
      unit,
      project: pr,
      referenceLabel,
      reference: rf,
      target: { text: noLonger, pass: judged(pr, rf, (x) => x <= 1 / SPEED) },
    });
  return [
    pairedRow(
      row({
        bench: 'inference',
        metric: `tokens/s, ${label}, greedy ${o.newTokens} new`,
        unit: 'tok/s',
        project: p,
        referenceLabel: REF_SAME_SESSION,
        reference: q,
        target: { text: faster, pass: undefined },
        note: o.targetApplies
          ? idsNote
          : `${idsNote}; targets judged on the GPT-2-small shape only (full run)`,
      }),
      paired(tokensPerSecond),
      (x) => x >= SPEED,
    ),
    pairedRow(
      time('time to first token', 'ms', ttft('project'), ttft('reference'), REF_SAME_SESSION),
      paired((g) => g.firstTokenMillis),
      (x) => x <= 1 / SPEED,
    ),
    row({
      bench: 'inference',
      metric: `per-token time outside session.run, ${dtype}`,
      unit: 'ms',
      project: outside('project'),
      referenceLabel: `${REF}'s own`,
      reference: outside('reference'),
      note: `first token outside the prompt pass: ${firstOutside('project').median.toFixed(2)} ms (bare ${firstOutside('reference').median.toFixed(2)} ms); what load moves least`,
    }),
    row({
      bench: 'inference',
      metric: `per-token time inside session.run, ${dtype}`,
      unit: 'ms',
      project: inside('project'),
      referenceLabel: `${REF} on the same session`,
      reference: inside('reference'),
      note:
        `V8 during a generation (medians): ${gcs('project').median} full collections and ` +
        `${gcPause('project').median.toFixed(1)} ms of GC pauses for the engine, ` +
        `${gcs('reference').median} and ${gcPause('reference').median.toFixed(1)} ms for the bare loop`,
    }),
    time('model load', 's', load('project'), load('reference'), REF_OWN_PROCESS),
    row({
      bench: 'inference',
      metric: `peak RSS (own process), ${dtype}`,
      unit: 'MiB',
      project: rss('project'),
      referenceLabel: REF_OWN_PROCESS,
      reference: rss('reference'),
      target: {
        text: `≤ ${RSS_LIMIT}×`,
        pass: judged(rss('project'), rss('reference'), (x) => x <= RSS_LIMIT),
      },
    }),
    row({
      bench: 'inference',
      metric: `tokens/s vs memory-bandwidth ceiling, ${dtype}`,
      unit: 'tok/s',
      project: p,
      referenceLabel: `ceiling: ${(bandwidth.bytesPerSecond / 1e9).toFixed(1)} GB/s ÷ ${megabytes(
        run.weightBytesPerToken,
      )} MB of weights per token`,
      reference: ceiling,
      ...(dtype === 'q8'
        ? {
            target: {
              text: `≥ ${Q8_CEILING_SHARE}×`,
              pass: o.targetApplies && p.n > 0 ? p.median / ceilingTps >= Q8_CEILING_SHARE : undefined,
            },
          }
        : {}),
    }),
  ];
}

export async function benchInference(o: InferenceOptions): Promise<BenchResult> {
  const started = performance.now();
  const threads = Math.max(1, os.availableParallelism());
  const { value: bandwidth } = await runChild<BandwidthAnswer>(
    HERE,
    ['bandwidth', String(o.bandwidthMiB), String(threads), '5'],
    { timeoutMs: o.childTimeoutMs },
  );
  o.log(
    `  inference: memory read bandwidth ${(bandwidth.bytesPerSecond / 1e9).toFixed(1)} GB/s (best of ${bandwidth.passes.length}, ${threads} threads, ${o.bandwidthMiB} MiB)`,
  );
  const runs: DtypeRun[] = [];
  for (const dtype of o.dtypes) runs.push(await runDtype(o, dtype));
  return {
    name: 'inference',
    rows: runs.flatMap((r) => dtypeRows(o, r, bandwidth)),
    details: {
      model: o.model,
      modelsDir: o.modelsDir,
      prompt: PROMPT,
      newTokens: o.newTokens,
      repsPerRound: o.reps,
      bandwidth: {
        bestBytesPerSecond: Math.round(bandwidth.bytesPerSecond),
        passesBytesPerSecond: bandwidth.passes.map(Math.round),
        totalBytes: bandwidth.totalBytes,
        threads: bandwidth.threads,
      },
      dtypes: runs.map((r) => {
        const all = r.all;
        return {
          dtype: r.dtype,
          file: path.basename(modelFile(path.join(o.modelsDir, o.model), r.dtype)),
          fileBytes: r.fileBytes,
          weightBytesPerToken: r.weightBytesPerToken,
          rounds: r.rounds,
          sameTokenIds: all.every((g) => JSON.stringify(g.tokenIds) === JSON.stringify(all[0]?.tokenIds)),
          tokenIdsHead: all[0]?.tokenIds.slice(0, 16) ?? [],
          processes: r.processes.map((a) => ({
            runner: a.runner,
            loadMillis: Math.round(a.loadMillis),
            peakRssMiB: Math.round(a.peakRssMiB),
          })),
          tokensPerSecond: {
            engine: r.generations.project.map((g) => Math.round(tokensPerSecond(g) * 10) / 10),
            bareOnTheEngineSession: r.generations.reference.map(
              (g) => Math.round(tokensPerSecond(g) * 10) / 10,
            ),
          },
        };
      }),
    },
    seconds: (performance.now() - started) / 1000,
  };
}

const exitWith = (p: Promise<unknown>): void => {
  p.then((a) => {
    answer(a);
    // onnxruntime's thread pool can keep the process alive; the answer is out, so end now.
    process.exit(0);
  }).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
};

if (isEntry(import.meta.url) && process.argv[2] === 'child') {
  const [runner, modelsDir, model, dtype, newTokens] = process.argv.slice(3);
  serveRunner(
    runner === 'project' ? 'project' : 'reference',
    modelsDir ?? '',
    model ?? '',
    (dtype ?? 'fp32') as BenchDtype,
    Number(newTokens),
  ).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

if (isEntry(import.meta.url) && process.argv[2] === 'bandwidth') {
  const [mib, threads, passes] = process.argv.slice(3).map(Number);
  exitWith(import('./bandwidth').then((b) => b.measureBandwidth(mib ?? 1024, threads ?? 1, passes ?? 5)));
}
