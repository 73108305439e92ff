import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHorde, type Horde } from '../../electron/horde/index';

/**
 * Issue 15, live settings through `serve`: a new models folder or a new API key applies without a
 * restart — the worker starts again on the folder and registers under the key's owner on the
 * horde, and the requester side (the account the window shows) follows the key.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const MODELS = path.join(ROOT, 'test/fixtures/models');
const URL_LINE = /^Horde Desktop is running at (http:\/\/127\.0\.0\.1:\d+\/)$/m;
const dirs: string[] = [];
const children: ChildProcess[] = [];
const hordes: Horde[] = [];

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const h of hordes) await h.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** serve on `data`, and a caller of its bridge as the page calls it. */
async function serve(data: string, extra: string[] = []) {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'electron/serve.ts', '--data', data, '--no-build', '--no-mdns', ...extra],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(proc);
  let out = '';
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = URL_LINE.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    proc.once('exit', () => reject(new Error(`serve exited:\n${out}`)));
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
    if (!answer.ok) throw new Error(`${channel}: ${JSON.stringify(answer.error)}\n${out.slice(-3000)}`);
    return answer.result as T;
  };
  return { call, log: () => out };
}

/** A port nothing listens on now (the OS picks it; closed again at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const listening = (port: number): Promise<boolean> =>
  fetch(`http://127.0.0.1:${port}/api/v2/status/heartbeat`).then(
    (r) => r.ok,
    () => false,
  );

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
    const { call } = await serve(data);
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

  it('switches the horde live: embedded → a custom horde → back, the worker, the journal and the requests following', async () => {
    const data = temp();
    writeFileSync(path.join(data, 'settings.json'), JSON.stringify({ modelsDir: MODELS }));
    const { call } = await serve(data);
    type Stats = { state: string; stateReason: string } | null;
    type Info = { horde: { mode: string; url: string }; username: string | null };
    type Entry = { id: string; state: string; horde?: string };
    const stats = () => call<Stats>('worker:stats');
    const serving = (s: Stats) =>
      s !== null && s.state !== 'no_model' && s.state !== 'error' && s.state !== 'stopped';
    await until('the worker serving on the embedded horde', stats, serving);
    const embeddedInfo = await call<Info>('app:info');
    expect(embeddedInfo.horde.mode).toBe('embedded');

    // A request no worker can serve stays in flight on the embedded horde while the app is elsewhere.
    const stuck = await call<{ id: string }>('requests:submitText', {
      prompt: 'waits for a model nobody serves',
      models: ['no-such-model'],
      params: { max_length: 16, max_context_length: 512 },
    });

    // A second horde on loopback, with a trusted user of its own: the "custom horde".
    const otherDir = temp();
    const other = await startHorde({ dbPath: path.join(otherDir, 'other.sqlite'), port: 0, backups: false });
    hordes.push(other);
    const member = other.admin.addUser('member', { trusted: true });
    const saved = await call<{ restartRequired: boolean; horde: { mode: string } }>('settings:set', {
      horde: { mode: 'custom', url: other.url },
    });
    expect(saved.restartRequired).toBe(false);
    // Answered once the app is bound to it: the window, on the same connection, sees the new horde.
    const customInfo = await call<Info>('app:info');
    expect(customInfo.horde).toEqual({ mode: 'custom', url: other.url });
    // No key for this horde yet: the worker says so instead of failing against it.
    await until('the worker asking for a key', stats, (s) => s?.state === 'stopped');
    await call('settings:setApiKey', { apiKey: member.apikey });
    expect((await call<{ username: string }>('account:get')).username).toBe(member.username);
    await call('settings:set', { workerName: 'member worker' });
    await until('the worker serving on the custom horde', stats, serving);
    // The in-app worker is on the custom horde now, and its request is served there.
    const models = await until(
      'the worker’s model on the custom horde',
      () =>
        call<{ name: string; count: number; maxLength?: number; maxContextLength?: number }[]>(
          'horde:models',
        ),
      (ms) => ms.some((m) => m.count > 0),
    );
    const model = models.find((m) => m.count > 0)!;
    const served = await call<{ id: string }>('requests:submitText', {
      prompt: 'Hello from the custom horde',
      models: [model.name],
      params: { max_length: 16, max_context_length: Math.min(512, model.maxContextLength ?? 512) },
    });
    const history = () => call<Entry[]>('requests:history', {});
    await until('the request served on the custom horde', history, (es) =>
      es.some((e) => e.id === served.id && e.state === 'done'),
    );
    type Journal = { entries: { kind: string; ref?: string }[] };
    const customJournal = await until(
      'what the request cost, in the custom horde’s journal',
      () => call<Journal>('journal:entries', {}),
      (j) => j.entries.some((e) => e.kind === 'job_paid' && e.ref === served.id),
    );
    // The embedded horde's request is still in the history, waiting (not expired by a horde that never knew it).
    const whileAway = await history();
    expect(whileAway.find((e) => e.id === stuck.id)).toMatchObject({ state: 'waiting', horde: 'embedded' });

    // Back to the embedded horde: its key, its journal, its request followed again, the worker back on it.
    await call('settings:set', { horde: { mode: 'embedded' } });
    const back = await call<Info>('app:info');
    expect(back.horde.mode).toBe('embedded');
    expect((await call<{ username: string }>('account:get')).username).toBe(embeddedInfo.username);
    const embeddedJournal = await call<Journal>('journal:entries', {});
    expect(embeddedJournal.entries.some((e) => e.ref === served.id)).toBe(false);
    const cancelled = await call<{ state: string }>('requests:cancel', { id: stuck.id });
    expect(cancelled.state).toBe('cancelled');
    await until('the worker serving on the embedded horde again', stats, serving);
    const embeddedWorkers = await fetch(`${back.horde.url}/v2/workers`).then(
      (r) => r.json() as Promise<{ online?: boolean; owner?: string }[]>,
    );
    expect(embeddedWorkers.some((w) => w.online === true)).toBe(true);
    const final = await history();
    expect(final.find((e) => e.id === served.id)).toMatchObject({ state: 'done', horde: other.url });
    console.log(
      `switched embedded → ${other.url} → embedded live; custom journal: ${customJournal.entries.length} entries; history: ${final.length} requests`,
    );
  });

  it('turns LAN sharing on and off live: the horde binds and unbinds its port', async () => {
    const data = temp();
    const { call } = await serve(data, ['--no-worker', '--lan-host', '127.0.0.1']);
    const port = await freePort();
    expect(await listening(port)).toBe(false);
    type Share = { enabled: boolean; listening: boolean; port: number | null; restartRequired: boolean };
    const on = await call<Share>('club:setSharing', { enabled: true, port });
    expect(on).toMatchObject({ enabled: true, listening: true, port, restartRequired: false });
    expect(await listening(port)).toBe(true);
    const info = await call<{ horde: { url: string } }>('app:info');
    expect(info.horde.url).toBe(`http://127.0.0.1:${port}/api`);
    expect((await call<{ username: string }>('account:get')).username).toBeTruthy();

    const off = await call<Share>('club:setSharing', { enabled: false });
    expect(off).toMatchObject({ enabled: false, listening: false, restartRequired: false });
    expect(await listening(port)).toBe(false);
    // Still the same horde (on loopback at another port), and the window's connection kept.
    expect((await call<{ horde: { url: string } }>('app:info')).horde.url).not.toBe(info.horde.url);
    expect((await call<{ username: string }>('account:get')).username).toBeTruthy();
  });
});
