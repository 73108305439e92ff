import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HordeError, WorkerHordeApi, type FetchLike } from './horde-api';

function apiWith(fetch: FetchLike): WorkerHordeApi {
  return new WorkerHordeApi({
    baseUrl: 'http://horde.test/api/',
    apiKey: 'secret',
    clientAgent: 'horde-desktop:0.1.0:test',
    fetch,
    timeoutMs: 1000,
    now: () => 0,
    maxRetryAfterMs: 60_000,
  });
}

async function failure(p: Promise<unknown>): Promise<HordeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HordeError) return err;
    throw err;
  }
  throw new Error('expected a HordeError');
}

describe('WorkerHordeApi', () => {
  it('sends the key, the client agent and JSON, and checks the answer', async () => {
    let seen: { url: string; init: RequestInit } | undefined;
    const api = apiWith(async (url, init) => {
      seen = { url, init };
      return Response.json({ reward: 4.5 });
    });
    await expect(
      api.call('POST', '/v2/generate/text/submit', z.object({ reward: z.number() }), { id: 'a' }),
    ).resolves.toEqual({
      reward: 4.5,
    });
    expect(seen?.url).toBe('http://horde.test/api/v2/generate/text/submit');
    expect(seen?.init.headers).toMatchObject({
      apikey: 'secret',
      'Client-Agent': 'horde-desktop:0.1.0:test',
    });
    expect(seen?.init.body).toBe('{"id":"a"}');
    expect(seen?.init.signal).toBeInstanceOf(AbortSignal);
  });

  it('tells transient failures from refusals and unreadable answers', async () => {
    const http = await failure(
      apiWith(async () =>
        Response.json({ message: 'in maintenance', rc: 'WorkerMaintenance' }, { status: 403 }),
      ).json('POST', '/v2/generate/text/pop', {}),
    );
    expect(http).toMatchObject({ kind: 'http', details: { status: 403, rc: 'WorkerMaintenance' } });
    expect(http.transient).toBe(false);
    expect(http.message).toContain('in maintenance');

    const busy = await failure(
      apiWith(async () => new Response('slow down', { status: 429, headers: { 'Retry-After': '7' } })).json(
        'GET',
        '/x',
      ),
    );
    expect(busy).toMatchObject({ transient: true, details: { status: 429, retryAfterMs: 7000 } });

    const proxy = await failure(
      apiWith(async () => new Response('<html>bad gateway</html>', { status: 502 })).json('GET', '/x'),
    );
    expect(proxy).toMatchObject({ kind: 'http', transient: true, details: { status: 502 } });

    const timeout = await failure(
      apiWith(async () => {
        throw new DOMException('timed out', 'TimeoutError');
      }).json('GET', '/x'),
    );
    expect(timeout).toMatchObject({ kind: 'timeout', transient: true });

    const down = await failure(
      apiWith(async () => {
        throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
      }).json('GET', '/x'),
    );
    expect(down).toMatchObject({ kind: 'network', transient: true });
    expect(down.message).toContain('ECONNREFUSED');

    const garbage = await failure(
      apiWith(async () => new Response('not json', { status: 200 })).json('GET', '/x'),
    );
    expect(garbage).toMatchObject({ kind: 'malformed', transient: false });

    const wrongShape = await failure(
      apiWith(async () => Response.json({ reward: 'lots' })).call(
        'GET',
        '/x',
        z.object({ reward: z.number() }),
      ),
    );
    expect(wrongShape.kind).toBe('malformed');
    expect(wrongShape.message).toContain('reward');
  });
});
