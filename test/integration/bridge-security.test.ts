import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke, startTestBridge, type RunningBridge } from './bridge-helpers';
import { fromKudos } from '../../shared/ledger/money';

/**
 * Issue 9, Access: the serve-mode bridge answers only the page it served.
 * The horde behind it is a fake that knows one user.
 */
const fakeHorde = async (input: string) => {
  const url = new URL(input);
  if (url.pathname === '/api/v2/find_user') {
    return Response.json({ username: 'owner#1', id: 1, kudos: 42, evaluating_kudos: 0, worker_ids: [] });
  }
  return Response.json({ message: 'not here', rc: 'NotFound' }, { status: 404 });
};

/** A raw request, so headers fetch would normalise (Host) go out as written. */
function rawRequest(
  port: number,
  opts: { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method, path: opts.path, headers: opts.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Opens the event socket; resolves with the first message, or 'refused' if it never opens. */
function firstEvent(url: string, onOpen?: () => void): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.close();
      resolve('timeout');
    }, 5000);
    ws.onopen = () => onOpen?.();
    ws.onmessage = (ev) => {
      clearTimeout(timer);
      ws.close();
      resolve(String(ev.data));
    };
    ws.onerror = () => {
      clearTimeout(timer);
      resolve('refused');
    };
  });
}

describe('serve-mode bridge access', () => {
  let b: RunningBridge;
  beforeAll(async () => {
    b = await startTestBridge({ hordeUrl: 'http://127.0.0.1:9/api', fetch: fakeHorde });
  });
  afterAll(async () => {
    await b.close();
  });

  it('answers a valid call from its own page', async () => {
    const r = await invoke(b, 'account:get', null);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      ok: true,
      result: { username: 'owner#1', kudos: fromKudos(42), available: fromKudos(42) },
    });
  });

  it('refuses a call without the token, or with a wrong one', async () => {
    const missing = await invoke(b, 'account:get', null, { 'x-bridge-token': '' });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ ok: false, error: { rc: 'Unauthorized' } });
    const wrong = await invoke(b, 'account:get', null, { 'x-bridge-token': 'x'.repeat(b.token.length) });
    expect(wrong.status).toBe(401);
  });

  it('refuses a foreign origin even with the token', async () => {
    const r = await invoke(b, 'account:get', null, { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ ok: false, error: { rc: 'Forbidden' } });
    const otherPort = await invoke(b, 'account:get', null, { origin: `http://127.0.0.1:${b.port + 1}` });
    expect(otherPort.status).toBe(403);
  });

  it('refuses a form post (a cross-site page cannot send JSON without asking first)', async () => {
    const res = await fetch(`${b.url}bridge/invoke/account:get`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-bridge-token': b.token },
      body: '{"arg":null}',
    });
    expect(res.status).toBe(415);
  });

  it('refuses a cross-site request the browser labels as such', async () => {
    const r = await invoke(b, 'account:get', null, { 'sec-fetch-site': 'cross-site' });
    expect(r.status).toBe(403);
  });

  it('refuses a foreign Host (DNS rebinding), for calls and for the page that holds the token', async () => {
    const call = await rawRequest(b.port, {
      method: 'POST',
      path: '/bridge/invoke/account:get',
      headers: {
        host: `evil.example:${b.port}`,
        'content-type': 'application/json',
        'x-bridge-token': b.token,
      },
      body: '{"arg":null}',
    });
    expect(call.status).toBe(403);
    const page = await rawRequest(b.port, {
      method: 'GET',
      path: '/',
      headers: { host: `evil.example:${b.port}` },
    });
    expect(page.status).toBe(403);
    expect(page.body).not.toContain(b.token);
  });

  it('serves the page with the token to its own host, with a CSP', async () => {
    const res = await fetch(b.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await res.text()).toContain(`<meta name="bridge-token" content="${b.token}"`);
  });

  it('answers 400 for an invalid argument and 404 for an unknown channel', async () => {
    const bad = await invoke(b, 'worker:control', { action: 'format_disk' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ ok: false, error: { rc: 'BadArgument' } });
    const extra = await invoke(b, 'settings:set', { theme: 'dark', evil: true });
    expect(extra.status).toBe(400);
    const unknown = await invoke(b, 'system:exec', null);
    expect(unknown.status).toBe(404);
    const notJson = await fetch(`${b.url}bridge/invoke/app:info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bridge-token': b.token },
      body: '{"arg":',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ ok: false, error: { rc: 'BadArgument' } });
  });

  it('passes the horde’s error code through with a hint', async () => {
    const r = await invoke(b, 'requests:status', { id: 'no-such-request' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: false, error: { rc: 'NotFound' } });
  });

  it('refuses the event socket without the token or from a foreign origin, and pushes events with it', async () => {
    const ws = `ws://127.0.0.1:${b.port}/bridge/events`;
    expect(await firstEvent(ws)).toBe('refused');
    expect(await firstEvent(`${ws}?token=wrong`)).toBe('refused');
    const message = await firstEvent(`${ws}?token=${b.token}`, () =>
      b.backend.bus.emit('account:changed', {
        username: 'owner#1',
        id: 1,
        kudos: fromKudos(50),
        evaluatingKudos: fromKudos(0),
        reserved: fromKudos(0),
        available: fromKudos(50),
        workerIds: [],
        anonymous: false,
      }),
    );
    expect(JSON.parse(message)).toMatchObject({
      event: 'account:changed',
      payload: { kudos: fromKudos(50) },
    });
  });

  it('refuses the event socket from a foreign origin even with the token', async () => {
    const res = await rawRequest(b.port, {
      method: 'GET',
      path: `/bridge/events?token=${b.token}`,
      headers: {
        host: `127.0.0.1:${b.port}`,
        origin: 'http://evil.example',
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    }).catch(() => ({ status: 0, body: '' }));
    expect(res.status).toBe(403);
  });
});
