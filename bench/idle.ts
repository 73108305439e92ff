/**
 * Idle cost: CPU time used by `serve` (horde + worker + bridge) while the
 * worker waits for the user to go idle, over one window, against an idle
 * `node -e "setInterval(()=>{},1000)"` measured over the same window at the
 * same time. CPU is read from /proc/<pid>/stat (utime + stime) for each
 * process and all its descendants, so work done in helper processes counts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { killGroup, tsNodeArgs } from './child';
import { CLK_TCK, treeCpuSeconds } from './proc-cpu';
import { row, type BenchResult } from './report';
import { summarize } from './stats';

const READY_TIMEOUT_MS = 180_000;
/** After serve says it listens: model scans, first policy checks and lazy imports finish. */
const SETTLE_MS = 5_000;
const SLICES = 5;
const IDLE_SETTINGS = { idleMinutes: 60, onlyOnAC: false, finishJobBeforePause: true, finishGraceSeconds: 5 };

/** The flags that make serve's worker wait for idle, read from its --help (the flag names are serve's to choose). */
function idleFlags(help: string): string[] | undefined {
  const has = (flag: string): boolean => new RegExp(`${flag}\\b`).test(help);
  if (has('--wait-for-idle')) return ['--wait-for-idle'];
  if (has('--idle-minutes')) return ['--idle-minutes', '60'];
  if (has('--idle-after')) return ['--idle-after', '60'];
  if (has('--user-active')) return ['--user-active'];
  return undefined;
}

function startDetached(cmd: string, args: string[], cwd: string): ChildProcess {
  return spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

async function helpOf(root: string, serve: string): Promise<string> {
  const child = startDetached(process.execPath, tsNodeArgs(serve, ['--help']), root);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));
  const timer = setTimeout(() => killGroup(child), 60_000);
  await new Promise((r) => child.on('close', r));
  clearTimeout(timer);
  return out;
}

function waitForUrl(child: ChildProcess, log: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve printed no URL within ${READY_TIMEOUT_MS / 1000} s`)),
      READY_TIMEOUT_MS,
    );
    const onData = (c: string): void => {
      log.push(c);
      const m = /https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\S*/.exec(log.join('').slice(-20_000));
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.stderr?.setEncoding('utf8').on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before it printed a URL: ${log.join('').slice(-400)}`));
    });
  });
}

/** Ctrl-C as a user would, then the whole group killed after 5 s (serve may leave helpers behind). */
async function stopGracefully(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((r) => child.on('close', r));
    child.kill('SIGINT');
    const timer = setTimeout(() => killGroup(child), 5_000);
    await gone;
    clearTimeout(timer);
  }
  try {
    // The leader is gone; anything left in its process group goes too.
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // No such group: nothing was left.
  }
}

export interface IdleOptions {
  root: string;
  seconds: number;
  /** Wait after serve prints its URL before measuring. */
  settleMs?: number;
  /** Overrides the flags guessed from serve --help (BENCH_SERVE_IDLE_ARGS, space-separated). */
  serveIdleArgs?: string[];
  log: (line: string) => void;
}

export async function benchIdle(o: IdleOptions): Promise<BenchResult> {
  const started = performance.now();
  const serve = path.join(o.root, 'electron', 'serve.ts');
  if (!existsSync(serve)) throw new Error('electron/serve.ts does not exist yet: nothing to measure');
  const help = await helpOf(o.root, serve);
  const fromEnv = process.env.BENCH_SERVE_IDLE_ARGS?.split(' ').filter(Boolean);
  const fixtures = path.join(o.root, 'test', 'fixtures', 'models');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'idle-bench-'));
  let flags = o.serveIdleArgs ?? fromEnv ?? idleFlags(help);
  let how: string;
  if (flags) how = `flags ${flags.join(' ')}`;
  else {
    // No flag for it: the user's saved setting "earn only after 60 idle minutes", which serve reads at start;
    // serve reports the user as never idle, so the worker waits.
    await writeFile(path.join(dataDir, 'settings.json'), JSON.stringify({ idle: IDLE_SETTINGS }, null, 2));
    flags = [];
    how = `saved settings idle ${JSON.stringify(IDLE_SETTINGS)}`;
  }
  const args = ['--data', dataDir, '--models', fixtures, ...flags];
  if (/--port\b/.test(help)) args.push('--port', '0');
  if (/--no-open\b/.test(help)) args.push('--no-open');
  // The window's bundle is not what is measured; building it here would only slow the start.
  if (/--no-build\b/.test(help)) args.push('--no-build');
  const serveLog: string[] = [];
  const app = startDetached(process.execPath, tsNodeArgs(serve, args), o.root);
  const idle = startDetached(process.execPath, ['-e', 'setInterval(()=>{},1000)'], o.root);
  try {
    const url = await waitForUrl(app, serveLog);
    o.log(`  idle: serve listens at ${url} (${how}); settling ${(o.settleMs ?? SETTLE_MS) / 1000} s`);
    await new Promise((r) => setTimeout(r, o.settleMs ?? SETTLE_MS));
    // The window is cut in slices, so the spread says whether the cost is steady or comes in bursts.
    const sliceMs = (o.seconds * 1000) / SLICES;
    const appPct: number[] = [];
    const idlePct: number[] = [];
    let a0 = await treeCpuSeconds(app.pid as number);
    let i0 = await treeCpuSeconds(idle.pid as number);
    let t0 = performance.now();
    for (let s = 0; s < SLICES; s++) {
      await new Promise((r) => setTimeout(r, sliceMs));
      const a1 = await treeCpuSeconds(app.pid as number);
      const i1 = await treeCpuSeconds(idle.pid as number);
      const t1 = performance.now();
      const wall = (t1 - t0) / 1000;
      appPct.push(((a1 - a0) / wall) * 100);
      idlePct.push(((i1 - i0) / wall) * 100);
      [a0, i0, t0] = [a1, i1, t1];
    }
    const total = appPct.reduce((x, y) => x + y, 0) / SLICES;
    // A worker that popped even once has checked in with the horde: then it was not waiting for idle.
    const hordeUrl = /horde: embedded (http:\/\/\S+)/.exec(serveLog.join(''))?.[1];
    let checkedIn: number | undefined;
    if (hordeUrl) {
      try {
        const list = (await (await fetch(`${hordeUrl}/v2/workers`)).json()) as unknown[];
        checkedIn = Array.isArray(list) ? list.length : undefined;
      } catch {
        checkedIn = undefined;
      }
    }
    const waited =
      checkedIn === undefined
        ? 'not checked'
        : checkedIn === 0
          ? 'yes (no check-in at the horde)'
          : `NO: ${checkedIn} worker(s) checked in`;
    const p = summarize(appPct);
    return {
      name: 'idle',
      rows: [
        row({
          bench: 'idle',
          metric: `serve CPU, worker waiting for idle, ${o.seconds} s`,
          unit: '% core',
          project: p,
          referenceLabel: 'idle node setInterval',
          reference: summarize(idlePct),
          target: { text: '< 1 %', pass: Number.isFinite(total) ? total < 1 : undefined },
          note: `mean over the window ${total.toFixed(2)} % of one core; worker waits by ${how}; waited: ${waited}; /proc ticks are 10 ms, so a slice reads in steps of ${((1 / CLK_TCK / (sliceMs / 1000)) * 100).toFixed(2)} %`,
        }),
      ],
      details: {
        url,
        args,
        workersCheckedIn: checkedIn,
        slicesPct: { serve: appPct, reference: idlePct },
        meanPct: total,
      },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    killGroup(idle);
    await stopGracefully(app);
    await rm(dataDir, { recursive: true, force: true });
  }
}
