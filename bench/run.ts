/**
 * `npm run bench [-- --quick] [--only inference,horde,...]`: runs every
 * benchmark one after the other (never two at once: they would measure each
 * other), prints the table and writes bench/results/latest.json.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { killAll } from './child';
import { runInfo, table, writeJson, type BenchResult } from './report';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
/** Generated models live here (git-ignored), never in the repository. */
const CACHE_MODELS = path.join(BENCH_DIR, '.cache', 'models');
const ALL = ['inference', 'horde', 'ledger', 'idle', 'yield', 'sd', 'download'] as const;
type BenchName = (typeof ALL)[number];

interface Flags {
  quick: boolean;
  only?: string;
  out?: string;
}

const log = (line: string): void => console.error(line);

/** The text model the run uses: the GPT-2-small shape (fp32, q8, q4 files) in a full run, the tiny fixture in --quick. */
async function ensureModel(quick: boolean): Promise<{ modelsDir: string; model: string }> {
  const { generateFixtures, generateGpt2Small } = await import('../test/fixtures/generate');
  const t0 = performance.now();
  if (quick) {
    await generateFixtures(CACHE_MODELS, { only: ['tiny-gpt2'], log });
    return { modelsDir: CACHE_MODELS, model: 'tiny-gpt2' };
  }
  const dir = await generateGpt2Small(CACHE_MODELS, { log });
  log(`  model ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${dir}`);
  return { modelsDir: CACHE_MODELS, model: path.basename(dir) };
}

async function ensureTinyQuantized(): Promise<{ modelsDir: string; model: string }> {
  const { generateTinyQuantized } = await import('../test/fixtures/generate');
  const dir = await generateTinyQuantized(CACHE_MODELS, { log });
  return { modelsDir: CACHE_MODELS, model: path.basename(dir) };
}

async function runOne(
  name: BenchName,
  quick: boolean,
  model: () => Promise<{ modelsDir: string; model: string }>,
): Promise<BenchResult> {
  switch (name) {
    case 'inference': {
      const { benchInference } = await import('./inference');
      // Its own folder with the q8 and q4 variants (the tiny one in --quick, kept small and fast).
      const m = quick ? await ensureTinyQuantized() : await model();
      return benchInference({
        ...m,
        // --quick: fp32 and q8 only, to stay about a minute; q4's load and tokens are in npm test.
        dtypes: quick ? ['fp32', 'q8'] : ['fp32', 'q8', 'q4'],
        // Three rounds give each runner three loads, so that one slow read of the file no longer
        // decides its load ratio (two rounds read fp32 / q4 loads at 1.12× / 1.15× in one run and
        // 0.88× / 0.94× in the next). A round after the first starts only within the dtype's budget
        // (fp32's two rounds take about 70 s on a 2-core Xeon): three dtypes must fit the 15-minute
        // run on a slower machine too.
        rounds: quick ? 1 : 3,
        reps: quick ? 2 : 6,
        genBudgetMs: quick ? 3_000 : 30_000,
        dtypeBudgetMs: quick ? 10_000 : 100_000,
        newTokens: 64,
        childTimeoutMs: quick ? 90_000 : 240_000,
        bandwidthMiB: quick ? 256 : 1024,
        targetApplies: !quick,
        log,
      });
    }
    case 'horde': {
      const { benchHorde } = await import('./horde');
      return benchHorde({
        levels: quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000],
        storeLevels: quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000],
        workers: quick ? [10] : [50, 200],
        thinkMs: quick ? 1_000 : 2_000,
        warmupMs: quick ? 500 : 2_000,
        windowMs: quick ? 1_500 : 5_000,
        windows: 2,
        saturationWindowMs: quick ? 1_000 : 3_000,
        saturationWindows: 2,
        storeOps: quick ? 100 : 400,
        storeBudgetMs: quick ? 3_000 : 8_000,
        plansOut: path.join(BENCH_DIR, 'results', 'query-plans.md'),
        log,
      });
    }
    case 'ledger': {
      const { benchLedger } = await import('./ledger');
      return benchLedger({ settlements: quick ? 1_000 : 5_000, rounds: quick ? 3 : 5, log });
    }
    case 'idle': {
      const { benchIdle } = await import('./idle');
      return benchIdle({ root: ROOT, seconds: quick ? 10 : 60, settleMs: quick ? 2_000 : 5_000, log });
    }
    case 'sd': {
      const { benchSd } = await import('./sd');
      const { generateFixtures, generateSdBench } = await import('../test/fixtures/generate');
      await generateFixtures(CACHE_MODELS, { only: ['tiny-sd'], log });
      // The tiny UNet's step is a tenth of a millisecond: more steps, and four processes a runner
      // instead of two, so the medians hold (with two, the same code read 0.67× to 1.61×).
      const models: [string, string, number, number, number][] = [
        ['tiny', path.join(CACHE_MODELS, 'tiny-sd'), 64, quick ? 12 : 32, quick ? 2 : 4],
      ];
      if (!quick) {
        // Wide enough that one UNet step takes over 100 ms on a quiet 2-core build machine: SD 1.5's
        // own 320 channels (128 gave 54 ms a step there, 256 about 95 ms).
        const dir = await generateSdBench(
          CACHE_MODELS,
          { textHidden: 768, channels: 320, blocks: 3 },
          { log },
        );
        models.push(['SD-shaped', dir, 512, 8, 2]);
      }
      return benchSd({ models, childTimeoutMs: quick ? 120_000 : 400_000, log });
    }
    case 'yield': {
      const { benchYield } = await import('./yield');
      const m = await model();
      return benchYield({ ...m, pauses: quick ? 3 : 5, log });
    }
    case 'download': {
      const { benchDownload } = await import('./download');
      // Eleven rounds (about 8 s): with five, one run's median moved 0.63-0.81x between runs of the
      // same code, each round's two downloads spreading ±25-40 % on a loaded 2-core machine.
      return benchDownload({ megabytes: quick ? 16 : 64, rounds: quick ? 3 : 11, log });
    }
  }
}

async function main(flags: Flags): Promise<void> {
  const startedAt = new Date();
  const t0 = performance.now();
  const chosen = flags.only
    ? flags.only
        .split(',')
        .map((s) => s.trim())
        .filter((s): s is BenchName => (ALL as readonly string[]).includes(s))
    : [...ALL];
  let modelPromise: Promise<{ modelsDir: string; model: string }> | undefined;
  const model = (): Promise<{ modelsDir: string; model: string }> =>
    (modelPromise ??= ensureModel(flags.quick));
  const results: BenchResult[] = [];
  for (const name of chosen) {
    log(`bench: ${name}${flags.quick ? ' (quick)' : ''}`);
    const b0 = performance.now();
    try {
      results.push(await runOne(name, flags.quick, model));
    } catch (err) {
      killAll();
      const message = err instanceof Error ? err.message : String(err);
      log(`bench: ${name} failed: ${message}`);
      results.push({ name, rows: [], error: message, seconds: (performance.now() - b0) / 1000 });
    }
    log(`bench: ${name} took ${((performance.now() - b0) / 1000).toFixed(1)} s`);
  }
  const info = runInfo(flags.quick ? 'quick' : 'full', startedAt, (performance.now() - t0) / 1000);
  console.log(table(results));
  for (const r of results)
    for (const x of r.rows) if (x.note) console.log(`  ${x.bench} · ${x.metric}: ${x.note}`);
  console.log(
    `\n${info.mode} run, ${info.seconds.toFixed(0)} s, ${info.host.cpus} CPUs (${info.host.cpuModel}), load ${info.host.loadAvg.join(' ')}`,
  );
  // A smoke run never overwrites the full run's figures, which are the ones tracked.
  const out = flags.out ?? path.join(BENCH_DIR, 'results', flags.quick ? 'latest-quick.json' : 'latest.json');
  await writeJson(out, info, results);
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

const program = new Command()
  .name('bench')
  .description('Measures the worker, the horde and the ledger against references run beside them')
  .option('--quick', 'a ~1-minute smoke run: tiny model, smaller queues, shorter windows', false)
  .option('--only <names>', `comma-separated subset of: ${ALL.join(', ')}`)
  .option(
    '--out <file>',
    'where to write the JSON results (default bench/results/latest.json; latest-quick.json with --quick)',
  )
  .action(async (flags: Flags) => {
    const stop = (): void => {
      killAll();
      process.exit(130);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    await main(flags);
    // Keep-alive sockets or ONNX threads must not hold the run open once the table is out.
    process.exit(0);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  killAll();
  console.error(err);
  process.exit(1);
});
