import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleHordeEntry, type Bundle } from './bundle';
import { closeIdleSockets, request, type RawResponse } from './http';
import { killAllHordes, spawnHorde, type HordeChild } from './launcher';
import type { HordeChildOptions, SetupUser } from './protocol';

/**
 * One horde child per test file, on a fresh temp database, with the users a
 * test asks for. `dispose()` (afterAll) kills every child and removes the
 * temp folder and the bundle.
 */
export interface HordeFixture {
  bundle: Bundle;
  dir: string;
  start(
    opts?: Partial<HordeChildOptions> & { users?: { name: string; award: number }[] },
  ): Promise<StartedHorde>;
  dispose(): Promise<void>;
}

export interface StartedHorde {
  child: HordeChild;
  dbPath: string;
  users: SetupUser[];
  api: Api;
}

export type Api = (
  method: string,
  route: string,
  o?: {
    apikey?: string;
    body?: string | Buffer | object;
    headers?: Record<string, string>;
    timeoutMs?: number;
  },
) => Promise<RawResponse>;

export function apiFor(baseUrl: string): Api {
  return (method, route, o = {}) =>
    request({
      method,
      url: `${baseUrl}${route}`,
      headers: { ...(o.apikey !== undefined ? { apikey: o.apikey } : {}), ...o.headers },
      ...(o.body !== undefined ? { body: o.body } : {}),
      timeoutMs: o.timeoutMs ?? 10_000,
    });
}

export async function hordeFixture(): Promise<HordeFixture> {
  const bundle = await bundleHordeEntry();
  const dir = mkdtempSync(path.join(tmpdir(), 'horde-test-'));
  let n = 0;
  return {
    bundle,
    dir,
    async start(opts = {}) {
      const dbPath = opts.dbPath ?? path.join(dir, `horde-${n++}.sqlite`);
      const { users, ...rest } = opts;
      const child = await spawnHorde(bundle.file, {
        ...rest,
        dbPath,
        ...(users ? { setup: { users } } : {}),
      });
      return { child, dbPath, users: child.ready.users, api: apiFor(child.url) };
    },
    async dispose() {
      await killAllHordes();
      closeIdleSockets();
      bundle.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
