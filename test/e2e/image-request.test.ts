/**
 * The Image request screen against the real `serve` (embedded horde), with a
 * stub image worker (test/harness/stub-image-worker.ts) serving the request:
 * priced → queued → delivered → in the gallery → downloaded with its settings
 * in the file → reused as the img2img source → still there after a restart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngTexts } from '../../electron/bridge/image-file';
import { stubImageWorker } from '../harness/stub-image-worker';
import { toKudos } from '../../shared/ledger/money';
import {
  hordeAdmin,
  invoke,
  kudosFrom,
  openBrowser,
  screenshot,
  startServe,
  tempDir,
  type Browser,
  type Serve,
} from './harness';

let serve: Serve;
let browser: Browser;
let page: Page;
let worker: ReturnType<typeof stubImageWorker>;
const dataDir = tempDir('image-data');

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${serve.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function openImageScreen(): Promise<void> {
  await page.getByRole('tab', { name: 'Image' }).click();
}

const form = () => page.getByRole('form', { name: 'Image request' });

beforeAll(async () => {
  serve = await startServe({ dataDir });
  browser = await openBrowser();
  page = browser.page;
  await page.goto(serve.url);
  const hordeUrl = (await invoke(page, 'app:info', undefined)).horde.url;
  const painter = hordeAdmin(join(serve.dataDir, 'horde.sqlite'), ['user', 'add', 'painter']) as {
    apikey: string;
  };
  worker = stubImageWorker({
    url: hordeUrl,
    apikey: painter.apikey,
    name: 'e2e-stub-painter',
    maxPixels: 1024 * 1024,
  });
  // The worker checks in, so the horde lists its model with one worker.
  expect((await worker.pop()).id).toBeNull();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('the Image request screen', () => {
  it('prices a request with the horde dry run, says a worker can serve it, and queues it', async () => {
    await openImageScreen();
    await form().getByLabel('Model', { exact: true }).selectOption('stable_diffusion');
    await expect
      .poll(() => form().getByLabel('Model', { exact: true }).locator('option:checked').textContent())
      .toContain('1 worker');
    await form().getByLabel('Prompt', { exact: true }).fill('a red lighthouse at dusk');
    await form().getByLabel('Negative prompt').fill('blurry');
    await form().getByLabel('Seed', { exact: true }).fill('4242');
    const quote = await invoke(page, 'images:price', {
      prompt: 'a red lighthouse at dusk',
      negative: 'blurry',
      model: 'stable_diffusion',
      width: 512,
      height: 512,
      steps: 30,
      sampler: 'k_euler_a',
      cfgScale: 7,
      seed: '4242',
      n: 1,
      karras: true,
    });
    await until(
      'the price',
      async () =>
        (await page.getByLabel('Price', { exact: true }).textContent())?.includes(' kudos') &&
        !(await page.getByText('asking the horde').count()),
    );
    expect(kudosFrom(await page.getByLabel('Price', { exact: true }).textContent())).toBe(
      toKudos(quote.kudos),
    );
    expect(await page.getByLabel('Workers', { exact: true }).textContent()).toBe('1 online for this model');
    expect(quote.upfront).toEqual([]);
    await screenshot(page, 'image-priced');

    await form()
      .getByRole('button', { name: /Generate 1 image/ })
      .click();
    await until(
      'queued',
      async () =>
        (await page.getByLabel('Queue position', { exact: true }).textContent()) === '#1 in the queue',
    );
    expect(await page.getByLabel('Images done', { exact: true }).textContent()).toBe('0 of 1');
    await screenshot(page, 'image-queued');
  });

  it('shows the image the worker delivered in the gallery, and downloads it with its settings', async () => {
    const job = await worker.pop();
    expect(job.id).toBeTruthy();
    expect(job.payload?.prompt).toBe('a red lighthouse at dusk ### blurry');
    expect(job.payload?.seed).toBe('4242');
    await worker.deliver(job);
    await until(
      'done',
      async () => (await page.getByLabel('Images done', { exact: true }).textContent()) === '1 of 1',
    );
    const thumb = page.getByRole('button', { name: 'Open image seed 4242' });
    await until('the thumbnail', async () => (await thumb.locator('img').count()) === 1);
    await screenshot(page, 'image-gallery');

    await thumb.click();
    expect(await page.getByLabel('Seed', { exact: true }).last().textContent()).toBe('4242');
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download PNG' }).click(),
    ]);
    expect(png.suggestedFilename()).toMatch(/^horde-4242-.*\.png$/);
    const pngBytes = readFileSync((await png.path())!);
    const texts = pngTexts(pngBytes);
    expect(texts.parameters).toContain('a red lighthouse at dusk');
    expect(texts.parameters).toContain('Negative prompt: blurry');
    expect(texts.parameters).toContain('Seed: 4242');
    expect(texts.parameters).toContain('Model: stable_diffusion');
    expect((await sharp(pngBytes).metadata()).width).toBe(512);
    const [webp] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download WebP' }).click(),
    ]);
    const webpMeta = await sharp(readFileSync((await webp.path())!)).metadata();
    expect(webpMeta.format).toBe('webp');
    expect(webpMeta.exif?.toString('latin1')).toContain('Seed: 4242');
    await screenshot(page, 'image-full-view');
  });

  it('reuses the image as the img2img source, and the worker gets it', async () => {
    const before = await invoke(page, 'images:gallery', {});
    await page.getByRole('button', { name: 'Use as img2img source' }).click();
    await until('the source', async () => (await page.getByText('img2img from image 4242').count()) === 1);
    await form().getByLabel('Strength').fill('0.5');
    await until('the img2img price', async () => !(await page.getByText('asking the horde').count()));
    await screenshot(page, 'image-img2img');
    await form()
      .getByRole('button', { name: /Generate 1 image/ })
      .click();
    await until(
      'the img2img request',
      async () => (await page.getByText('Waiting for a worker').count()) === 1,
    );
    const job = await until('the img2img job', async () => {
      const j = await worker.pop();
      return j.id ? j : undefined;
    });
    expect(job.payload?.denoising_strength).toBe(0.5);
    const source = Buffer.from(await (await fetch(job.source_image!)).arrayBuffer());
    const original = await invoke(page, 'images:file', { id: before[0]!.id, format: 'webp' });
    // The source the worker reads is the image from the gallery (WebP, as delivered).
    expect((await sharp(source).metadata()).width).toBe(512);
    expect(original.dataUrl.startsWith('data:image/webp')).toBe(true);
    await worker.deliver(job);
    await until('two in the gallery', async () => (await page.getByRole('listitem').count()) === 2);
    const after = await invoke(page, 'images:gallery', {});
    expect(after[0]?.strength).toBe(0.5);
    expect(browser.pageErrors).toEqual([]);
    await screenshot(page, 'image-gallery-two');
  });

  it('keeps the gallery across a restart', async () => {
    await browser.close();
    await serve.stop();
    serve = await startServe({ dataDir });
    browser = await openBrowser();
    page = browser.page;
    await page.goto(serve.url);
    await openImageScreen();
    await until('the kept gallery', async () => (await page.getByRole('listitem').count()) === 2);
    expect(browser.pageErrors).toEqual([]);
  }, 180_000);
});
