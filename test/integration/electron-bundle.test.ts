import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcPeer } from '../../electron/app/rpc';
import type { AppInfo, InvokeResponse } from '../../shared/bridge/contract';
import { buildElectron } from '../../scripts/build-electron';

// The built services bundle (dist/electron/services.cjs), run as Electron would run it in a
// utility process — here a Node child whose process.parentPort is shimmed over Node IPC —
// and driven over the same RPC main uses. Catches what only the bundle can get wrong:
// externals that do not resolve, import.meta in CommonJS, files the sources read beside them.
const root = join(import.meta.dirname, '..', '..');
const out = join(root, 'out', `bundle-test-${process.pid}`);

const SHIM = `
const listeners = new Map();
process.parentPort = {
  postMessage: (m) => process.send(m),
  on: (event, fn) => { const l = (data) => fn({ data }); listeners.set(fn, l); process.on('message', l); },
  off: (event, fn) => { process.off('message', listeners.get(fn)); },
};
`;

describe('services bundle', () => {
  let child: ChildProcess;
  let peer: RpcPeer;
  let dataDir: string;
  const logs: string[] = [];

  beforeAll(async () => {
    await buildElectron(out);
    await writeFile(join(out, 'shim.cjs'), SHIM);
    dataDir = await mkdtemp(join(tmpdir(), 'horde-desktop-bundle-'));
    child = fork(join(out, 'services.cjs'), [], {
      execArgv: ['--require', join(out, 'shim.cjs')],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    peer = new RpcPeer({
      postMessage: (m) => child.send(m as object),
      onMessage: (listener) => {
        child.on('message', listener);
        return () => child.off('message', listener);
      },
    });
    // What main answers: safeStorage (here a map) and the log.
    const secrets = new Map<string, string | null>();
    peer.handle('secrets:get', (name: string) => secrets.get(name) ?? null);
    peer.handle('secrets:set', ({ name, value }: { name: string; value: string | null }) => {
      secrets.set(name, value);
    });
    peer.onNotify('log', ({ message }: { message: string }) => logs.push(message));
  });

  afterAll(async () => {
    child?.kill();
    await rm(out, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts the horde and the worker and answers the window through main', async () => {
    await peer.call('services:start', { dataDir, version: '0.1.0-bundle', inference: false });
    const reply = await peer.call<InvokeResponse<AppInfo>>('bridge:invoke', {
      channel: 'app:info',
      arg: undefined,
    });
    expect(reply.ok).toBe(true);
    if (reply.ok) expect(reply.result).toMatchObject({ shell: 'electron', horde: { mode: 'embedded' } });
    expect(logs.some((l) => l.startsWith('horde: embedded'))).toBe(true);
  });

  it('shuts down on request and then exits when told', async () => {
    await expect(peer.call('services:shutdown')).resolves.toEqual({ job: 'none', errors: [] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill();
    await exited;
  });
});
