import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HordeError } from '../../shared/api/horde-error';
import { HordeHttp, type FetchLike } from './http';
import { RETRY } from './retry';

// The transport under both the worker and the requester (formerly the worker's own WorkerHordeApi).
function apiWith(fetch: FetchLike): HordeHttp {
  return new HordeHttp({
    baseUrl: 'http://horde.test/api/',
    apiKey: 'secret',
    clientAgent: 'horde-desktop:0.1.0:test',
    fetch,
    timeoutMs: 1000,
    now: () => 0,
    maxRetryAfterMs: 60_000,
  });
}

const once = (http: HordeHttp, method: 'GET' | 'POST', path: string, body?: unknown) =>
  http.call(path, z.unknown(), { method, body, retry: RETRY.once });

async function failure(p: Promise<unknown>): Promise<HordeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HordeError) return err;
    throw err;
  }
  throw new Error('expected a HordeError');
}

describe('HordeHttp', () => {
  it('sends the key, the client agent and JSON, and checks the answer', async () => {
    let seen: { url: string; init: RequestInit } | undefined;
    const api = apiWith(async (url, init) => {
      seen = { url, init };
      return Response.json({ reward: 4.5 });
    });
    await expect(
      api.call('/v2/generate/text/submit', z.object({ reward: z.number() }), {
        method: 'POST',
        body: { id: 'a' },
        retry: RETRY.once,
      }),
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
      once(
        apiWith(async () =>
          Response.json({ message: 'in maintenance', rc: 'WorkerMaintenance' }, { status: 403 }),
        ),
        'POST',
        '/v2/generate/text/pop',
        {},
      ),
    );
    expect(http).toMatchObject({ status: 403, rc: 'WorkerMaintenance' });
    expect(http.transient).toBe(false);
    expect(http.message).toContain('in maintenance');

    const busy = await failure(
      once(
        apiWith(async () => new Response('slow down', { status: 429, headers: { 'Retry-After': '7' } })),
        'GET',
        '/x',
      ),
    );
    expect(busy).toMatchObject({ transient: true, status: 429, retryAfterMs: 7000 });

    const proxy = await failure(
      once(
        apiWith(async () => new Response('<html>bad gateway</html>', { status: 502 })),
        'GET',
        '/x',
      ),
    );
    expect(proxy).toMatchObject({ transient: true, status: 502 });

    const timeout = await failure(
      once(
        apiWith(async () => {
          throw new DOMException('timed out', 'TimeoutError');
        }),
        'GET',
        '/x',
      ),
    );
    expect(timeout).toMatchObject({ rc: 'HordeUnreachable', transient: true });
    expect(timeout.message).toMatch(/did not answer in time/);

    const down = await failure(
      once(
        apiWith(async () => {
          throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
        }),
        'GET',
        '/x',
      ),
    );
    expect(down).toMatchObject({ rc: 'HordeUnreachable', transient: true });
    expect(down.message).toContain('ECONNREFUSED');

    const garbage = await failure(
      once(
        apiWith(async () => new Response('not json', { status: 200 })),
        'GET',
        '/x',
      ),
    );
    expect(garbage).toMatchObject({ rc: 'BadHordeAnswer', transient: false });

    const wrongShape = await failure(
      apiWith(async () => Response.json({ reward: 'lots' })).call('/x', z.object({ reward: z.number() }), {
        method: 'GET',
        retry: RETRY.once,
      }),
    );
    expect(wrongShape.rc).toBe('BadHordeAnswer');
    expect(wrongShape.message).toContain('reward');
  });

  it('sends a pop once, and retries a custom policy only while it says so', async () => {
    let calls = 0;
    const flaky = apiWith(async () => {
      calls++;
      return new Response('oops', { status: 503 });
    });
    await failure(once(flaky, 'POST', '/v2/generate/text/pop', {}));
    expect(calls).toBe(1);

    calls = 0;
    const asked: number[] = [];
    await failure(
      flaky.call('/v2/generate/text/submit', z.unknown(), {
        method: 'POST',
        body: {},
        retry: {
          kind: 'custom',
          retries: 8,
          shouldRetry: (error, attempt) => {
            asked.push(attempt);
            return error.transient && attempt < 3;
          },
        },
      }),
    );
    expect(asked).toEqual([1, 2, 3]);
    expect(calls).toBe(3);
  });
});
