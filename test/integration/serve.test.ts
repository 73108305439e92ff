import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 6, serve mode: `serve` starts the embedded horde, the worker and the
 * bridge on 127.0.0.1, prints one parseable URL line, serves the page with
 * its token, answers bridge calls, and exits cleanly on Ctrl-C.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const URL_LINE = /^Horde Desktop is running at (http:\/\/127\.0\.0\.1:\d+\/)$/m;

describe('npm run serve', () => {
  let dataDir: string;
  let child: ChildProcess;
  let output = '';
  let url = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'serve-test-'));
    // `node --import tsx` is `npx tsx` without the npm and shell layers, so SIGINT reaches serve itself.
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'electron/serve.ts',
        '--data',
        dataDir,
        '--models',
        'test/fixtures/models',
        '--no-build',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => (output += d));
    url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (d: string) => {
        output += d;
        const m = URL_LINE.exec(output);
        if (m?.[1]) resolve(m[1]);
      });
      void exited.then(() => reject(new Error(`serve exited before printing its URL:\n${output}`)));
    });
  });

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the page with a per-run token and answers bridge calls that carry it', async () => {
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    const token = /<meta name="bridge-token" content="([^"]+)"/.exec(html)?.[1];
    expect(token).toMatch(/^[\w-]{32,}$/);

    const call = (channel: string, headers: Record<string, string>) =>
      fetch(`${url}bridge/invoke/${channel}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ arg: null }),
      });
    const info = await call('app:info', { 'x-bridge-token': token ?? '' });
    expect(await info.json()).toMatchObject({
      ok: true,
      result: { shell: 'serve', horde: { mode: 'embedded' }, workerEnabled: true, dataDir },
    });
    expect((await call('app:info', {})).status).toBe(401);
  });

  it('a second serve on the same data folder says which process holds it and exits non-zero', async () => {
    const second = spawn(
      process.execPath,
      ['--import', 'tsx', 'electron/serve.ts', '--data', dataDir, '--no-worker', '--no-build'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    second.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    second.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => second.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(out).toContain(`The data folder ${dataDir} is in use by process ${child.pid} (serve on`);
    expect(out).not.toContain('is running at');
    // The first one still answers.
    expect((await fetch(url)).status).toBe(200);
  });

  it('exits cleanly on SIGINT, closing the horde', async () => {
    child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'still running'>(
      (resolve) => (timer = setTimeout(() => resolve('still running'), 40_000)),
    );
    const result = await Promise.race([exited, bound]);
    clearTimeout(timer);
    expect(result).toEqual({ code: 0, signal: null });
    expect(output).toContain('stopped');
    await expect(fetch(url)).rejects.toThrow();
    // SQLite folds the write-ahead log back and removes it when the last connection closes cleanly.
    expect(existsSync(path.join(dataDir, 'horde.sqlite'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'horde.sqlite-wal'))).toBe(false);
    // And it let go of the data folder.
    expect(existsSync(path.join(dataDir, 'app.lock'))).toBe(false);
  });
});
