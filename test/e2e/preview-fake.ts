/**
 * Dev tool, not a test: opens the built renderer (dist/renderer) on a throwaway static server with a fake
 * `window.hordeBridge`, as the Electron preload would expose it, and screenshots the four screens.
 * Lets the UI be looked at without serve. Run: npm run build:renderer && npx tsx test/e2e/preview-fake.ts
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';

// Runs in the page (serialised by Playwright), so it cannot use imports.
function installFakeBridge(scheme: string) {
  // The bridge carries kudos as integer milli-kudos (shared/bridge/kudos.ts); no imports here, so by hand.
  const m = (kudos: number) => Math.round(kudos * 1000);
  const now = Date.now();
  const stats = {
    state: 'running',
    stateReason: 'Running a job for the horde.',
    currentJob: { id: 'j1', kind: 'text', model: 'tiny-gpt2', progress: 0.45, tokens: 36, maxTokens: 80 },
    jobsDone: 12,
    jobsFaulted: 1,
    tokensPerSecond: 18.3,
    kudosThisSession: m(42.5),
    kudosTotal: m(310.25),
    evaluatingKudos: m(12),
    uptimeSeconds: 5400,
    advertised: { models: ['tiny-gpt2'], maxLength: 256, maxContextLength: 1024, forms: ['caption'] },
  };
  const entries = Array.from({ length: 14 }, (_, i) => ({
    id: `e${i}`,
    at: now - (14 - i) * 6 * 60_000,
    kind: i % 5 === 4 ? 'job_paid' : i % 3 === 0 ? 'uptime' : 'job_earned',
    kudos: m(i % 5 === 4 ? -7 : i % 3 === 0 ? 2.5 : 3.75),
    ref: `req-${i}`,
  }));
  const settings = {
    horde: { mode: 'embedded' },
    workerName: 'attic-pc',
    modelsDir: '/home/me/.horde-desktop/models',
    threads: 4,
    memoryMb: 4096,
    lanSharing: false,
    lanPort: null,
    idle: { idleMinutes: 5, onlyOnAC: true, pauseWhenFullscreen: true, finishJobBeforePause: true },
    theme: 'system',
    apiKeyMasked: '••••••3f9a',
    restartRequired: false,
  };
  const handlers: Record<string, (arg: unknown) => unknown> = {
    'app:info': () => ({
      version: '0.1.0',
      shell: 'electron',
      horde: { mode: 'embedded', url: 'http://127.0.0.1:7001/api' },
      username: 'me#1',
      workerEnabled: true,
      dataDir: '/home/me/.horde-desktop',
    }),
    'settings:get': () => settings,
    'settings:set': (p) => Object.assign(settings, p),
    'settings:setApiKey': () => ({ apiKeyMasked: '••••••beef' }),
    'account:get': () => ({
      username: 'me#1',
      id: 1,
      kudos: m(310.25),
      evaluatingKudos: m(12),
      reserved: m(7),
      available: m(303.25),
      workerIds: ['w1'],
      anonymous: false,
    }),
    'worker:stats': () => stats,
    'worker:control': () => stats,
    'worker:leaveMaintenance': () => stats,
    'models:local': () => [
      {
        name: 'tiny-gpt2',
        kind: 'text',
        path: 'tiny-gpt2',
        sizeBytes: 2_400_000,
        load: { state: 'ready', fraction: 1 },
      },
      {
        name: 'tiny-caption',
        kind: 'alchemy',
        path: 'tiny-caption',
        sizeBytes: 900_000,
        load: { state: 'loading', fraction: 0.6 },
      },
    ],
    'horde:models': () => [
      { name: 'tiny-gpt2', count: 1, performance: 18, queued: 0, jobs: 0, eta: 0, type: 'text' },
    ],
    'requests:price': () => ({
      kudos: m(7),
      available: m(303.25),
      after: m(296.25),
      needsUpfront: false,
      upfront: { freeMaxLength: 512, required: 0, short: 0 },
      warnings: [],
    }),
    'requests:submitText': () => ({ id: 'r1', kudos: m(7), warnings: [] }),
    'requests:status': () => ({
      id: 'r1',
      state: 'waiting',
      waiting: 1,
      processing: 0,
      finished: 0,
      queuePosition: 2,
      waitTime: 75,
      isPossible: true,
      kudos: m(7),
      generations: [],
    }),
    'requests:history': () => [
      {
        id: 'r0',
        kind: 'text',
        submittedAt: now - 600_000,
        finishedAt: now - 590_000,
        summary: 'Write a haiku about kudos',
        models: ['tiny-gpt2'],
        kudos: m(7),
        state: 'done',
        result: 'Kudos fall like rain',
      },
    ],
    'journal:entries': () => ({
      entries: [...entries].reverse(),
      totals: { earned: m(40), spent: m(14), transferredIn: 0, transferredOut: 0 },
    }),
  };
  (globalThis as unknown as { hordeBridge: unknown }).hordeBridge = {
    invoke: async (channel: string, arg: unknown) => {
      const h = handlers[channel];
      if (!h) throw { rc: 'UnknownChannel', message: channel };
      return h(arg);
    },
    listen: () => () => {},
  };
  void scheme;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

// Chromium refuses module scripts from file://, so the build is served over loopback.
function serveDist(root: string) {
  return createServer((req, res) => {
    const path =
      normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '') ||
      'index.html';
    try {
      const body = readFileSync(join(root, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  }).listen(0, '127.0.0.1');
}

async function main() {
  const server = serveDist(resolve('dist/renderer'));
  await new Promise((r) => server.once('listening', r));
  const index = `http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`;
  const out = resolve('test-results/screenshots');
  mkdirSync(out, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'hd-preview-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await browser.newPage();
      await page.emulateMedia({ colorScheme: scheme });
      page.on('pageerror', (e) => console.error('page error:', e.message));
      // tsx compiles with keepNames, which wraps functions in __name(); define it for the page.
      await page.addInitScript({
        content: `var __name = (f) => f; (${installFakeBridge.toString()})(${JSON.stringify(scheme)});`,
      });
      for (const screen of ['earn', 'request', 'ledger', 'settings']) {
        await page.goto(`${index}#${screen}`);
        await page.reload();
        await page.waitForTimeout(600);
        await page.screenshot({ path: join(out, `preview-${screen}-${scheme}.png`), fullPage: true });
      }
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

await main();
