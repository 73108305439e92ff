/**
 * Runs a bench script in its own Node process, so that its peak RSS and CPU
 * are its own, and collects the one JSON answer it prints. Every child has a
 * hard time limit and is killed with its whole process group.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** The line prefix a child puts before its JSON answer on stdout. */
export const ANSWER_MARK = '@@bench-answer@@';

export function answer(value: unknown): void {
  process.stdout.write(`\n${ANSWER_MARK}${JSON.stringify(value)}\n`);
}

export interface ChildRun<T> {
  value: T;
  stderrTail: string;
}

const live = new Set<ChildProcess>();

/** Kills every child still running (on Ctrl-C or a failed benchmark). */
export function killAll(): void {
  for (const c of live) killGroup(c);
}

export function killGroup(c: ChildProcess): void {
  if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
  try {
    // Negative pid: the child was started detached, so this reaches its whole group.
    process.kill(-c.pid, 'SIGKILL');
  } catch {
    c.kill('SIGKILL');
  }
}

/**
 * The Node arguments that start `script`: its bundle (below) on the same Node
 * binary this process runs on. `BENCH_CHILD_NODE_ARGS` adds Node flags to every
 * child (Node refuses `--cpu-prof` in NODE_OPTIONS): `BENCH_CHILD_NODE_ARGS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof"` profiles the horde server and each runner.
 */
async function childArgs(script: string, args: readonly string[]): Promise<string[]> {
  return [...extraNodeArgs(), await bundled(script), ...args];
}

/** Node with the tsx loader, as `npm run serve` starts the app (the idle bench measures that). */
export function tsNodeArgs(script: string, args: readonly string[]): string[] {
  return [...extraNodeArgs(), '--import', 'tsx', script, ...args];
}

function extraNodeArgs(): string[] {
  return (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

/**
 * Spawns `script`'s bundle in its own process group (so `killGroup` reaches what it starts),
 * tracked in `live`, keeping the last 8,000 characters of its stderr for error messages.
 */
async function spawnChild(
  script: string,
  args: readonly string[],
  o: { talks?: boolean; env?: NodeJS.ProcessEnv },
): Promise<{ child: ChildProcessWithoutNullStreams; stderrTail: () => string }> {
  const argv = await childArgs(script, args);
  const child = spawn(process.execPath, argv, {
    stdio: 'pipe',
    detached: true,
    env: { ...process.env, ...o.env, [ENTRY_ENV]: script },
  });
  // Only a talking child reads stdin; the others see it end at once, as they would /dev/null.
  if (!o.talks) child.stdin.end();
  live.add(child);
  child.on('close', () => live.delete(child));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  return { child, stderrTail: () => stderr.trim().split('\n').slice(-6).join('\n') };
}

const bundles = new Map<string, Promise<string>>();

/**
 * A child runs from an esbuild bundle of its script on plain Node, as the desktop build runs the
 * worker and the horde (scripts/build-electron.ts): our code in the bundle, the packages loaded
 * from node_modules. Through the tsx loader instead, importing transformers.js alone grew a
 * process by about 160 MiB (tsx transforms its 1.3 MB bundle and keeps what it made), which is
 * not in what a volunteer runs and was most of the engine's peak-RSS gap. Each module keeps its
 * own `import.meta.url`, so paths next to a source file still resolve; one bundle per script and run.
 */
function bundled(script: string): Promise<string> {
  let made = bundles.get(script);
  if (!made) {
    made = (async () => {
      const out = path.join(CHILD_BUNDLES, `${path.basename(script, path.extname(script))}.mjs`);
      await build({
        entryPoints: [script],
        outfile: out,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node24',
        packages: 'external',
        logLevel: 'error',
        sourcemap: 'inline',
        plugins: [ownImportMetaUrl],
      });
      return out;
    })();
    bundles.set(script, made);
  }
  return made;
}

/** Inside the project tree, so that the bundles' package imports resolve to its node_modules. */
const CHILD_BUNDLES = path.join(path.dirname(fileURLToPath(import.meta.url)), '.cache', 'children');

/** Replaces `import.meta.url` in each of our TypeScript files with that file's own URL. */
const ownImportMetaUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (a) => {
      const text = await readFile(a.path, 'utf8');
      return {
        contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)),
        loader: 'ts',
      };
    });
  },
};

/** Tells a bundled child which script it was started as (see `isEntry`). */
const ENTRY_ENV = 'BENCH_CHILD_SCRIPT';

/**
 * Starts `script` (TypeScript) with `args`, waits for its answer line and its exit.
 * Rejects on a non-zero exit, a missing answer, or `timeoutMs`.
 */
export async function runChild<T>(
  script: string,
  args: readonly string[],
  o: { timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<ChildRun<T>> {
  const { child, stderrTail } = await spawnChild(script, args, { env: o.env });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, o.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const at = stdout.lastIndexOf(ANSWER_MARK);
      const tail = stderrTail();
      if (timedOut)
        return reject(new Error(`${script} ran past ${Math.round(o.timeoutMs / 1000)} s and was killed`));
      if (code !== 0 || at < 0) {
        return reject(new Error(`${script} exited ${code ?? signal} without an answer: ${tail}`));
      }
      const line = stdout.slice(at + ANSWER_MARK.length).split('\n')[0] ?? '';
      try {
        resolve({ value: JSON.parse(line) as T, stderrTail: tail });
      } catch (err) {
        reject(new Error(`${script} printed an unreadable answer: ${String(err)}`));
      }
    });
  });
}

/** True when this module file is the process's entry script (a child run, bundled or not). */
export function isEntry(importMetaUrl: string): boolean {
  const file = fileURLToPath(importMetaUrl);
  const entry = process.argv[1];
  if (process.env[ENTRY_ENV] !== undefined) return process.env[ENTRY_ENV] === file;
  return entry !== undefined && path.resolve(entry) === file;
}

/** The line prefix a long-running child prints once it serves. */
export const READY_MARK = '@@bench-ready@@';

export function ready(value: unknown): void {
  process.stdout.write(`\n${READY_MARK}${JSON.stringify(value)}\n`);
}

export interface ServerChild<T> {
  info: T;
  pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a child that keeps running (a server) and resolves with what it printed after READY_MARK. */
export async function startServerChild<T>(
  script: string,
  args: readonly string[],
  o: { readyTimeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<ServerChild<T>> {
  const { child, stderrTail } = await spawnChild(script, args, { env: o.env });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let settled = false;
    const exited = new Promise<void>((done) => child.on('close', () => done()));
    void exited.then(() => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`${script} exited before it was ready: ${stderrTail()}`));
      }
    });
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      killGroup(child);
      reject(new Error(`${script} was not ready within ${Math.round(o.readyTimeoutMs / 1000)} s`));
    }, o.readyTimeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (settled) return;
      stdout = (stdout + chunk).slice(-100_000);
      const at = stdout.indexOf(READY_MARK);
      const end = at >= 0 ? stdout.indexOf('\n', at) : -1;
      if (end < 0) return;
      settled = true;
      clearTimeout(timer);
      const info = JSON.parse(stdout.slice(at + READY_MARK.length, end)) as T;
      resolve({
        info,
        pid: child.pid ?? -1,
        stop: async (graceMs = 5000) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const kill = setTimeout(() => killGroup(child), graceMs);
          await exited;
          clearTimeout(kill);
        },
      });
    });
  });
}

/** A child that loads once, then answers one request per line it reads (see `serveRequests`). */
export interface TalkingChild<T> {
  /** What it printed after READY_MARK, once loaded. */
  info: T;
  /** Sends one request line and resolves with the child's answer to it. */
  ask<A>(request: string, timeoutMs: number): Promise<A>;
  /** Kills it (and its group) if it still runs. */
  kill(): void;
}

/**
 * Starts `script` as a child that keeps its state between requests: the inference bench loads
 * both runners, then alternates single generations between them, so that the machine's load of
 * any one moment falls on both alike rather than on whichever process ran then.
 */
export async function startTalkingChild<T>(
  script: string,
  args: readonly string[],
  o: { readyTimeoutMs: number },
): Promise<TalkingChild<T>> {
  const { child, stderrTail } = await spawnChild(script, args, { talks: true });
  let buffered = '';
  const waiting: Array<(line: string) => void> = [];
  const lines: string[] = [];
  let gone: Error | undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let end: number;
    while ((end = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (!line.startsWith(ANSWER_MARK) && !line.startsWith(READY_MARK)) continue;
      const next = waiting.shift();
      if (next) next(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<void>((done) =>
    child.on('close', (code, signal) => {
      gone = new Error(`${script} exited ${code ?? signal}: ${stderrTail()}`);
      done();
    }),
  );
  /** The next marked line, or the child's exit, or the time limit, whichever comes first. */
  const nextLine = (timeoutMs: number): Promise<string> => {
    const queued = lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (gone) return Promise.reject(gone);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        killGroup(child);
        reject(new Error(`${script} gave no answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(gone);
      });
    });
  };
  const parse = (line: string, mark: string): unknown => JSON.parse(line.slice(mark.length));
  const first = await nextLine(o.readyTimeoutMs);
  if (!first.startsWith(READY_MARK)) throw new Error(`${script} answered before it was ready`);
  return {
    info: parse(first, READY_MARK) as T,
    ask: async <A>(request: string, timeoutMs: number): Promise<A> => {
      child.stdin.write(`${request}\n`);
      const line = await nextLine(timeoutMs);
      if (!line.startsWith(ANSWER_MARK)) throw new Error(`${script} printed an unexpected line`);
      return parse(line, ANSWER_MARK) as A;
    },
    kill: () => killGroup(child),
  };
}

/** The child's side of `startTalkingChild`: says it is ready, then answers each line of stdin in turn. */
export async function serveRequests(
  info: unknown,
  handle: (request: string) => Promise<unknown>,
): Promise<void> {
  ready(info);
  const { createInterface } = await import('node:readline');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    answer(await handle(line.trim()));
  }
}
