import { describe, expect, it } from 'vitest';
import { HordeError } from '../../shared/api/horde-error';
import { HordeClient } from './horde-client';
import type { FetchLike } from './http';

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** A fake horde: answers from a list, one per call, and records what it was sent. */
function fakeFetch(answers: (Response | Error)[]) {
  const seen: Seen[] = [];
  const fetch: FetchLike = async (url, init) => {
    seen.push({
      url,
      method: init.method ?? 'GET',
      headers: init.headers as Record<string, string>,
      ...(typeof init.body === 'string' ? { body: JSON.parse(init.body) as unknown } : {}),
    });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, seen };
}

const client = (fetch: FetchLike, apiKey = 'key-1234567890') =>
  new HordeClient({
    baseUrl: 'https://horde.test/api/',
    apiKey: () => apiKey,
    clientAgent: 'test:1:me',
    fetch,
    retryDelayMs: 0,
  });

const user = { username: 'alice#7', id: 7, kudos: 12.5, evaluating_kudos: 3, worker_ids: ['w1'] };

describe('HordeClient', () => {
  it('sends the apikey and Client-Agent headers to the v2 route', async () => {
    const f = fakeFetch([Response.json(user)]);
    const u = await client(f.fetch).findUser();
    expect(u).toMatchObject({ username: 'alice#7', kudos: 12.5, evaluating_kudos: 3 });
    expect(f.seen[0]?.url).toBe('https://horde.test/api/v2/find_user');
    expect(f.seen[0]?.headers).toMatchObject({ apikey: 'key-1234567890', 'Client-Agent': 'test:1:me' });
  });

  it('maps the horde error body {message, rc} to an error with that rc and a hint', async () => {
    const f = fakeFetch([
      Response.json(
        { message: 'This request requires 48 kudos to fulfil.', rc: 'KudosUpfront' },
        { status: 403 },
      ),
    ]);
    const err = await client(f.fetch)
      .textAsync({ prompt: 'hi', params: { max_length: 1024 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HordeError);
    expect(err).toMatchObject({
      rc: 'KudosUpfront',
      status: 403,
      message: 'This request requires 48 kudos to fulfil.',
    });
    expect((err as HordeError).hint).toMatch(/up front/);
  });

  it('gives an rc from the status when the body has none', async () => {
    const f = fakeFetch([new Response('<html>bad gateway</html>', { status: 401 })]);
    await expect(client(f.fetch).findUser()).rejects.toMatchObject({ rc: 'InvalidAPIKey', status: 401 });
  });

  it('retries a status read after a 5xx and a network error, then succeeds', async () => {
    const status = {
      done: true,
      faulted: false,
      finished: 1,
      processing: 0,
      waiting: 0,
      is_possible: true,
      kudos: 2,
      generations: [],
    };
    const f = fakeFetch([
      new Response('oops', { status: 503 }),
      new TypeError('fetch failed'),
      Response.json(status),
    ]);
    await expect(client(f.fetch).textStatus('r1')).resolves.toMatchObject({ done: true, kudos: 2 });
    expect(f.seen).toHaveLength(3);
  });

  it('never retries a request submission (it could be queued and paid twice)', async () => {
    const f = fakeFetch([new Response('oops', { status: 502 }), Response.json({ id: 'r1', kudos: 1 })]);
    await expect(client(f.fetch).textAsync({ prompt: 'hi' })).rejects.toMatchObject({ status: 502 });
    expect(f.seen).toHaveLength(1);
  });

  it('retries a transfer with the same Idempotency-Key on a horde that honours it', async () => {
    const f = fakeFetch([new Response('', { status: 500 }), Response.json({ transferred: 5 })]);
    await expect(
      client(f.fetch).transfer('bob#2', 5, 'key-abcdef12', undefined, { idempotent: true }),
    ).resolves.toEqual({ transferred: 5 });
    expect(f.seen.map((s) => s.headers['Idempotency-Key'])).toEqual(['key-abcdef12', 'key-abcdef12']);
    expect(f.seen[1]?.body).toEqual({ username: 'bob#2', amount: 5 });
  });

  it('never re-sends a transfer blindly to a horde without idempotency: only when it surely never left', async () => {
    const cut = (code: string) =>
      new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
    // The horde answered 5xx, or the connection broke after the request went out: it may have
    // applied the transfer, so the client does not send it again.
    for (const failure of [new Response('', { status: 502 }), cut('ECONNRESET'), cut('UND_ERR_SOCKET')]) {
      const f = fakeFetch([failure, Response.json({ transferred: 5 })]);
      const err = await client(f.fetch)
        .transfer('bob#2', 5, 'key-abcdef12')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HordeError);
      expect((err as HordeError).sentNothing).toBe(false);
      expect(f.seen).toHaveLength(1);
    }
    // No connection was ever made: nothing reached the horde, so sending it again is safe.
    const f = fakeFetch([cut('ECONNREFUSED'), cut('ENOTFOUND'), Response.json({ transferred: 5 })]);
    await expect(client(f.fetch).transfer('bob#2', 5, 'key-abcdef12')).resolves.toEqual({ transferred: 5 });
    expect(f.seen).toHaveLength(3);
  });

  it('does not retry a refusal (4xx)', async () => {
    const f = fakeFetch([
      Response.json({ message: 'not enough', rc: 'KudosTransferNotEnough' }, { status: 400 }),
    ]);
    await expect(client(f.fetch).transfer('bob#2', 5, 'key-abcdef12')).rejects.toMatchObject({
      rc: 'KudosTransferNotEnough',
    });
    expect(f.seen).toHaveLength(1);
  });

  it('reports an unreachable horde in plain words after the retries', async () => {
    const f = fakeFetch([
      new TypeError('fetch failed'),
      new TypeError('fetch failed'),
      new TypeError('fetch failed'),
      new TypeError('fetch failed'),
    ]);
    await expect(client(f.fetch).models()).rejects.toMatchObject({
      rc: 'HordeUnreachable',
      message: 'The horde at https://horde.test could not be reached.',
    });
    expect(f.seen).toHaveLength(4);
  });

  it('refuses an answer it cannot read instead of passing garbage on', async () => {
    const f = fakeFetch([Response.json({ nothing: true })]);
    await expect(client(f.fetch).findUser()).rejects.toMatchObject({ rc: 'BadHordeAnswer' });
  });

  it('stops waiting after its timeout', async () => {
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const c = new HordeClient({
      baseUrl: 'https://horde.test/api',
      apiKey: () => 'k',
      clientAgent: 'a',
      fetch: hang,
      timeoutMs: 50,
      retries: 0,
    });
    await expect(c.findUser()).rejects.toMatchObject({
      rc: 'HordeUnreachable',
      message: expect.stringMatching(/did not answer in time/),
    });
  });
});
