/**
 * What the Earn screen's controls and the request form promise, through the real UI against one
 * `serve` (embedded horde + worker on the generated tiny model): the mode buttons say which mode is
 * on, the idle switch turns on in the browser window, the form's default request is one the
 * in-app worker serves, and alchemy results read as a person would want them (caption as text,
 * interrogation as tags with scores, NSFW as a verdict, images as previews with a download).
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../electron/worker/engines/images';
import { invoke, openBrowser, openScreen, screenshot, startServe, type Browser, type Serve } from './harness';

let serve: Serve;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  serve = await startServe();
  browser = await openBrowser();
  page = browser.page;
  await page.goto(serve.url);
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

const pressed = async () => {
  const group = page.getByRole('group', { name: 'Earning mode' });
  const out: string[] = [];
  for (const b of await group.getByRole('button').all())
    if ((await b.getAttribute('aria-pressed')) === 'true') out.push((await b.textContent()) ?? '');
  return out;
};

describe('controls that say what they do', () => {
  it('the mode buttons show which mode is on', async () => {
    await openScreen(page, 'Earn');
    const banner = page.getByRole('region', { name: 'Worker state' });
    await expect.poll(() => banner.getByRole('status').textContent(), { timeout: 90_000 }).toBe('Earning');
    expect(await pressed()).toEqual(['Automatic']);
    await banner.getByRole('button', { name: 'Pause 1 h' }).click();
    await expect.poll(pressed, { timeout: 30_000 }).toEqual(['Pause 1 h']);
    await expect.poll(() => banner.getByRole('status').textContent(), { timeout: 30_000 }).toBe('Paused');
    await screenshot(page, 'earn-mode-paused');
    await banner.getByRole('button', { name: 'Automatic' }).click();
    await expect.poll(pressed, { timeout: 30_000 }).toEqual(['Automatic']);
  });

  it('the idle switch turns on in the browser window, and off again', async () => {
    await openScreen(page, 'Earn');
    const idle = page.getByRole('switch', { name: 'Earn only when the computer is idle' });
    await expect.poll(() => idle.isChecked(), { timeout: 30_000 }).toBe(false);
    await idle.click();
    await expect.poll(() => idle.isChecked(), { timeout: 30_000 }).toBe(true);
    await expect.poll(async () => (await invoke(page, 'settings:get', undefined)).idle.idleMinutes).toBe(5);
    await page.getByLabel('Idle for (minutes)').waitFor();
    await screenshot(page, 'earn-idle-on');
    // The keyboard too: Space on the focused switch turns it off, and sends 0 only then.
    await idle.focus();
    await page.keyboard.press('Space');
    await expect.poll(() => idle.isChecked(), { timeout: 30_000 }).toBe(false);
    await expect.poll(async () => (await invoke(page, 'settings:get', undefined)).idle.idleMinutes).toBe(0);
  });
});

describe('requests that can run', () => {
  it('the default text request is served by the in-app worker', async () => {
    await openScreen(page, 'Earn');
    const banner = page.getByRole('region', { name: 'Worker state' });
    await expect.poll(() => banner.getByRole('status').textContent(), { timeout: 90_000 }).toBe('Earning');
    await openScreen(page, 'Request');
    const form = page.getByRole('form', { name: 'Text request' });
    await expect.poll(() => form.getByLabel('Model').inputValue(), { timeout: 30_000 }).toBe('tiny-gpt2');
    // Only the prompt: every other field keeps the form's default.
    await form.getByLabel('Prompt').fill('The default request');
    const stats = await invoke(page, 'worker:stats', undefined);
    expect(Number(await form.getByLabel('Context (tokens)').inputValue())).toBeLessThanOrEqual(
      stats!.advertised.maxContextLength,
    );
    expect(await form.getByRole('list', { name: 'No worker can serve this' }).count()).toBe(0);
    await form.getByRole('button', { name: 'Submit request' }).click();
    const panel = page.getByRole('region', { name: 'Your request' });
    await expect.poll(() => panel.textContent(), { timeout: 120_000 }).toMatch(/Done/i);
    await screenshot(page, 'request-default-served');
  });
});

describe('readable alchemy results', () => {
  it('caption as text, interrogation as tags with scores, NSFW as a verdict, images with a download', async () => {
    await openScreen(page, 'Request');
    const form = page.getByRole('form', { name: 'Alchemy' });
    // A 64×64 gradient, made here so the test needs no binary fixture.
    const side = 64;
    const rgba = new Uint8Array(side * side * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 5) % 256));
    await form.getByLabel(/^Image/).setInputFiles({
      name: 'gradient.png',
      mimeType: 'image/png',
      buffer: Buffer.from(encodePng({ width: side, height: side, data: rgba })),
    });
    await form.getByRole('img', { name: 'Chosen image gradient.png' }).waitFor();
    // Not "Upscale ×2": the fixture upscaler has no name the model library vouches for, so the
    // in-app worker does not advertise it (worker-launcher.ts) and that form would wait.
    for (const name of ['Interrogation (tags)', 'NSFW check', 'Strip background'])
      await form.getByRole('switch', { name }).check();
    await form.getByRole('button', { name: 'Run alchemy' }).click();
    // Every form ends; the poll's failure message shows what the panel said instead.
    const labels = ['Caption', 'Interrogation (tags)', 'NSFW check', 'Strip background'];
    await expect
      .poll(
        async () => {
          const text = (await form.textContent()) ?? '';
          return labels.every((l) => text.includes(`${l}: done`)) ? 'all done' : text;
        },
        { timeout: 180_000 },
      )
      .toBe('all done');

    const caption = (await form.locator('.alchemy-result .caption').textContent()) ?? '';
    expect(caption.trim().length).toBeGreaterThan(0);
    const tags = form.getByRole('list', { name: 'Tags of Interrogation (tags)' });
    const items = await tags.getByRole('listitem').allTextContents();
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(item).toMatch(/^\S.*\d{1,3}%$/);
    expect(await tags.getByRole('meter').count()).toBe(items.length);
    expect(await form.getByText(/^(Safe|Not safe) for work: the check found/).count()).toBe(1);
    // No raw JSON or bare booleans reach the page.
    expect(await form.textContent()).not.toMatch(/\{"|\bfalse\b|\btrue\b/);

    const link = form.getByRole('link', { name: 'Download the strip background result' });
    const file = /^strip_background\.(png|webp)$/;
    expect(await link.getAttribute('download')).toMatch(file);
    const download = page.waitForEvent('download');
    await link.click();
    const saved = await download;
    expect(saved.suggestedFilename()).toMatch(file);
    const bytes = await readFile((await saved.path())!);
    // A real image file: PNG or RIFF/WEBP magic.
    expect(bytes.subarray(0, 4).toString('latin1')).toMatch(/^(\x89PNG|RIFF)$/);
    expect(await form.getByRole('img', { name: 'Result of Strip background' }).count()).toBe(1);
    await form.scrollIntoViewIfNeeded();
    await screenshot(page, 'alchemy-readable');
    expect(browser.pageErrors).toEqual([]);
  });
});
