/**
 * The window as a new user meets it: screens follow Back/Forward, the page loads without a 404, the
 * History fits an 800×600 window, and a key for another horde is checked against that horde (a
 * stand-in: an embedded horde started here on another loopback port) before it is saved.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHorde } from '../../electron/horde/index';
import {
  invoke,
  kudosFrom,
  openBrowser,
  openScreen,
  screenshot,
  startServe,
  type Browser,
  type Serve,
} from './harness';

let standIn: Awaited<ReturnType<typeof startHorde>>;
let standInDir: string;
let member: { username: string; apikey: string };
let serve: Serve;
let browser: Browser;
let page: Page;
const failedResponses: string[] = [];

beforeAll(async () => {
  standInDir = mkdtempSync(join(tmpdir(), 'hd-e2e-standin-'));
  const db = join(standInDir, 'horde.sqlite');
  standIn = await startHorde({ dbPath: db, port: 0 });
  member = standIn.admin.addUser('member');
  serve = await startServe({ args: ['--horde', standIn.url, '--no-worker'] });
  browser = await openBrowser();
  page = browser.page;
  page.on('response', (r) => {
    if (r.status() >= 400) failedResponses.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(serve.url);
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await standIn?.close();
  if (standInDir) rmSync(standInDir, { recursive: true, force: true });
});

describe('the window speaks to people', () => {
  it('loads without a failed request (the favicon is there)', async () => {
    await page.getByRole('tab', { name: 'Earn' }).waitFor();
    await expect.poll(() => page.locator('link[rel="icon"]').count()).toBe(1);
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    const res = await page.request.get(new URL(icon ?? '', serve.url).toString());
    expect(res.status()).toBe(200);
    expect(failedResponses).toEqual([]);
  });

  it('Back and Forward move between screens', async () => {
    await openScreen(page, 'Request');
    await openScreen(page, 'Ledger');
    const selected = () => page.getByRole('tab', { selected: true }).textContent();
    expect(await selected()).toBe('Ledger');
    await page.goBack();
    await expect.poll(selected).toBe('Request');
    await page.goBack();
    await expect.poll(selected).toBe('Earn');
    await page.goForward();
    await expect.poll(selected).toBe('Request');
    expect(page.url()).toMatch(/#request$/);
  });

  it('checks a key against the chosen horde before saving it, and says whose it is', async () => {
    await openScreen(page, 'Settings');
    const form = page.getByRole('form', { name: 'API key' });
    const input = form.getByLabel('New API key');
    await input.fill('short');
    expect(await form.textContent()).toContain('at least 10 characters');
    expect(await form.getByRole('button', { name: 'Save key' }).isDisabled()).toBe(true);
    await input.fill(member.apikey);
    await form.getByRole('button', { name: 'Check key' }).click();
    const check = form.getByLabel('Key check');
    await check.waitFor();
    const user = (await (
      await fetch(`${standIn.url}/v2/find_user`, { headers: { apikey: member.apikey } })
    ).json()) as {
      username: string;
      kudos: number;
    };
    expect(await check.textContent()).toContain(user.username);
    expect(kudosFrom(await check.textContent())).toBeCloseTo(user.kudos, 2);
    // Nothing was saved by the check.
    expect((await invoke(page, 'settings:get', undefined)).apiKeyMasked).toBeNull();
    await expect
      .poll(() => page.getByLabel('Horde connection').textContent(), { timeout: 30_000 })
      .toContain('online');
    await screenshot(page, 'settings-key-checked');

    // Choosing the public AI Horde puts the register link and the anonymous-worker rule in view.
    await page.getByRole('radio', { name: /Public AI Horde/ }).check();
    const about = page.getByRole('note', { name: 'About the public AI Horde' });
    expect(await about.textContent()).toMatch(/does not accept anonymous\s+workers/);
    expect(await about.getByRole('link').getAttribute('href')).toBe('https://aihorde.net/register');
    await screenshot(page, 'settings-public-horde');
  });

  it('the History fits an 800×600 window', async () => {
    // Two requests in the history: one waiting, one answered by a worker (this test, on the stand-in
    // horde) with a long run of characters without a space, as a model's output can be.
    for (const prompt of ['A prompt that waits', 'A prompt that is answered']) {
      await invoke(page, 'requests:submitText', {
        prompt,
        models: [],
        params: { max_length: 16, max_context_length: 256 },
      });
    }
    const headers = {
      'content-type': 'application/json',
      apikey: member.apikey,
      'Client-Agent': 'e2e:1:test',
    };
    const pop = (await (
      await fetch(`${standIn.url}/v2/generate/text/pop`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          name: 'e2e-worker',
          models: ['e2e-model'],
          max_length: 16,
          max_context_length: 256,
        }),
      })
    ).json()) as { id: string | null };
    expect(pop.id).toBeTruthy();
    const submitted = await fetch(`${standIn.url}/v2/generate/text/submit`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id: pop.id, generation: 'Ab'.repeat(30) }),
    });
    expect(submitted.status).toBe(200);
    await openScreen(page, 'Request');
    await expect
      .poll(() => page.getByRole('table', { name: 'Past requests' }).getByText('Done').count(), {
        timeout: 60_000,
      })
      .toBe(1);
    await page.setViewportSize({ width: 800, height: 600 });
    await openScreen(page, 'Request');
    const table = page.getByRole('table', { name: 'Past requests' });
    await table.waitFor();
    // Evaluated in the page (a string, as this file is compiled without the DOM library).
    const overflow = (await page.evaluate(`(() => {
      const doc = document.documentElement;
      const t = document.querySelector('table[aria-label="Past requests"]');
      return { page: doc.scrollWidth - doc.clientWidth, table: t.getBoundingClientRect().right - doc.clientWidth };
    })()`)) as { page: number; table: number };
    expect(overflow.page).toBeLessThanOrEqual(0);
    expect(overflow.table).toBeLessThanOrEqual(0);
    await screenshot(page, 'history-800x600');
    expect(browser.pageErrors).toEqual([]);
  });
});
