/**
 * Issue 21, acceptance: two copies of the app (`serve`) on two machines, here two network
 * namespaces this test makes itself (`ip netns`, root), joined by a veth pair with addresses
 * from TEST-NET-1 (192.0.2.0/24, never routed anywhere). A shares its horde; B finds it over
 * mDNS (bonjour-service, multicast on the veth only), joins with A's invite, and after a restart
 * earns and requests on A's horde: B's request is served by A's worker and A's by B's; B's
 * journal agrees with A's ledger and `verify` is clean. All traffic stays inside the two
 * namespaces; both are deleted at the end. Skipped, with the reason, where namespaces cannot be
 * made (not root, no `ip`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeArg, BridgeChannel, BridgeResult } from '../../shared/bridge/contract';
import { readLedger } from '../harness/ledger-db';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const MODELS = join(ROOT, 'test/fixtures/models');
const NS = { a: `hdclub-a-${process.pid}`, b: `hdclub-b-${process.pid}` };
const ADDR = { a: '192.0.2.1', b: '192.0.2.2' };
const PORT = 7001;

function sh(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(args[0] as string, args.slice(1), { encoding: 'utf8', timeout: 20_000 });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/** Makes the two namespaces and the link between them; the reason when it cannot. */
function makeNetwork(): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  if (!sh(['ip', '-V']).ok) return 'iproute2 (`ip`) is not installed';
  const steps = [
    ['ip', 'netns', 'add', NS.a],
    ['ip', 'netns', 'add', NS.b],
    ['ip', 'link', 'add', 'hdca', 'netns', NS.a, 'type', 'veth', 'peer', 'name', 'hdcb', 'netns', NS.b],
    ['ip', '-n', NS.a, 'addr', 'add', `${ADDR.a}/24`, 'dev', 'hdca'],
    ['ip', '-n', NS.b, 'addr', 'add', `${ADDR.b}/24`, 'dev', 'hdcb'],
    ['ip', '-n', NS.a, 'link', 'set', 'hdca', 'up'],
    ['ip', '-n', NS.b, 'link', 'set', 'hdcb', 'up'],
    ['ip', '-n', NS.a, 'link', 'set', 'lo', 'up'],
    ['ip', '-n', NS.b, 'link', 'set', 'lo', 'up'],
    // mDNS's group goes out on the veth (there is no default route in these namespaces).
    ['ip', '-n', NS.a, 'route', 'add', '224.0.0.0/4', 'dev', 'hdca'],
    ['ip', '-n', NS.b, 'route', 'add', '224.0.0.0/4', 'dev', 'hdcb'],
  ];
  for (const s of steps) {
    const r = sh(s);
    if (!r.ok) return `cannot make the test network (${s.join(' ')}): ${r.out.trim()}`;
  }
  return null;
}

function dropNetwork(): void {
  sh(['ip', 'netns', 'del', NS.a]);
  sh(['ip', 'netns', 'del', NS.b]);
}

const why = makeNetwork();
const dirs = { a: mkdtempSync(join(tmpdir(), 'club-ns-a-')), b: mkdtempSync(join(tmpdir(), 'club-ns-b-')) };

interface App {
  url: string;
  proc: ChildProcess;
  out: () => string;
}
const apps: Partial<Record<'a' | 'b', App>> = {};

async function startApp(who: 'a' | 'b'): Promise<App> {
  const proc = spawn(
    'ip',
    [
      'netns',
      'exec',
      NS[who],
      process.execPath,
      TSX,
      'electron/serve.ts',
      '--port',
      '0',
      '--data',
      dirs[who],
      '--models',
      MODELS,
      '--worker-name',
      `club-${who}`,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`serve ${who} did not start:\n${out}`)), 120_000);
    const check = () => {
      const m = /running at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(t);
        res(m[1] as string);
      }
    };
    proc.stdout?.on('data', check);
    proc.once('exit', (c) => {
      clearTimeout(t);
      rej(new Error(`serve ${who} exited (${c}):\n${out}`));
    });
  });
  const app = { url, proc, out: () => out };
  apps[who] = app;
  return app;
}

async function stopApp(who: 'a' | 'b'): Promise<void> {
  const app = apps[who];
  if (!app || app.proc.exitCode !== null) return;
  const exited = new Promise((r) => app.proc.once('exit', r));
  app.proc.kill('SIGINT');
  const t = setTimeout(() => app.proc.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(t);
}

/**
 * One bridge call to an app, made from inside its namespace (its window is served on that
 * namespace's loopback only), the way its page calls it: the page's token, then the call.
 */
function call<K extends BridgeChannel>(who: 'a' | 'b', channel: K, arg?: BridgeArg<K>): BridgeResult<K> {
  const script = `
    const [url, channel, arg] = process.argv.slice(1);
    const page = await (await fetch(url)).text();
    const token = /name="bridge-token" content="([^"]+)"/.exec(page)[1];
    const r = await fetch(url + 'bridge/invoke/' + channel, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bridge-token': token, origin: url.slice(0, -1) },
      body: JSON.stringify({ arg: JSON.parse(arg) }),
    });
    process.stdout.write(JSON.stringify(await r.json()));`;
  const r = spawnSync(
    'ip',
    [
      'netns',
      'exec',
      NS[who],
      process.execPath,
      '--input-type=module',
      '-e',
      script,
      apps[who]?.url ?? '',
      channel,
      JSON.stringify(arg ?? null),
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  const answer = JSON.parse(r.stdout || '{}') as { ok?: boolean; result?: unknown; error?: unknown };
  if (!answer.ok) throw new Error(`${who} ${channel}: ${JSON.stringify(answer.error ?? r.stderr)}`);
  return answer.result as BridgeResult<K>;
}

/** Polls `fn` until it answers something (not undefined): at most `tries` times, `everyMs` apart. */
async function until<T>(what: string, fn: () => T | undefined, tries = 60, everyMs = 1000): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what} after ${tries} tries`);
}

/** A's request or B's: submitted from that window, done, and which worker served it. */
async function requestServedBy(who: 'a' | 'b'): Promise<{ id: string; worker: string; kudos: number }> {
  const sent = call(who, 'requests:submitText', {
    prompt: `club test from ${who}`,
    models: [],
    params: { max_length: 16, max_context_length: 256 },
  });
  const status = await until(
    `${who}'s request`,
    () => {
      const s = call(who, 'requests:status', { id: sent.id });
      return s.state === 'done' ? s : undefined;
    },
    90,
  );
  return { id: sent.id, worker: status.generations[0]?.workerName ?? '', kudos: status.kudos };
}

beforeAll(() => {
  if (why) console.log(`club-netns skipped: ${why}`);
});
afterAll(async () => {
  await stopApp('a');
  await stopApp('b');
  dropNetwork();
  rmSync(dirs.a, { recursive: true, force: true });
  rmSync(dirs.b, { recursive: true, force: true });
});

describe.skipIf(why !== null)('two apps in two network namespaces', () => {
  it('A shares, B finds it over mDNS and joins, each serves the other, the ledgers agree', async () => {
    writeFileSync(join(dirs.a, 'settings.json'), JSON.stringify({ lanSharing: true, lanPort: PORT }));
    await Promise.all([startApp('a'), startApp('b')]);
    const share = call('a', 'club:share');
    expect(share).toMatchObject({ listening: true, port: PORT, addresses: [`${ADDR.a}:${PORT}`] });

    const found = await until('A on mDNS', () =>
      call('b', 'club:discover').find((h) => h.url === `http://${ADDR.a}:${PORT}/api`),
    );
    expect(found).toMatchObject({ address: `${ADDR.a}:${PORT}`, join: 'invite' });
    const code = call('a', 'club:invite', { hours: 1 }).codes[0] as string;
    expect(code.startsWith(`${found.address}/`)).toBe(true);
    const joined = call('b', 'club:join', { code, name: 'bob' });
    await stopApp('b');
    await startApp('b');
    expect(call('b', 'app:info').horde).toEqual({ mode: 'custom', url: found.url });
    expect(call('b', 'account:get').username).toBe(joined.username);

    // A's request while only B's worker works, then B's while only A's works.
    call('a', 'worker:control', { action: 'stop' });
    const fromA = await requestServedBy('a');
    expect(fromA.worker).toBe('club-b');
    call('b', 'worker:control', { action: 'stop' });
    call('a', 'worker:control', { action: 'earn_now' });
    const fromB = await requestServedBy('b');
    expect(fromB.worker).toBe('club-a');

    // Both ledgers agree: what B's journal says B paid and earned is what A's horde settled.
    const bJournal = await until(
      'B journal',
      () => {
        const page = call('b', 'journal:entries', { kinds: ['job_paid', 'job_earned'] });
        return page.entries.length >= 2 ? page : undefined;
      },
      30,
    );
    const ledger = readLedger(join(dirs.a, 'horde.sqlite'));
    const bob = `user:${/#(\d+)$/.exec(joined.username)?.[1]}`;
    const postings = ledger.events
      .filter((e) => e.kind === 'job_settlement')
      .flatMap((e) => e.body.postings ?? [])
      // An untrusted member's earnings are half held in evaluation (fair kudos): both are theirs.
      .filter((p) => p.account === bob || p.account === bob.replace('user:', 'evaluating:'));
    // The journal's entries are milli-kudos already (shared/bridge/kudos.ts): an integer sum.
    const milli = (kind: string) =>
      bJournal.entries.filter((e) => e.kind === kind).reduce((sum, e) => sum + e.kudos, 0);
    const paid = postings.filter((p) => p.amount < 0).reduce((sum, p) => sum + p.amount, 0);
    const earned = postings.filter((p) => p.amount > 0).reduce((sum, p) => sum + p.amount, 0);
    expect(paid).toBeLessThan(0);
    expect(earned).toBeGreaterThan(0);
    expect(milli('job_paid')).toBe(paid);
    expect(milli('job_earned')).toBe(earned);
    const settled = paid + earned;
    // B's window and A's members screen show the same balance (to the hundredth the window shows).
    // Both are milli-kudos: the account is the horde's answer to the hundredth, the member list the exact ledger.
    const onA = call('a', 'club:members').find((m) => m.username === joined.username)?.kudos ?? NaN;
    expect(Math.abs(call('b', 'account:get').kudos - onA)).toBeLessThanOrEqual(5);
    const verify = spawnSync(
      process.execPath,
      [TSX, 'electron/horde/cli.ts', '--db', join(dirs.a, 'horde.sqlite'), 'verify'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(verify.status, verify.stdout).toBe(0);
    console.log(
      `club-netns: A's request served by ${fromA.worker} (${fromA.kudos} kudos), B's by ${fromB.worker} (${fromB.kudos} kudos); B paid ${-paid / 1000} and earned ${earned / 1000} in both B's journal and A's ledger (${bob}, net ${settled / 1000})`,
    );
  }, 420_000);
});
