import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHorde, type Horde } from '../../electron/horde/index';
import { openBrowser, tempDir, type Browser } from './harness';

/**
 * A browser client on another origin, as AI Horde web clients are: a page
 * served from a different loopback port submits an anonymous text request to
 * the embedded horde with the AI Horde's headers (`apikey`, `Client-Agent`,
 * which make Chromium send a preflight) and reads its status. Without the
 * CORS headers and the 200 preflight, Chromium blocks both and the page sees
 * only "Failed to fetch".
 */
let horde: Horde;
let dir: string;
let page: http.Server;
let pageOrigin: string;
let browser: Browser;

const PAGE = `<!doctype html><meta charset="utf-8"><title>web client</title>
<p id="out">not run</p>
<script>
  async function run(horde) {
    const headers = { 'Content-Type': 'application/json', apikey: '0000000000', 'Client-Agent': 'web-client:1:test' };
    const queued = await fetch(horde + '/v2/generate/text/async', {
      method: 'POST',
      headers,
      body: JSON.stringify({ prompt: 'Hello from a web page', params: { max_length: 16 }, models: ['web-model'] }),
    });
    const accepted = await queued.json();
    const status = await fetch(horde + '/v2/generate/text/status/' + accepted.id, { headers });
    const body = await status.json();
    document.getElementById('out').textContent = 'queued ' + accepted.id;
    return { asyncStatus: queued.status, id: accepted.id, statusStatus: status.status, status: body };
  }
  async function runWithError(horde) {
    try { return await run(horde); } catch (e) { return { error: String(e) }; }
  }
</script>`;

beforeAll(async () => {
  dir = tempDir('cors');
  horde = await startHorde({ dbPath: join(dir, 'horde.sqlite'), limits: { sweepIntervalMs: 0 } });
  page = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
  // Another origin than the horde's: another port (and another spelling of loopback).
  pageOrigin = `http://localhost:${(page.address() as AddressInfo).port}`;
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => page?.close(r));
  await horde?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a web client on another origin', () => {
  it('submits an anonymous text request to the embedded horde and reads its status', async () => {
    await browser.page.goto(`${pageOrigin}/`);
    const result = await browser.page.evaluate(
      (url) => (globalThis as unknown as { runWithError(u: string): Promise<unknown> }).runWithError(url),
      horde.url,
    );
    expect(result).toMatchObject({
      asyncStatus: 202,
      statusStatus: 200,
      status: { done: false, faulted: false, waiting: 1, finished: 0 },
    });
    expect(typeof (result as { id: unknown }).id).toBe('string');
    expect(await browser.page.textContent('#out')).toBe(`queued ${(result as { id: string }).id}`);
    expect(browser.pageErrors).toEqual([]);
  });
});
