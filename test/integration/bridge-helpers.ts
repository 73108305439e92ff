import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../../shared/bridge/contract';
import { SERVE_IDLE_POLICY } from '../../shared/worker/stats';
import type { FetchLike } from '../../electron/client/http';
import { BridgeBackend } from '../../electron/bridge/backend';
import { BridgeServer } from '../../electron/bridge/http-server';
import { MemorySecretStore } from '../../electron/bridge/secret-store';

export const TEST_SETTINGS: Settings = {
  horde: { mode: 'embedded' },
  workerName: 'test-worker',
  modelsDir: '/nonexistent',
  threads: 0,
  memoryMb: 0,
  lanSharing: false,
  lanPort: null,
  idle: SERVE_IDLE_POLICY,
  theme: 'system',
};

export interface RunningBridge {
  url: string;
  token: string;
  port: number;
  backend: BridgeBackend;
  close(): Promise<void>;
}

/** A bridge server on 127.0.0.1:0 over a temp data folder, talking to `hordeUrl` (or a fake fetch). */
export async function startTestBridge(opts: {
  hordeUrl: string;
  fetch?: FetchLike;
  rendererDir?: string | null;
}) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bridge-test-'));
  const backend = new BridgeBackend({
    dataDir,
    version: '0.0.0-test',
    shell: 'serve',
    settingsDefaults: TEST_SETTINGS,
    secrets: new MemorySecretStore(),
    models: { list: async () => [] },
    pollMs: 200,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  await backend.load();
  await backend.start({ horde: { mode: 'embedded', url: opts.hordeUrl }, worker: null });
  const token = 'test-token-0123456789abcdef';
  const server = new BridgeServer({
    handlers: backend.handlers,
    bus: backend.bus,
    token,
    rendererDir: opts.rendererDir ?? null,
  });
  const url = await server.start();
  const port = Number(new URL(url).port);
  return {
    url,
    token,
    port,
    backend,
    async close() {
      await server.stop();
      await backend.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  } satisfies RunningBridge;
}

/** POST /bridge/invoke/:channel the way the page does. */
export async function invoke(
  b: RunningBridge,
  channel: string,
  arg: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${b.url}bridge/invoke/${channel}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-bridge-token': b.token,
      origin: b.url.slice(0, -1),
      ...headers,
    },
    body: JSON.stringify({ arg }),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}
