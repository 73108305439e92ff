/**
 * Issue 15 in the window: a request in flight is back on the panel after a reload (progress,
 * Cancel); cancelled, it says Cancelled and what was refunded; the Ledger explains the balance —
 * an award from outside the app is an entry, and the entries add up to the header balance.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hordeAdmin,
  invoke,
  kudosFrom,
  openBrowser,
  openScreen,
  screenshot,
  startServe,
  type Browser,
  type Serve,
} from './harness';
import { toKudos } from '../../shared/ledger/money';

let serve: Serve;
let browser: Browser;

beforeAll(async () => {
  serve = await startServe();
  browser = await openBrowser();
  await browser.page.goto(serve.url);
  // No worker takes the request: it stays in the queue until cancelled.
  await invoke(browser.page, 'worker:control', { action: 'stop' });
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('requests that outlive the page, and a ledger that explains the balance', () => {
  it('reattaches a waiting request after a reload and cancels it, showing what was refunded', async () => {
    const page = browser.page;
    await openScreen(page, 'Request');
    const form = page.getByRole('form', { name: 'Text request' });
    await expect
      .poll(() => form.getByLabel('Model').locator('option').count(), { timeout: 60_000 })
      .toBeGreaterThan(0);
    await form.getByLabel('Max length (tokens)').fill('64');
    await form.getByLabel('Context (tokens)').fill('1024');
    await form.getByLabel('Prompt').fill('A request that outlives the page');
    await form.getByRole('button', { name: 'Submit request' }).click();
    const panel = page.getByRole('region', { name: 'Your request' });
    await expect
      .poll(() => panel.getByRole('status').textContent(), { timeout: 30_000 })
      .toContain('Waiting');

    await page.reload();
    await openScreen(page, 'Request');
    const again = page.getByRole('region', { name: 'Your request' });
    await expect
      .poll(() => again.getByRole('status').textContent(), { timeout: 30_000 })
      .toContain('Waiting');
    await again.getByRole('button', { name: 'Cancel request' }).click();
    await expect
      .poll(() => again.getByRole('status').textContent(), { timeout: 30_000 })
      .toContain('Cancelled');
    const line = (await again.getByRole('status').textContent()) ?? '';
    expect(line).toMatch(/paid 0\.00 kudos .* [\d.]+ kudos refunded/);
    expect(line).not.toContain('Done');
    const row = page
      .getByRole('table', { name: 'Past requests' })
      .getByRole('row', { name: /A request that outlives/ });
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toContain('Cancelled');
    expect(await row.textContent()).toContain('refunded');
    // The hold is released: the header's available figure is not left negative.
    expect((await invoke(page, 'account:get', undefined)).reserved).toBe(0);
    await expect
      .poll(() => page.getByRole('banner').textContent(), { timeout: 30_000 })
      .not.toMatch(/-\d[\d.,]* kudos available/);
    await screenshot(page, 'request-cancelled');
  });

  it('an award from outside the app is in the Ledger, and the entries add up to the balance', async () => {
    const page = browser.page;
    const me = await invoke(page, 'account:get', undefined);
    hordeAdmin(join(serve.dataDir, 'horde.sqlite'), [
      'kudos',
      'award',
      me.username,
      '12.5',
      '--reason',
      'club prize',
    ]);
    await openScreen(page, 'Ledger');
    const table = page.getByRole('table', { name: 'Ledger entries' });
    await expect.poll(() => table.getByText('club prize').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const balance = async () =>
      kudosFrom(await page.getByLabel('Balance', { exact: true }).first().textContent());
    const total = async () =>
      kudosFrom(await page.getByLabel('Ledger total', { exact: true }).first().textContent());
    await expect.poll(async () => (await total()) - (await balance()), { timeout: 30_000 }).toBeCloseTo(0, 2);
    expect(await balance()).toBeCloseTo(toKudos((await invoke(page, 'account:get', undefined)).kudos), 2);
    expect(await page.getByText('the entries below add up to your balance').count()).toBe(1);
    await screenshot(page, 'ledger-explains-balance');
  });
});
