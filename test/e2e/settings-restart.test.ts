/**
 * Settings saved in the window survive a restart of serve on the same data folder.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  openBrowser,
  openScreen,
  screenshot,
  startServe,
  tempDir,
  type Browser,
  type Serve,
} from './harness';

const dataDir = tempDir('settings');
let serve: Serve | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('settings', () => {
  it('persist across a serve restart with the same data folder', async () => {
    const chosen = { workerName: `e2e worker ${process.pid}`, threads: '2', memoryMb: '1536' };

    serve = await startServe({ dataDir });
    browser = await openBrowser();
    const page = browser.page;
    await page.goto(serve.url);
    await openScreen(page, 'Settings');
    const form = page.getByRole('form', { name: 'Settings' });
    await form.getByLabel('Worker name').fill(chosen.workerName);
    await form.getByLabel('Threads (0 = automatic)').fill(chosen.threads);
    await form.getByLabel('Memory cap in MiB (0 = none)').fill(chosen.memoryMb);
    await form.getByLabel('Theme').selectOption('dark');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await expect
      .poll(() => form.getByRole('status').textContent(), { timeout: 30_000 })
      .toContain('Settings saved');
    // The idle policy lives on the Earn screen and is saved as it is switched.
    await openScreen(page, 'Earn');
    const onAc = page.getByRole('switch', { name: 'Only on AC power' });
    const acBefore = await onAc.isChecked();
    await onAc.click();
    await expect.poll(() => onAc.isChecked(), { timeout: 30_000 }).toBe(!acBefore);

    await serve.stop();
    serve = await startServe({ dataDir });
    await page.goto(serve.url);
    await openScreen(page, 'Settings');
    const again = page.getByRole('form', { name: 'Settings' });
    await expect
      .poll(() => again.getByLabel('Worker name').inputValue(), { timeout: 30_000 })
      .toBe(chosen.workerName);
    expect(await again.getByLabel('Threads (0 = automatic)').inputValue()).toBe(chosen.threads);
    expect(await again.getByLabel('Memory cap in MiB (0 = none)').inputValue()).toBe(chosen.memoryMb);
    expect(await again.getByLabel('Theme').inputValue()).toBe('dark');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    expect(await again.getByRole('switch', { name: /Share the embedded horde/ }).isChecked()).toBe(false);
    await screenshot(page, 'settings-after-restart');

    await openScreen(page, 'Earn');
    await expect
      .poll(() => page.getByRole('switch', { name: 'Only on AC power' }).isChecked(), { timeout: 30_000 })
      .toBe(!acBefore);
    expect(browser.pageErrors).toEqual([]);
  });
});
