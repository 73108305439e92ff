/**
 * A new volunteer's first run, through the real UI: `serve` on an empty data folder and an
 * empty models folder, the hub being the fake hub on loopback (HF_ENDPOINT). The Earn screen
 * offers the catalog, one click downloads a model (the progress bar moves), the worker loads
 * it and earns a job a requester sends.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCatalogDoc, fixtureRepos } from '../fake-hub/fixture-catalog';
import { startFakeHub, type FakeHub } from '../fake-hub/server';
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

let hub: FakeHub;
let serve: Serve;
let browser: Browser;
let page: Page;
let work: string;
let repoId: string;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${serve?.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  const repos = await fixtureRepos(['tiny-gpt2', 'tiny-nsfw']);
  repoId = repos[0]!.id;
  hub = await startFakeHub(repos);
  // Slow enough that the bar is seen moving: the 730 KB model takes a few seconds.
  hub.knobs.throttleBytesPerSecond = 150 * 1024;
  work = tempDir('first-run');
  const models = join(work, 'models');
  mkdirSync(models);
  const catalogFile = join(work, 'catalog.json');
  writeFileSync(catalogFile, JSON.stringify(fixtureCatalogDoc(repos)));
  process.env.HF_ENDPOINT = hub.url;
  serve = await startServe({ args: ['--models', models, '--catalog', catalogFile] });
  delete process.env.HF_ENDPOINT;
  browser = await openBrowser();
  page = browser.page;
  await page.goto(serve.url);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await hub?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('first run with no model', () => {
  it('offers "Choose what to earn with", downloads the chosen model with a moving bar, and earns a job', async () => {
    const chooser = page.getByRole('region', { name: 'Choose what to earn with' });
    const item = chooser.getByRole('listitem', { name: 'Fixture tiny-gpt2' });
    await item.waitFor();
    expect(await item.textContent()).toContain('Your own embedded horde');
    await screenshot(page, 'first-run-choose');

    await item.getByRole('button', { name: 'Download and earn' }).click();
    const bar = item.getByRole('progressbar', { name: 'Downloading Fixture tiny-gpt2' });
    const first = await until('the bar to show progress', async () => {
      const v = Number(await bar.getAttribute('value', { timeout: 1000 }));
      return v > 0 && v < 1 ? v : undefined;
    });
    const later = await until('the bar to move', async () => {
      const v = Number(await bar.getAttribute('value', { timeout: 1000 }).catch(() => '1'));
      return v > first ? v : undefined;
    });
    expect(later).toBeGreaterThan(first);
    const line = (await item.textContent()) ?? '';
    // Early in the download the done part may still be under a kilobyte.
    expect(line).toMatch(/\d+(\.\d)? (B|KB|MB) of \d+(\.\d)? (KB|MB)/);
    await screenshot(page, 'first-run-downloading');

    // The worker reloads on the downloaded model and offers it under the repo's own name.
    const stats = await until('the worker to serve the downloaded model', async () => {
      const s = await invoke(page, 'worker:stats', undefined);
      return s?.advertised.models.includes(repoId) ? s : undefined;
    });
    expect(stats.advertised.models).toEqual([repoId]);
    const installed = await invoke(page, 'models:installed', undefined);
    expect(installed).toMatchObject([
      { name: repoId, source: 'catalog', honestName: false, advertisedAs: [repoId] },
    ]);

    // A requester on the embedded horde asks for it; the worker earns the job.
    const hordeUrl = (await invoke(page, 'app:info', undefined)).horde.url;
    const friend = hordeAdmin(join(serve.dataDir, 'horde.sqlite'), ['user', 'add', 'requester']) as {
      apikey: string;
    };
    const res = await fetch(`${hordeUrl}/v2/generate/text/async`, {
      method: 'POST',
      headers: { apikey: friend.apikey, 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: 'The first job',
        params: { max_length: 16, max_context_length: 128 },
        models: [repoId],
      }),
    });
    expect(res.status).toBe(202);
    const earned = page.getByLabel('Kudos this session', { exact: true });
    const kudos = await until('the worker to earn the job', async () => {
      const k = kudosFrom(await earned.textContent({ timeout: 1000 }));
      return k > 0 ? k : undefined;
    });
    expect(kudos).toBeGreaterThan(0);
    // The chooser gives way once a model is installed.
    await until('the chooser to go', async () => (await chooser.count()) === 0);
    await screenshot(page, 'first-run-earned');
    expect(browser.pageErrors).toEqual([]);
  }, 240_000);

  it('lists the model on the Models screen with its source and what its name means for pay', async () => {
    await page.getByRole('tab', { name: 'Models' }).click();
    const row = page.getByRole('listitem', { name: repoId });
    await row.waitFor();
    // The screen re-reads the list when opened: the worker has the model loaded by now.
    const text = await until(
      'the row to say it is in use',
      async () => {
        const t = (await row.textContent()) ?? '';
        return t.includes('in use') ? t : undefined;
      },
      20_000,
    );
    expect(text).toContain('downloaded from the catalog');
    expect(text).toContain('in use');
    expect(text).toContain('Goes out under its own name');
    await row.getByRole('button', { name: 'Re-check files' }).click();
    await until('the re-check', async () => /files match their hashes/.test((await row.textContent()) ?? ''));
    await screenshot(page, 'models-screen');
  }, 120_000);
});
