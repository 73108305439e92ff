import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error -- the SDK's package.json "exports" lacks a "types" condition, so TypeScript cannot find its declarations by name
import * as untypedSdk from '@zeldafan0225/ai_horde';
import {
  startHorde,
  type AddUserOptions,
  type Horde,
  type HordeLimits,
  type NewUser,
} from '../../electron/horde/index';

type AIHorde = import('../../node_modules/@zeldafan0225/ai_horde/index').AIHorde;
/** The SDK's client class, typed from its own index.d.ts. */
const AIHorde = (
  untypedSdk as { AIHorde: typeof import('../../node_modules/@zeldafan0225/ai_horde/index').AIHorde }
).AIHorde;

/**
 * A real embedded horde on a real SQLite file in a temp dir, on a loopback
 * port, with a fake clock the test moves; plus helpers to talk to it the way
 * clients do (the public SDK, or plain fetch where the SDK cannot say it).
 */
export interface TestHorde {
  horde: Horde;
  dir: string;
  dbPath: string;
  clock: { now: number; advance(ms: number): void };
  /** The public SDK pointed at this horde, with `token` as its default key. */
  sdk(token?: string): AIHorde;
  /** Raw call; returns the status and the parsed JSON body. */
  call(
    method: string,
    path: string,
    o?: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field in the tests
  /**
   * A user holding `kudos`: trusted unless `o.trusted` is false, so that the
   * tests of other rules see every reward spendable (horde-fair.test.ts tests
   * evaluation and trust themselves).
   */
  user(name: string, kudos?: number, o?: AddUserOptions): NewUser;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function openTestHorde(limits: Partial<HordeLimits> = {}): Promise<TestHorde> {
  const dir = mkdtempSync(join(tmpdir(), 'horde-it-'));
  const dbPath = join(dir, 'horde.db');
  const clock = {
    now: Date.UTC(2026, 0, 1),
    advance(ms: number) {
      clock.now += ms;
    },
  };
  // The timer sweep is off: tests decide when time passes; every pop/submit/status sweeps anyway.
  // Users start at 0 kudos here, so a test's figures are its own awards; horde-fair.test.ts
  // tests the default starting kudos.
  const start = (): Promise<Horde> =>
    startHorde({
      dbPath,
      clock: () => clock.now,
      limits: { sweepIntervalMs: 0, startingKudos: 0, ...limits },
    });
  let horde = await start();
  const t: TestHorde = {
    get horde() {
      return horde;
    },
    dir,
    dbPath,
    clock,
    sdk: (token) =>
      new AIHorde({
        api_route: `${horde.url}/v2`,
        ...(token ? { default_token: token } : {}),
        client_agent: 'horde-it:1:test',
      }),
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.key !== undefined) headers.apikey = o.key;
      let body: string | undefined;
      if (o.rawBody !== undefined) body = o.rawBody;
      else if (o.body !== undefined) body = JSON.stringify(o.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(`${horde.url}/v2${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    user(name, kudos = 0, o = { trusted: true }) {
      const u = horde.admin.addUser(name, o);
      if (kudos !== 0) horde.admin.award(u.username, kudos, 'test setup');
      return u;
    },
    async restart() {
      await horde.close();
      horde = await start();
    },
    async close() {
      await horde.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/** A 1×1 PNG. */
export const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** The error an SDK call failed with: HTTP status and the AI Horde rc. */
export async function sdkError(p: Promise<unknown>): Promise<{ status: number; rc: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { status?: number; error_code?: string };
    return { status: e.status ?? 0, rc: e.error_code ?? '' };
  }
  throw new Error('the call succeeded; an error was expected');
}
