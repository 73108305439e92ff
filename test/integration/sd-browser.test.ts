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
import { loadNodeSdModel } from '../../electron/worker/sd/node-model';
import { generate, PipelineAborted, type SdParams, type SdResult } from '../../shared/diffusion/pipeline';
import { FIXTURE_MODELS_DIR, generateFixtures, generateSdFp16, SD_FP16_FIXTURES } from '../fixtures/generate';
import {
  ANALYTIC_CASES,
  expectClose,
  expected,
  expectPixels,
  expectPixelsNear,
  FP16_LATENT_TOLERANCE,
  FP16_PIXEL_LEVELS,
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
let fp16Dir: string;
let fp16: { tiny: string; analytic: string };
/** Every ONNX Runtime file the page asked the asset server for, with its status. */
const ortAssets: { path: string; status: number }[] = [];

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
  profile = await mkdtemp(path.join(os.tmpdir(), 'sd-chromium-'));
  // The half-precision exports, outside the shared fixtures folder (see generateSdFp16).
  fp16Dir = await mkdtemp(path.join(os.tmpdir(), 'sd-fp16-'));
  fp16 = await generateSdFp16(fp16Dir);
  server = await startAssetServer({
    modelsDir: FIXTURE_MODELS_DIR,
    extraModels: [
      { name: SD_FP16_FIXTURES.tiny, path: fp16.tiny },
      { name: SD_FP16_FIXTURES.analytic, path: fp16.analytic },
    ],
  });
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: BROWSER_FLAGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('request', (r) => {
    if (!r.url().startsWith(server.origin)) offsite.push(r.url());
  });
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (url.origin === server.origin && url.pathname.startsWith('/ort/'))
      ortAssets.push({ path: url.pathname, status: r.status() });
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
  if (fp16Dir) await rm(fp16Dir, { recursive: true, force: true });
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
      // onnxruntime-web's module and its WASM binary, as the asset server serves them from the package.
      expect(ortAssets.filter((a) => a.status >= 400)).toEqual([]);
      expect(ortAssets.map((a) => a.path)).toEqual(
        expect.arrayContaining([
          '/ort/ort.webgpu.min.mjs',
          expect.stringMatching(/^\/ort\/ort-wasm.*\.wasm$/),
        ]),
      );
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'equals the closed form on WebGPU (SwiftShader)',
    async () => {
      const engine = await loadBrowserImageEngine({ host, models, device: 'webgpu' });
      expect(engine.backend).toBe('webgpu');
      expect(engine.loaded.adapter).toMatch(/swiftshader/);
      expect(engine.loaded.partsOnWasm).toEqual([]);
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

/** The tiny fixture's half-precision export: CFG, two seeds, a multistep sampler without CFG. */
const FP16_CASES: { name: string; p: SdParams }[] = [
  {
    name: 'k_euler, CFG 7.5, two seeds',
    p: {
      prompt: 'a lighthouse keeper at dusk',
      negativePrompt: 'blurry',
      width: 64,
      height: 64,
      steps: 6,
      cfgScale: 7.5,
      sampler: 'k_euler',
      karras: false,
      seeds: [5, 6],
    },
  },
  {
    name: 'k_dpmpp_2m with Karras sigmas, no CFG',
    p: {
      prompt: 'a fox',
      negativePrompt: '',
      width: 64,
      height: 48,
      steps: 5,
      cfgScale: 1,
      sampler: 'k_dpmpp_2m',
      karras: true,
      seeds: [11],
    },
  },
];

/** The largest difference relative to max(1, |want|), the largest and the mean pixel difference. */
function compare(got: SdResult, want: SdResult): { latent: number; pixel: number; meanPixel: number } {
  let latent = 0;
  let pixel = 0;
  let sum = 0;
  let count = 0;
  got.latents.forEach((lat, i) => {
    const w = want.latents[i]!;
    expect(lat.length).toBe(w.length);
    for (let k = 0; k < w.length; k += 1)
      latent = Math.max(latent, Math.abs(lat[k]! - w[k]!) / Math.max(1, Math.abs(w[k]!)));
  });
  got.images.forEach((img, i) => {
    const w = want.images[i]!.data;
    expect(img.data.length).toBe(w.length);
    for (let k = 0; k < w.length; k += 1) {
      const d = Math.abs(img.data[k]! - w[k]!);
      pixel = Math.max(pixel, d);
      sum += d;
      count += 1;
    }
  });
  return { latent, pixel, meanPixel: sum / Math.max(1, count) };
}

describe('a half-precision (fp16) export in headless Chromium', () => {
  let node: SdResult[];

  beforeAll(async () => {
    const model = await loadNodeSdModel(fp16.tiny, { threads: 1 });
    expect(model.unet.inputs.find((i) => i.name === 'sample')?.type).toBe('float16');
    node = [];
    for (const c of FP16_CASES) node.push(await generate(model, c.p));
    await model.dispose();
  }, BROWSER_TEST_TIMEOUT);

  for (const device of ['wasm', 'webgpu'] as const) {
    it(
      `runs its fp16 graphs as shipped on ${device} and matches the onnxruntime-node fp16 run`,
      async () => {
        // One engine serves both exports (a load replaces what the page had loaded).
        const engine = await loadBrowserImageEngine({
          host,
          models: [
            { name: 'tiny-fp16', url: `/models/${SD_FP16_FIXTURES.tiny}` },
            ...(Object.keys(VARIANT_OVERRIDES) as AnalyticVariant[]).map((v) => ({
              name: v,
              url: `/models/${SD_FP16_FIXTURES.analytic}`,
              schedulerOverrides: VARIANT_OVERRIDES[v],
            })),
          ],
          device,
        });
        expect(engine.backend).toBe(device);
        expect(engine.loaded.unetTypes).toEqual({
          'tiny-fp16': 'float16',
          sd1: 'float16',
          'v-prediction': 'float16',
          trailing: 'float16',
        });
        const onWasm = engine.loaded.partsOnWasm ?? [];
        if (device === 'webgpu' && !engine.loaded.shaderF16) {
          // SwiftShader has no shader-f16: onnxruntime-web cannot compile half-precision kernels
          // for it, so each fp16 part runs on WASM, in half precision, and the page says so.
          expect(engine.loaded.shaderF16).toBe(false);
          const parts = ['text_encoder', 'unet', 'vae_decoder', 'vae_encoder'];
          expect(onWasm.filter((x) => x.model === 'tiny-fp16').map((x) => x.part)).toEqual(parts);
          expect(onWasm).toHaveLength(4 * parts.length);
          for (const x of onWasm) expect(x.reason, x.part).toMatch(/f16/);
        } else {
          expect(onWasm).toEqual([]);
        }
        for (const [i, c] of FP16_CASES.entries()) {
          const got = await engine.generate('tiny-fp16', c.p);
          expect(got.images.map((im) => [im.width, im.height])).toEqual(
            c.p.seeds.map(() => [c.p.width, c.p.height]),
          );
          const d = compare(got, node[i]!);
          console.info(
            `fp16 ${device} · ${c.name}: latents ${d.latent.toExponential(2)}, pixels max ${d.pixel} mean ${d.meanPixel.toFixed(2)}`,
          );
          // The same fp16 graphs on WASM's kernels and onnxruntime-node's round an ulp apart here and
          // there, and guidance 7.5 amplifies that (measured 5.4e-2 with CFG, 1.1e-3 without); the
          // images agree to a fraction of a level on average (measured 0.12).
          expect(d.latent, c.name).toBeLessThan(FP16_LATENT_TOLERANCE);
          expect(d.meanPixel, c.name).toBeLessThan(1);
        }
        // The analytic export against the closed form, at half precision's tolerance.
        for (const c of ANALYTIC_CASES) {
          const got = await engine.generate(c.variant, c.p);
          const overrides = VARIANT_OVERRIDES[c.variant];
          const want = await expected(
            { tokenize, schedulerConfig: { ...schedulerConfig, ...overrides } },
            c.p,
          );
          got.latents.forEach((lat, i) => expectClose(lat, want.latents[i]!, FP16_LATENT_TOLERANCE, c.name));
          got.images.forEach((img, i) =>
            expectPixelsNear(img.data, want.pixels[i]!, FP16_PIXEL_LEVELS, c.name),
          );
        }
        await engine.dispose();
        expect(offsite).toEqual([]);
      },
      BROWSER_TEST_TIMEOUT,
    );
  }
});
