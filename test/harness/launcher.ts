import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { HordeChildOptions, HordeReady } from './protocol';

/**
 * Starts the bundled horde entry in a child process and waits for its ready
 * line. Every child is tracked so `killAllHordes()` in afterAll leaves none
 * behind, whatever a test did.
 */
export interface HordeChild {
  readonly ready: HordeReady;
  readonly url: string;
  readonly pid: number;
  /** Everything the child wrote so far (stdout and stderr, interleaved by arrival). */
  output(): string;
  /** True while the process runs. */
  alive(): boolean;
  /** SIGKILL, then wait for the process to be gone. */
  kill(): Promise<void>;
  /** Asks the horde to close cleanly; SIGKILL after `graceMs`. */
  close(graceMs?: number): Promise<void>;
  readonly exited: Promise<number | null>;
}

/** A child that has loaded its code and waits for its options before it opens the database. */
export interface StandbyHorde {
  start(opts: HordeChildOptions): Promise<HordeChild>;
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();

export interface SpawnOptions {
  /** Milliseconds to wait for the ready line. */
  readyTimeoutMs?: number;
  env?: Record<string, string>;
}

export function standbyHorde(entryFile: string, spawnOpts: SpawnOptions = {}): StandbyHorde {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // V8's code cache next to the bundle: later starts skip most of the compiling.
    NODE_COMPILE_CACHE: path.join(path.dirname(entryFile), '.compile-cache'),
    ...spawnOpts.env,
  };
  delete env.HARNESS_HORDE_OPTS;
  const child = spawn(process.execPath, [entryFile], { stdio: ['pipe', 'pipe', 'pipe'], env });
  live.add(child);
  let out = '';
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  const isAlive = (): boolean => child.exitCode === null && child.signalCode === null;
  const kill = async (): Promise<void> => {
    if (isAlive()) child.kill('SIGKILL');
    await exited;
  };
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (out += d));
  // A broken stdin pipe after a SIGKILL is expected, not an error of the test.
  child.stdin!.on('error', () => undefined);
  child.stdout!.setEncoding('utf8');
  let buf = '';
  let onReady: ((r: HordeReady) => void) | undefined;
  child.stdout!.on('data', (d: string) => {
    out += d;
    if (!onReady) return;
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        continue; // a log line, not ours
      }
      if (typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'ready') {
        const cb = onReady;
        onReady = undefined;
        cb(msg as HordeReady);
        return;
      }
    }
  });

  return {
    kill,
    start: (opts) =>
      new Promise<HordeChild>((resolve, reject) => {
        const limit = spawnOpts.readyTimeoutMs ?? 60_000;
        let done = false;
        const timer = setTimeout(() => {
          if (done) return;
          done = true;
          child.kill('SIGKILL');
          reject(new Error(`horde child gave no ready line within ${limit} ms:\n${out}`));
        }, limit);
        void exited.then((code) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          reject(new Error(`horde child exited (${code}) before it was ready:\n${out}`));
        });
        onReady = (ready) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve({
            ready,
            url: ready.url,
            pid: child.pid!,
            output: () => out,
            exited,
            alive: isAlive,
            kill,
            close: async (graceMs = 5_000) => {
              if (!isAlive()) return;
              child.stdin!.end('close\n');
              const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
              await exited;
              clearTimeout(t);
            },
          });
        };
        child.stdin!.write(JSON.stringify(opts) + '\n');
      }),
  };
}

export function spawnHorde(
  entryFile: string,
  opts: HordeChildOptions,
  spawnOpts: SpawnOptions = {},
): Promise<HordeChild> {
  return standbyHorde(entryFile, spawnOpts).start(opts);
}

/** Kills every horde child still running (afterAll). */
export async function killAllHordes(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const c of live) {
    waits.push(new Promise((r) => c.once('exit', r)));
    c.kill('SIGKILL');
  }
  await Promise.all(waits);
}
