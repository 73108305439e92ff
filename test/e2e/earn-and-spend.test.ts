/**
 * The volunteer's and the requester's paths through the real UI, against one `serve` (embedded
 * horde + worker on the generated tiny model). The tests run in order and build on each other:
 * refused → earned → spent → seen in the ledger → transferred.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../electron/worker/engines/images';
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
import { formatKudos } from '../../renderer/src/format';
import { toKudos } from '../../shared/ledger/money';

const MODEL = 'tiny-gpt2';
/** Small enough to run free and finish fast on the tiny model. */
const SMALL = { maxLength: 16, maxContext: 256 };

let serve: Serve;
let browser: Browser;
let page: Page;
let hordeUrl: string;
let friend: { username: string; apikey: string };

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${serve.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function fillRequest(prompt: string, maxLength: number, maxContext: number): Promise<void> {
  const form = page.getByRole('form', { name: 'Text request' });
  await form.getByLabel('Model').selectOption(MODEL);
  await form.getByLabel('Max length (tokens)').fill(String(maxLength));
  await form.getByLabel('Context (tokens)').fill(String(maxContext));
  await form.getByLabel('Prompt').fill(prompt);
}

const shown = async (label: string) =>
  kudosFrom(await page.getByLabel(label, { exact: true }).first().textContent());

beforeAll(async () => {
  serve = await startServe();
  browser = await openBrowser();
  page = browser.page;
  await page.goto(serve.url);
  hordeUrl = (await invoke(page, 'app:info', undefined)).horde.url;
  // A second user of the embedded horde: a requester for the worker, and a transfer recipient.
  friend = hordeAdmin(join(serve.dataDir, 'horde.sqlite'), ['user', 'add', 'friend']) as typeof friend;
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('earning and spending through the window', () => {
  it('explains KudosUpfront for a request bigger than the free allowance', async () => {
    const account = await invoke(page, 'account:get', undefined);
    await openScreen(page, 'Request');
    // Over the horde's free threshold (512 tokens at most), with nothing earned yet.
    await fillRequest('A very long story', 1000, 1024);
    const quote = await invoke(page, 'requests:price', {
      prompt: 'x',
      models: [MODEL],
      params: { max_length: 1000, max_context_length: 1024 },
    });
    expect(quote.needsUpfront).toBe(true);
    expect(account.available).toBeLessThan(quote.kudos);

    const form = page.getByRole('form', { name: 'Text request' });
    await expect
      .poll(() => form.getByRole('alert').first().textContent(), { timeout: 30_000 })
      .toContain('This request costs more kudos than you have available and is too big to run for free.');
    // What is free right now and how much more is needed, with Submit disabled and the reason beside it.
    const alert = (await form.getByRole('alert').first().textContent()) ?? '';
    expect(alert).toContain(`Up to ${quote.upfront.freeMaxLength} tokens is free right now`);
    expect(alert).toContain(`you need ${formatKudos(quote.upfront.short)} more kudos for 1000`);
    expect(alert).toContain('Lower max length so it runs free, or earn the kudos it needs up front');
    const submit = form.getByRole('button', { name: 'Submit request' });
    expect(await submit.isDisabled()).toBe(true);
    expect(await form.textContent()).toContain('Submit waits until the request fits the free allowance');
    await screenshot(page, 'request-kudos-upfront');
  });

  it('the worker earns kudos on the tiny model and the Earn screen shows them rise', async () => {
    await openScreen(page, 'Earn');
    await expect
      .poll(() => page.getByRole('region', { name: 'Worker state' }).getByRole('status').textContent(), {
        timeout: 60_000,
      })
      .toBe('Earning');
    const before = await shown('Kudos this session');

    // Someone else asks the horde for text; this app's worker picks it up.
    const res = await fetch(`${hordeUrl}/v2/generate/text/async`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', apikey: friend.apikey, 'Client-Agent': 'e2e:1:test' },
      body: JSON.stringify({
        prompt: 'The volunteer said',
        models: [MODEL],
        params: { max_length: SMALL.maxLength, max_context_length: SMALL.maxContext },
      }),
    });
    expect(res.status).toBe(202);

    const after = await until('the session kudos to rise', async () => {
      const v = await shown('Kudos this session');
      return v > before ? v : undefined;
    });
    expect(after).toBeGreaterThan(before);
    // The balance (or, for an untrusted worker, the kudos held in evaluation) and today's ledger sum follow.
    await until('the balance to include the reward', async () =>
      (await shown('Total kudos')) + (await shown('In evaluation')) > 0 ? true : undefined,
    );
    await until("today's earnings to include the reward", async () =>
      (await shown('Kudos earned today')) > 0 ? true : undefined,
    );
    await screenshot(page, 'earn');
  });

  it('a text request is priced, queued while the worker is paused, then answered', async () => {
    await openScreen(page, 'Earn');
    const banner = page.getByRole('region', { name: 'Worker state' });
    await banner.getByRole('button', { name: 'Pause 1 h' }).click();
    await expect.poll(() => banner.getByRole('status').textContent(), { timeout: 60_000 }).toBe('Paused');

    await openScreen(page, 'Request');
    await fillRequest('Once upon a time', SMALL.maxLength, SMALL.maxContext);
    const form = page.getByRole('form', { name: 'Text request' });
    const params = { max_length: SMALL.maxLength, max_context_length: SMALL.maxContext };
    // The estimate shown while typing comes from shared/kudos; the horde's dry run then replaces it.
    const expected = (await invoke(page, 'requests:price', { prompt: 'x', models: [MODEL], params })).kudos;
    await expect
      .poll(() => form.getByLabel('Price', { exact: true }).textContent(), { timeout: 30_000 })
      .not.toContain('estimate');
    expect(kudosFrom(await form.getByLabel('Price', { exact: true }).textContent())).toBe(toKudos(expected));
    const available = kudosFrom(await form.getByLabel('Available', { exact: true }).textContent());
    expect(kudosFrom(await form.getByLabel('Left after this request').textContent())).toBeCloseTo(
      available - toKudos(expected),
      2,
    );

    await form.getByRole('button', { name: 'Submit request' }).click();
    const panel = page.getByRole('region', { name: 'Your request' });
    await expect.poll(() => panel.getByLabel('Queue position').count(), { timeout: 30_000 }).toBe(1);
    expect(await panel.getByRole('status').textContent()).toContain('Waiting in the queue');
    expect(await panel.getByLabel('Estimated wait').count()).toBe(1);
    await screenshot(page, 'request-queued');

    await openScreen(page, 'Earn');
    await banner.getByRole('button', { name: 'Earn now' }).click();
    await openScreen(page, 'Request');
    await expect.poll(() => panel.getByLabel('Result').count(), { timeout: 120_000 }).toBeGreaterThan(0);
    expect(await panel.getByRole('status').textContent()).toContain('Done');
    expect(await panel.getByRole('button', { name: 'Copy result' }).count()).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByRole('table', { name: 'Past requests' }).getByText('Done').count(), {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);
    await screenshot(page, 'request-result');
  });

  it("the ledger chart and list show the job's debit and the worker's credit", async () => {
    await openScreen(page, 'Ledger');
    const table = page.getByRole('table', { name: 'Ledger entries' });
    await expect.poll(() => table.getByText('Job paid').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await table.getByText('Job earned').count()).toBeGreaterThan(0);
    const chart = page.getByRole('img', { name: /^Earned .* kudos and spent .* kudos/ });
    const label = (await chart.getAttribute('aria-label')) ?? '';
    const [earned, spent] = [...label.matchAll(/[\d,]+\.\d{2}/g)].map((m) => Number(m[0].replace(/,/g, '')));
    expect(earned).toBeGreaterThan(0);
    expect(spent).toBeGreaterThan(0);
    // The filter hides the debits.
    await page.getByRole('switch', { name: 'Jobs paid' }).click();
    expect(await table.getByText('Job paid').count()).toBe(0);
    await page.getByRole('switch', { name: 'Jobs paid' }).click();
    await screenshot(page, 'ledger');
  });

  it('transfers kudos to another user after a confirmation', async () => {
    await openScreen(page, 'Ledger');
    const available = (await invoke(page, 'account:get', undefined)).available;
    expect(available).toBeGreaterThan(0);
    // Half of what is available (milli-kudos), in whole hundredths of a kudos.
    const amount = Math.max(0.01, Math.floor(available / 2 / 10) / 100);
    const findFriend = async () =>
      (
        (await (await fetch(`${hordeUrl}/v2/find_user`, { headers: { apikey: friend.apikey } })).json()) as {
          kudos: number;
        }
      ).kudos;
    const friendBefore = await findFriend();

    const form = page.getByRole('form', { name: 'Transfer kudos' });
    await form.getByLabel('Recipient username').fill(friend.username);
    await form.getByLabel('Kudos to send').fill(String(amount));
    await form.getByRole('button', { name: 'Send kudos…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send kudos?' });
    expect(await dialog.textContent()).toContain(friend.username);
    await screenshot(page, 'transfer-confirm');
    await dialog.getByRole('button', { name: /^Send / }).click();

    await expect
      .poll(() => form.getByRole('status').textContent(), { timeout: 30_000 })
      .toContain(`to ${friend.username}`);
    expect(await findFriend()).toBeCloseTo(friendBefore + amount, 2);
    await expect
      .poll(() => page.getByRole('table', { name: 'Ledger entries' }).getByText('Transfer sent').count(), {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);
    await screenshot(page, 'transfer-done');
  });

  it('alchemy: a dropped image comes back captioned and with its background stripped', async () => {
    await openScreen(page, 'Request');
    const form = page.getByRole('form', { name: 'Alchemy' });
    // A 64×64 gradient, made here so the test needs no binary fixture.
    const side = 64;
    const rgba = new Uint8Array(side * side * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 256));
    await form.getByLabel(/^Image/).setInputFiles({
      name: 'gradient.png',
      mimeType: 'image/png',
      buffer: Buffer.from(encodePng({ width: side, height: side, data: rgba })),
    });
    await form.getByRole('img', { name: 'Chosen image gradient.png' }).waitFor();
    await form.getByRole('switch', { name: 'Strip background' }).check();
    await form.getByRole('button', { name: 'Run alchemy' }).click();
    await expect.poll(() => form.getByText('Caption: done').count(), { timeout: 120_000 }).toBe(1);
    await expect.poll(() => form.getByText('Strip background: done').count(), { timeout: 120_000 }).toBe(1);
    expect(await form.getByRole('img', { name: 'Result of Strip background' }).count()).toBe(1);
    await screenshot(page, 'alchemy');
    expect(browser.pageErrors).toEqual([]);
  });
});
