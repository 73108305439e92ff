/**
 * Runs a bench script in its own Node process, so that its peak RSS and CPU
 * are its own, and collects the one JSON answer it prints. Every child has a
 * hard time limit and is killed with its whole process group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
 * Node with the tsx loader, the same Node binary this process runs on.
 * `BENCH_CHILD_NODE_ARGS` adds Node flags to every child (Node refuses
 * `--cpu-prof` in NODE_OPTIONS): `BENCH_CHILD_NODE_ARGS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof"` profiles the horde server and each runner.
 */
export function tsNodeArgs(script: string, args: readonly string[]): string[] {
  const extra = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  return [...extra, '--import', 'tsx', script, ...args];
}

/**
 * Starts `script` (TypeScript) with `args`, waits for its answer line and its exit.
 * Rejects on a non-zero exit, a missing answer, or `timeoutMs`.
 */
export function runChild<T>(
  script: string,
  args: readonly string[],
  o: { timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<ChildRun<T>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, tsNodeArgs(script, args), {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, ...o.env },
    });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, o.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      const at = stdout.lastIndexOf(ANSWER_MARK);
      const tail = stderr.trim().split('\n').slice(-6).join('\n');
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

/** True when this module file is the process's entry script (a child run). */
export function isEntry(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && path.resolve(entry) === fileURLToPath(importMetaUrl);
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
export function startServerChild<T>(
  script: string,
  args: readonly string[],
  o: { readyTimeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<ServerChild<T>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, tsNodeArgs(script, args), {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, ...o.env },
    });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let settled = false;
    const exited = new Promise<void>((done) => child.on('close', () => done()));
    void exited.then(() => {
      live.delete(child);
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(
          new Error(
            `${script} exited before it was ready: ${stderr.trim().split('\n').slice(-6).join('\n')}`,
          ),
        );
      }
    });
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      killGroup(child);
      reject(new Error(`${script} was not ready within ${Math.round(o.readyTimeoutMs / 1000)} s`));
    }, o.readyTimeoutMs);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000);
    });
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
