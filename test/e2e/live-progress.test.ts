/**
 * Progress you can see: a text request run by this app's own worker counts its tokens up on the
 * request panel ("Generating 12 / 160 tokens") instead of going from Waiting straight to Done.
 * The worker serves a GPT-2-shaped model larger than tiny-gpt2 (random weights, never ends early),
 * generated here, so that 160 tokens take a few seconds even on a fast machine: a smaller one
 * (256 wide, 4 layers) wrote them in under a second on CI, and the panel showed only two counts.
 */
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTextModel } from '../fixtures/generate';
import {
  openBrowser,
  openScreen,
  screenshot,
  startServe,
  tempDir,
  type Browser,
  type Serve,
} from './harness';

const MODEL = 'watch-gpt2';
/** Asked of the worker, unless it offers less on a loaded machine (it advertises what it finishes in time). */
const WANTED_LENGTH = 160;
let MAX_LENGTH = WANTED_LENGTH;

let modelsDir: string;
let serve: Serve;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  modelsDir = tempDir('models');
  await generateTextModel(modelsDir, MODEL, {
    vocabSize: 1000,
    hidden: 512,
    layers: 6,
    heads: 8,
    positions: 512,
  });
  serve = await startServe({ args: ['--models', modelsDir] });
  browser = await openBrowser();
  page = browser.page;
  await page.goto(serve.url);
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
});

describe('live progress of a text request', () => {
  it('counts the tokens up while the in-app worker generates them, then shows the result', async () => {
    await openScreen(page, 'Request');
    const form = page.getByRole('form', { name: 'Text request' });
    // The model shows in the list once the worker has loaded it and told the horde.
    await expect
      .poll(() => form.getByLabel('Model').locator(`option[value="${MODEL}"]`).count(), { timeout: 180_000 })
      .toBe(1);
    await form.getByLabel('Model').selectOption(MODEL);
    const offered = /write up to (\d+)/.exec((await form.textContent()) ?? '')?.[1];
    if (offered !== undefined) MAX_LENGTH = Math.min(WANTED_LENGTH, Number(offered));
    await form.getByLabel('Max length (tokens)').fill(String(MAX_LENGTH));
    await form.getByLabel('Context (tokens)').fill('512');
    await form.getByLabel('Prompt').fill('The lighthouse keeper wrote in the log that night');
    const submit = form.getByRole('button', { name: 'Submit request' });
    await expect.poll(() => submit.isEnabled(), { timeout: 30_000 }).toBe(true);
    await submit.click();

    const panel = page.getByRole('region', { name: 'Your request' });
    const counter = panel.getByLabel('Tokens generated');
    const seen: string[] = [];
    let shot = false;
    const end = Date.now() + 180_000;
    // Read the panel as a person would, several times a second, until the result is there.
    while ((await panel.getByLabel('Result').count()) === 0) {
      if (Date.now() > end) {
        await screenshot(page, 'request-generating-failed');
        const shown = await panel.textContent();
        throw new Error(
          `no result; panel: ${shown}; counts seen: ${seen.join(', ')}\n${serve.output().slice(-3000)}`,
        );
      }
      const text = (await counter.count()) > 0 ? await counter.textContent().catch(() => null) : null;
      if (text && seen.at(-1) !== text) seen.push(text);
      const done = Number(/Generating (\d+)/.exec(text ?? '')?.[1] ?? 0);
      if (!shot && done >= MAX_LENGTH / 4 && done < MAX_LENGTH) {
        // The status line is read right after the count, before the slow screenshot: on a quiet
        // machine the tiny job can finish while the shot is taken.
        const status = await panel.getByRole('status').first().textContent();
        await screenshot(page, 'request-generating');
        shot = true;
        expect(status).toContain('Generating on this computer’s worker');
      }
      await page.waitForTimeout(100);
    }

    const counts = seen.map((t) => {
      const m = /^Generating (\d+) \/ (\d+) tokens$/.exec(t);
      if (!m) throw new Error(`unexpected progress line ${JSON.stringify(t)}`);
      return { done: Number(m[1]), total: Number(m[2]) };
    });
    // It counted up: several different counts, each at least the one before, all of the 160 asked.
    expect(counts.length, `counts seen: ${seen.join(', ')}`).toBeGreaterThanOrEqual(3);
    expect(counts.every((c) => c.total === MAX_LENGTH)).toBe(true);
    for (let i = 1; i < counts.length; i++) expect(counts[i]!.done).toBeGreaterThan(counts[i - 1]!.done);
    expect(counts[0]!.done).toBeLessThan(MAX_LENGTH);
    expect(shot).toBe(true);
    // Done: the count gives way to the result.
    await expect
      .poll(() => panel.getByRole('status').first().textContent(), { timeout: 30_000 })
      .toContain('Done');
    expect(await counter.count()).toBe(0);
    // However the result reads (the random model writes long runs without spaces), it wraps in its card.
    // A string, as window-speaks does: this file is typechecked without the DOM library.
    const overflow = (await page.evaluate(
      '(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)()',
    )) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'request-generated');
  });
});
