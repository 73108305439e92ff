import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORS_HEADERS } from '../../electron/horde/cors';
import { RC_STATUS } from '../../shared/api/common';
import { PNG_1X1, openTestHorde, type TestHorde } from './horde-testkit';

/**
 * What a browser client and a hostile page see: the AI Horde's CORS headers on
 * every answer, preflights answered, foreign `Host` names refused (DNS
 * rebinding), the horde never fetching local URLs for a caller, and refusals
 * of the HTTP layer in the AI Horde's `{message, rc}` shape, bodiless to HEAD.
 */
let t: TestHorde;
let port: number;

beforeAll(async () => {
  t = await openTestHorde({ rateLimitMax: 1000 });
  port = Number(new URL(t.horde.url).port);
});
afterAll(async () => {
  await t.close();
});

/** One raw request on its own connection; returns the status line, headers and body as sent. */
function rawExchange(request: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('no answer within 10 s'));
    }, 10_000);
    s.on('data', (c) => chunks.push(c));
    s.on('error', () => undefined); // the horde may reset after answering; the bytes are what count
    s.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split >= 0 ? text.slice(0, split) : text;
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        head,
        body: split >= 0 ? text.slice(split + 4) : '',
      });
    });
    s.write(request);
    // Half-close after sending: the answer still comes back, and keep-alive cannot hold the socket.
    s.end();
  });
}

function expectCors(headers: Headers): void {
  for (const [name, value] of Object.entries(CORS_HEADERS)) expect(headers.get(name), name).toBe(value);
}

describe('CORS as the AI Horde sends it', () => {
  it('puts the CORS headers on answers of every kind', async () => {
    const base = `${t.horde.url}/v2`;
    const ok = await fetch(`${base}/status/heartbeat`, { headers: { origin: 'https://lite.example' } });
    expect(ok.status).toBe(200);
    expectCors(ok.headers);
    const missing = await fetch(`${base}/generate/text/status/not-a-request`);
    expect(missing.status).toBe(404);
    expectCors(missing.headers);
    const bad = await fetch(`${base}/generate/text/async`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"prompt": ',
    });
    expect(bad.status).toBe(400);
    expectCors(bad.headers);
    const unknown = await fetch(`${t.horde.url}/v2/no/such/route`);
    expect(unknown.status).toBe(404);
    expectCors(unknown.headers);
  });

  it('answers a preflight OPTIONS with 200 on any API route, and lists apikey and Client-Agent', async () => {
    for (const path of [
      '/v2/generate/text/async',
      '/v2/find_user',
      '/v2/generate/text/status/abc',
      '/v2/workers/x',
    ]) {
      const res = await fetch(`${t.horde.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://127.0.0.1:9999',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'apikey, client-agent, content-type',
        },
      });
      expect(res.status, path).toBe(200);
      expectCors(res.headers);
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      expect(allowed).toContain('apikey');
      expect(allowed).toContain('client-agent');
      expect(await res.text()).toBe('');
    }
  });
});

describe('Host names', () => {
  it('refuses a DNS-rebinding Host and a wrong port with 403 Forbidden, serves loopback names', async () => {
    for (const host of [
      `attacker.example:${port}`,
      `127.0.0.1.nip.example:${port}`,
      `127.0.0.1:${port + 1}`,
    ]) {
      const res = await rawExchange(`GET /api/v2/status/heartbeat HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      expect(res.status, host).toBe(403);
      expect(JSON.parse(res.body)).toMatchObject({ rc: 'Forbidden' });
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `app.localhost:${port}`]) {
      const res = await rawExchange(`GET /api/v2/status/heartbeat HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      expect(res.status, host).toBe(200);
    }
    const noHost = await rawExchange('GET /api/v2/status/heartbeat HTTP/1.0\r\n\r\n');
    expect(noHost.status).toBe(403);
    expect(JSON.parse(noHost.body)).toMatchObject({ rc: 'Forbidden' });
  });
});

describe('source_image URLs', () => {
  it('never fetches loopback, link-local or private URLs, in loopback mode too', async () => {
    let hits = 0;
    const bait = http.createServer((_req, res) => {
      hits += 1;
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(PNG_1X1, 'base64'));
    });
    await new Promise<void>((r) => bait.listen(0, '127.0.0.1', r));
    const baitPort = (bait.address() as net.AddressInfo).port;
    try {
      const u = t.user('ssrf', 10);
      for (const source_image of [
        `http://127.0.0.1:${baitPort}/`,
        `http://localhost:${baitPort}/cat.png`,
        `http://[::1]:${baitPort}/`,
        `http://2130706433:${baitPort}/`, // 127.0.0.1 in decimal
        'http://169.254.169.254/latest/meta-data/',
        'http://10.0.0.8/cat.png',
        'http://192.168.1.1/cat.png',
        'http://[fe80::1]/cat.png',
        'http://0.0.0.0:80/',
      ]) {
        const res = await t.call('POST', '/interrogate/async', {
          key: u.apikey,
          body: { source_image, forms: [{ name: 'caption' }] },
        });
        expect({ source_image, status: res.status, rc: res.body?.rc }).toEqual({
          source_image,
          status: 400,
          rc: 'SourceImageUrlInvalid',
        });
      }
      expect(hits).toBe(0);
    } finally {
      await new Promise((r) => bait.close(r));
    }
  });

  it('reads an image of its own store by URL from the database', async () => {
    const u = t.user('own-store', 10);
    const first = await t.call('POST', '/interrogate/async', {
      key: u.apikey,
      body: { source_image: PNG_1X1, forms: [{ name: 'caption' }] },
    });
    expect(first.status).toBe(202);
    const again = await t.call('POST', '/interrogate/async', {
      key: u.apikey,
      body: { source_image: `${t.horde.url}/v2/r2/source/${first.body.id}`, forms: [{ name: 'caption' }] },
    });
    expect(again.status).toBe(202);
    const gone = await t.call('POST', '/interrogate/async', {
      key: u.apikey,
      body: { source_image: `${t.horde.url}/v2/r2/source/no-such-request`, forms: [{ name: 'caption' }] },
    });
    expect(gone).toMatchObject({ status: 400, body: { rc: 'SourceImageUrlInvalid' } });
  });
});

describe('refusals of the HTTP layer', () => {
  const bigHeader = `X-Big: ${'a'.repeat(20_000)}\r\n`;

  it('answers oversized headers with 431 and an rc, and no body to HEAD', async () => {
    const get = await rawExchange(
      `GET /api/v2/status/heartbeat HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${bigHeader}\r\n`,
    );
    expect(get.status).toBe(431);
    const body = JSON.parse(get.body) as { rc: string; message: string };
    expect(body.rc).toBe('RequestHeaderFieldsTooLarge');
    expect(RC_STATUS.RequestHeaderFieldsTooLarge).toBe(431);
    expect(body.message.length).toBeGreaterThan(0);
    const head = await rawExchange(
      `HEAD /api/v2/status/heartbeat HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${bigHeader}\r\n`,
    );
    expect(head.status).toBe(431);
    expect(head.body).toBe('');
    expect(head.head).toMatch(/content-length: 0/i);
  });

  it('answers a malformed request with 400 BadRequest, and a too long path id with 414 and an rc', async () => {
    const garbage = await rawExchange('GET /api/v2/status/heartbeat HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toMatchObject({ rc: 'BadRequest' });
    const long = await fetch(`${t.horde.url}/v2/generate/text/status/${'x'.repeat(2000)}`);
    expect(long.status).toBe(414);
    expect(await long.json()).toMatchObject({ rc: 'RequestUriTooLong' });
    const headLong = await rawExchange(
      `HEAD /api/v2/generate/text/status/${'x'.repeat(2000)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
    );
    expect(headLong.status).toBe(414);
    expect(headLong.body).toBe('');
  });

  it('answers a body over the limit with 413 PayloadTooLarge', async () => {
    const small = await openTestHorde({ bodyLimitBytes: 1024 });
    try {
      const res = await small.call('POST', '/generate/text/async', { body: { prompt: 'x'.repeat(4096) } });
      expect(res).toMatchObject({ status: 413, body: { rc: 'PayloadTooLarge' } });
    } finally {
      await small.close();
    }
  });
});
