import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Issue 15, live settings through `serve`: a new models folder or a new API key applies without a
 * restart — the worker starts again on the folder and registers under the key's owner on the
 * horde, and the requester side (the account the window shows) follows the key.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const MODELS = path.join(ROOT, 'test/fixtures/models');
const URL_LINE = /^Horde Desktop is running at (http:\/\/127\.0\.0\.1:\d+\/)$/m;
const dirs: string[] = [];
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function temp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'records-live-'));
  dirs.push(d);
  return d;
}

async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 90_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not happen; last: ${JSON.stringify(last)}`);
}

describe('settings applied live in serve', () => {
  it('a new models folder and a new key restart the worker on them, without restarting the app', async () => {
    const data = temp();
    // The folder comes from the settings (a --models flag would pin it for the run).
    writeFileSync(path.join(data, 'settings.json'), JSON.stringify({ modelsDir: MODELS }));
    child = spawn(process.execPath, ['--import', 'tsx', 'electron/serve.ts', '--data', data, '--no-build'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child!.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = URL_LINE.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child!.once('exit', () => reject(new Error(`serve exited:\n${out}`)));
    });
    const token =
      /<meta name="bridge-token" content="([^"]+)"/.exec(await (await fetch(url)).text())?.[1] ?? '';
    const call = async <T>(channel: string, arg: unknown = null): Promise<T> => {
      const res = await fetch(`${url}bridge/invoke/${channel}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bridge-token': token },
        body: JSON.stringify({ arg }),
      });
      const answer = (await res.json()) as { ok: boolean; result?: T; error?: unknown };
      if (!answer.ok) throw new Error(`${channel}: ${JSON.stringify(answer.error)}`);
      return answer.result as T;
    };
    type Stats = { state: string; stateReason: string } | null;
    const stats = () => call<Stats>('worker:stats');
    const serving = (s: Stats) =>
      s !== null && s.state !== 'no_model' && s.state !== 'error' && s.state !== 'stopped';
    await until('the worker serving the fixtures', stats, serving);

    // An empty folder: the worker starts again on it and says there is no model.
    const empty = temp();
    const saved = await call<{ restartRequired: boolean }>('settings:set', { modelsDir: empty });
    expect(saved.restartRequired).toBe(false);
    await until('the worker on the empty folder', stats, (s) => s?.state === 'no_model');
    await call('settings:set', { modelsDir: MODELS });
    await until('the worker back on the fixtures', stats, serving);

    // Another user's key on this horde: the worker registers under that user, the account follows.
    const info = await call<{ horde: { url: string } }>('app:info');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'electron/horde/cli.ts',
        '--db',
        path.join(data, 'horde.sqlite'),
        'user',
        'add',
        'second',
        '--trusted',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const second = JSON.parse(r.stdout) as { username: string; apikey: string };
    await call('settings:setApiKey', { apiKey: second.apikey });
    expect((await call<{ restartRequired: boolean }>('settings:get')).restartRequired).toBe(false);
    expect((await call<{ username: string }>('account:get')).username).toBe(second.username);
    // Worker names belong to one user on a horde (as on the AI Horde): the second user's worker
    // takes a name of its own, also applied live.
    await call('settings:set', { workerName: 'second user worker' });
    const workers = () =>
      fetch(`${info.horde.url}/v2/workers`).then(
        (res) => res.json() as Promise<{ name?: string; owner?: string; online?: boolean }[]>,
      );
    const seen = await until('a worker of the second user on the horde', workers, (ws) =>
      ws.some((w) => w.owner === second.username && w.name === 'second user worker' && w.online === true),
    );
    console.log(
      `workers on the horde after the key change: ${JSON.stringify(seen.map((w) => `${w.name} (${w.owner})`))}`,
    );
    await until('the worker serving under the new key', stats, serving);
  });
});
