import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAssetServer, type AssetServer } from '../../electron/worker/engines/browser/asset-server';
import type { BrowserHost } from '../../electron/worker/engines/browser/protocol';
import {
  loadBrowserImageEngine,
  type BrowserImageEngine,
} from '../../electron/worker/engines/browser/sd-engine';
import { loadClipTokenizer, type Tokenize } from '../../electron/worker/sd/clip-tokenizer';
import { PipelineAborted } from '../../shared/diffusion/pipeline';
import { FIXTURE_MODELS_DIR, generateFixtures } from '../fixtures/generate';
import {
  ANALYTIC_CASES,
  expectClose,
  expected,
  expectPixels,
  VARIANT_OVERRIDES,
  type AnalyticVariant,
} from '../harness/sd-analytic';

/**
 * The Stable Diffusion pipeline in headless Chromium on onnxruntime-web, WASM and WebGPU
 * (SwiftShader, Chromium's software adapter): the analytic fixture's output equals the closed form
 * (test/harness/sd-analytic.ts, the same cases and tolerances as on Node), every file comes from the
 * app's asset server, and an abort stops the page between UNet calls.
 */
const BROWSER_FLAGS = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];
// SwiftShader WebGPU is a CPU emulation and the machines are shared: room beyond the 120 s default.
const BROWSER_TEST_TIMEOUT = 400_000;
const ANALYTIC = path.join(FIXTURE_MODELS_DIR, 'analytic-sd');

let server: AssetServer;
let context: BrowserContext;
let profile: string;
let host: BrowserHost;
const offsite: string[] = [];
let tokenize: Tokenize;
let schedulerConfig: Record<string, unknown>;

const models = (Object.keys(VARIANT_OVERRIDES) as AnalyticVariant[]).map((v) => ({
  name: v,
  url: '/models/analytic-sd',
  schedulerOverrides: VARIANT_OVERRIDES[v],
}));

beforeAll(async () => {
  await generateFixtures(FIXTURE_MODELS_DIR, { only: ['analytic-sd', 'tiny-sd'] });
  tokenize = await loadClipTokenizer(ANALYTIC);
  schedulerConfig = JSON.parse(
    await readFile(path.join(ANALYTIC, 'scheduler', 'scheduler_config.json'), 'utf8'),
  ) as Record<string, unknown>;
  server = await startAssetServer({ modelsDir: FIXTURE_MODELS_DIR });
  profile = await mkdtemp(path.join(os.tmpdir(), 'sd-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: BROWSER_FLAGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('request', (r) => {
    if (!r.url().startsWith(server.origin)) offsite.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') console.warn(`page: ${m.text()}`);
  });
  await page.goto(server.sdPageUrl);
  host = { evaluate: (fn, arg) => page.evaluate(fn as never, arg) };
}, 180_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function checkAnalytic(engine: BrowserImageEngine, tolerance: number): Promise<void> {
  for (const c of ANALYTIC_CASES) {
    const overrides = VARIANT_OVERRIDES[c.variant];
    const got = await engine.generate(c.variant, c.p);
    const want = await expected({ tokenize, schedulerConfig: { ...schedulerConfig, ...overrides } }, c.p);
    expect(got.images, c.name).toHaveLength(c.p.seeds.length);
    got.latents.forEach((lat, i) => expectClose(lat, want.latents[i]!, tolerance, c.name));
    got.images.forEach((img, i) => {
      expect([img.width, img.height]).toEqual([c.p.width, c.p.height]);
      expectPixels(img.data, want.pixels[i]!);
    });
  }
}

describe('the SD pipeline in headless Chromium', () => {
  it(
    'equals the closed form on WASM',
    async () => {
      const engine = await loadBrowserImageEngine({ host, models, device: 'wasm' });
      expect(engine.backend).toBe('wasm');
      expect(engine.img2img).toBe(true);
      await checkAnalytic(engine, 1e-4);
      await engine.dispose();
      expect(offsite).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'equals the closed form on WebGPU (SwiftShader)',
    async () => {
      const engine = await loadBrowserImageEngine({ host, models, device: 'webgpu' });
      expect(engine.backend).toBe('webgpu');
      expect(engine.loaded.adapter).toMatch(/swiftshader/);
      await checkAnalytic(engine, 2e-5);
      await engine.dispose();
      expect(offsite).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'reports progress per UNet call and stops between calls when aborted',
    async () => {
      const engine = await loadBrowserImageEngine({
        host,
        models: [{ name: 'tiny', url: '/models/tiny-sd' }],
        device: 'wasm',
        pollMillis: 20,
      });
      const controller = new AbortController();
      const steps: number[] = [];
      let abortedAt = 0;
      const running = engine.generate(
        'tiny',
        {
          prompt: 'a long one',
          negativePrompt: '',
          width: 256,
          height: 256,
          steps: 400,
          cfgScale: 7,
          sampler: 'k_euler',
          karras: false,
          seeds: [3],
        },
        {
          signal: controller.signal,
          onStep: (done) => {
            steps.push(done);
            if (done >= 2 && !controller.signal.aborted) {
              abortedAt = Date.now();
              controller.abort();
            }
          },
        },
      );
      await expect(running).rejects.toBeInstanceOf(PipelineAborted);
      expect(Date.now() - abortedAt).toBeLessThan(1_000);
      expect(steps.at(-1)).toBeLessThan(400);
      // Still usable after the abort.
      expect(await engine.measureStepSeconds()).toBeGreaterThan(0);
      await engine.dispose();
    },
    BROWSER_TEST_TIMEOUT,
  );
});
