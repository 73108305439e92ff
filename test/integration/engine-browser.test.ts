import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODELS_DIR, generateFixtures } from '../fixtures/generate';
import { startAssetServer, type AssetServer } from '../../electron/worker/engines/browser/asset-server';
import { loadBrowserTextEngine } from '../../electron/worker/engines/browser/engine';
import type { BrowserHost } from '../../electron/worker/engines/browser/protocol';
import { loadTextEngine } from '../../electron/worker/engines/node';
import { greedyParams } from '../harness/bare-ort';

const BASE_FLAGS = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// Chromium work is CPU-bound and the machines are shared: room beyond the project's 120 s default.
const BROWSER_TEST_TIMEOUT = 300_000;
// Few tokens: SwiftShader WebGPU is a CPU emulation, and its first call compiles shaders for seconds.
const params = greedyParams('The horde runs on volunteers', 4, 100);

let server: AssetServer;
let cpuIds: number[];

/** A fresh headless Chromium profile showing the engine page; requests leaving loopback fail the test. */
async function openEnginePage(flags: string[]): Promise<{
  context: BrowserContext;
  page: Page;
  host: BrowserHost;
  offsite: string[];
  close(): Promise<void>;
}> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'engine-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [...BASE_FLAGS, ...flags],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const offsite: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(server.origin)) offsite.push(request.url());
  });
  await page.goto(server.pageUrl);
  // Playwright's evaluate takes the same serializable function and argument the host interface describes.
  const host: BrowserHost = { evaluate: (fn, arg) => page.evaluate(fn as never, arg) };
  return {
    context,
    page,
    host,
    offsite,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

beforeAll(async () => {
  await generateFixtures(FIXTURE_MODELS_DIR, { only: ['tiny-gpt2'] });
  server = await startAssetServer({ modelsDir: FIXTURE_MODELS_DIR });
  const cpu = await loadTextEngine({ modelsDir: FIXTURE_MODELS_DIR, modelName: 'tiny-gpt2', device: 'cpu' });
  cpuIds = (await cpu.generate(params)).tokenIds;
  await cpu.dispose();
  expect(cpuIds).toHaveLength(params.maxNewTokens);
  // Varied ids, so agreeing on them says more than agreeing on one repeated token.
  expect(new Set(cpuIds).size).toBeGreaterThan(1);
});

afterAll(async () => {
  await server?.close();
});

describe('browser engine in headless Chromium', () => {
  it('serves the engine assets locally with the right types', async () => {
    const wasm = await fetch(`${server.origin}/ort/ort-wasm-simd-threaded.asyncify.wasm`);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    await wasm.arrayBuffer();
    const mjs = await fetch(`${server.origin}/ort/ort-wasm-simd-threaded.asyncify.mjs`);
    expect(mjs.headers.get('content-type')).toMatch(/javascript/);
    await mjs.text();
    expect((await fetch(`${server.origin}/models/tiny-gpt2/config.json`)).status).toBe(200);

    const elsewhere = await startAssetServer({
      modelsDir: path.join(FIXTURE_MODELS_DIR, 'no-such-folder'),
      extraModels: [{ name: 'cache/tiny', path: path.join(FIXTURE_MODELS_DIR, 'tiny-gpt2') }],
    });
    try {
      const config = await fetch(`${elsewhere.origin}/models/cache/tiny/config.json`);
      expect(await config.json()).toMatchObject({ model_type: 'gpt2' });
      expect((await fetch(`${elsewhere.origin}/models/tiny-gpt2/config.json`)).status).toBe(404);
    } finally {
      await elsewhere.close();
    }
  });

  it(
    'gives the cpu greedy token ids on WebGPU (SwiftShader) and on WASM',
    async () => {
      const browser = await openEnginePage(['--enable-unsafe-webgpu']);
      try {
        const fractions: number[] = [];
        const gpu = await loadBrowserTextEngine({
          host: browser.host,
          modelName: 'tiny-gpt2',
          device: 'auto',
          onProgress: (p) => fractions.push(p.fraction),
        });
        expect(gpu.backend).toBe('webgpu');
        expect(gpu.adapter).toMatch(/swiftshader/);
        expect(gpu.adapterIsFallback).toBe(true);
        expect(fractions.at(-1)).toBe(1);
        expect((await gpu.generate(params)).tokenIds).toEqual(cpuIds);

        const wasm = await loadBrowserTextEngine({
          host: browser.host,
          modelName: 'tiny-gpt2',
          device: 'wasm',
        });
        expect(wasm.backend).toBe('wasm');
        const result = await wasm.generate(params);
        expect(result.tokenIds).toEqual(cpuIds);
        expect(result.finishReason).toBe('length');
        await wasm.dispose();
        expect(browser.offsite).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'falls back to WASM when WebGPU offers no adapter, and says so',
    async () => {
      const browser = await openEnginePage(['--disable-gpu']);
      try {
        await expect(
          loadBrowserTextEngine({ host: browser.host, modelName: 'tiny-gpt2', device: 'webgpu' }),
        ).rejects.toThrow(/WebGPU/);
        const engine = await loadBrowserTextEngine({ host: browser.host, modelName: 'tiny-gpt2' });
        expect(engine.backend).toBe('wasm');
        expect(engine.fallbackReason).toMatch(/WebGPU/);
        expect((await engine.generate(params)).tokenIds).toEqual(cpuIds);

        // Cancelled as soon as it starts: the page stops between tokens and reports it.
        const controller = new AbortController();
        const running = engine.generate({ ...params, maxNewTokens: 200 }, { signal: controller.signal });
        controller.abort();
        const aborted = await running;
        expect(aborted.finishReason).toBe('aborted');
        expect(aborted.tokenIds.length).toBeLessThan(200);
        expect(browser.offsite).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    BROWSER_TEST_TIMEOUT,
  );
});
