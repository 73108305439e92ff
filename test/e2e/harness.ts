/**
 * e2e helpers: the real `serve` in a child process, headless Debian Chromium through playwright-core,
 * screenshots under test-results/screenshots/. Every wait is bounded and everything started here is
 * stopped by the returned handles (tests call them in afterAll).
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { BridgeArg, BridgeChannel, BridgeResult } from '../../shared/bridge/contract';

export const ROOT = resolve(import.meta.dirname, '../..');
export const MODELS_DIR = join(ROOT, 'test/fixtures/models');
export const SCREENSHOTS = join(ROOT, 'test-results/screenshots');
const TSX_CLI = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const URL_LINE = /Horde Desktop is running at (http:\/\/127\.0\.0\.1:\d+\/)/;

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `hd-e2e-${prefix}-`));
}

/** The tiny models are generated (git-ignored); make sure they exist before serve scans the folder. */
export function ensureFixtures(): void {
  if (existsSync(join(MODELS_DIR, 'tiny-gpt2', 'config.json'))) return;
  const r = spawnSync(process.execPath, [TSX_CLI, 'test/fixtures/generate.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`fixture generation failed:\n${r.stdout}\n${r.stderr}`);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** serve uses dist/renderer as it finds it; rebuild it when the sources are newer, so tests see this UI. */
export function ensureRendererBuilt(): void {
  const index = join(ROOT, 'dist/renderer/index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(ROOT, 'renderer'))) return;
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'renderer/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 180_000 },
  );
  if (r.status !== 0) throw new Error(`renderer build failed:\n${r.stdout}\n${r.stderr}`);
}

export interface Serve {
  url: string;
  dataDir: string;
  /** Everything serve printed so far, for failure messages. */
  output(): string;
  /** SIGINT, as Ctrl-C would; SIGKILL if it has not exited within the bound. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** Reuse a data folder (restart scenarios); a fresh temp folder otherwise. */
  dataDir?: string;
  args?: string[];
  startTimeoutMs?: number;
}

export async function startServe(opts: ServeOptions = {}): Promise<Serve> {
  ensureFixtures();
  ensureRendererBuilt();
  const dataDir = opts.dataDir ?? tempDir('data');
  const ownsData = opts.dataDir === undefined;
  // Node 24 (this process) runs tsx directly: the system `node` on PATH may be older.
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
    process.execPath,
    [
      TSX_CLI,
      'electron/serve.ts',
      '--port',
      '0',
      '--data',
      dataDir,
      '--models',
      MODELS_DIR,
      ...(opts.args ?? []),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  async function stop(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    }
    // A folder the caller passed in is theirs (restart tests reuse it); one made here goes with serve.
    if (ownsData) rmSync(dataDir, { recursive: true, force: true });
  }

  const timeoutMs = opts.startTimeoutMs ?? 120_000;
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not print its URL within ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
    const check = () => {
      const m = URL_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1] as string);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before printing its URL:\n${out}`));
    });
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  return { url, dataDir, output: () => out, stop };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors in the page; tests assert it stays empty. */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function openBrowser(opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<Browser> {
  const profile = tempDir('chromium');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1200, height: 900 },
    colorScheme: opts.colorScheme ?? 'light',
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return {
    context,
    page,
    pageErrors,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Calls the bridge the way the page does (same token, same origin), for test setup and for reading
 * figures to compare with what the UI shows.
 */
export async function invoke<K extends BridgeChannel>(
  page: Page,
  channel: K,
  arg: BridgeArg<K>,
): Promise<BridgeResult<K>> {
  const token = (await page.locator('meta[name="bridge-token"]').getAttribute('content')) ?? '';
  const answer = await page.evaluate(
    async ([ch, a, tok]) => {
      const token = tok;
      const res = await fetch(`/bridge/invoke/${encodeURIComponent(ch)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bridge-token': token },
        body: JSON.stringify({ arg: a ?? null }),
      });
      return (await res.json()) as { ok: boolean; result?: unknown; error?: unknown };
    },
    [channel, arg, token] as const,
  );
  if (!answer.ok) throw new Error(`${channel} failed: ${JSON.stringify(answer.error)}`);
  return answer.result as BridgeResult<K>;
}

/** Runs the embedded horde's admin CLI against a database file (safe while serve uses it). */
export function hordeAdmin(dbPath: string, args: string[]): unknown {
  const r = spawnSync(process.execPath, [TSX_CLI, 'electron/horde/cli.ts', '--db', dbPath, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`horde ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? 'null');
}

/** Opens a screen by its tab, as a user would. */
export async function openScreen(
  page: Page,
  name: 'Earn' | 'Request' | 'Ledger' | 'Settings',
): Promise<void> {
  await page.getByRole('tab', { name }).click();
}

/** Reads a kudos figure shown with two decimals ("1,234.50") as a number. */
export function kudosFrom(text: string | null): number {
  const m = /-?[\d,]+\.\d{2}/.exec(text ?? '');
  if (!m) throw new Error(`no kudos figure in ${JSON.stringify(text)}`);
  return Number(m[0].replace(/,/g, ''));
}
