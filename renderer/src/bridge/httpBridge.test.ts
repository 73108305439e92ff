import { afterEach, describe, expect, it, vi } from 'vitest';
import * as fx from '../test/fixtures';
import { APP_UNREACHABLE_RC, httpBridge } from './httpBridge';

/** A WebSocket stand-in the test drives by hand. */
class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  close() {
    this.closed = true;
  }
  drop() {
    this.onclose?.();
  }
}

afterEach(() => {
  FakeSocket.all = [];
  vi.useRealTimers();
});

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('http bridge', () => {
  it('posts the argument with the token and returns the result', async () => {
    const fetch = vi.fn(async () => json({ ok: true, result: fx.account() }));
    const b = httpBridge({ origin: 'http://127.0.0.1:9', token: 'tok', fetch });
    expect(await b.invoke('account:get', undefined)).toEqual(fx.account());
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:9/bridge/invoke/account%3Aget');
    expect((init.headers as Record<string, string>)['x-bridge-token']).toBe('tok');
    expect(JSON.parse(String(init.body))).toEqual({ arg: null });
  });

  it('rejects with the BridgeError the server sent', async () => {
    const error = { rc: 'KudosUpfront', message: 'needs kudos', hint: 'Lower max length.' };
    const b = httpBridge({ origin: '', token: 't', fetch: async () => json({ ok: false, error }, 403) });
    await expect(
      b.invoke('requests:price', {
        prompt: 'x',
        models: [],
        params: { max_length: 9, max_context_length: 99 },
      }),
    ).rejects.toEqual(error);
  });

  it('turns a dead server into AppUnreachable and junk into Internal', async () => {
    const dead = httpBridge({
      origin: '',
      token: 't',
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    await expect(dead.invoke('app:info', undefined)).rejects.toMatchObject({ rc: APP_UNREACHABLE_RC });
    const junk = httpBridge({
      origin: '',
      token: 't',
      fetch: async () => new Response('<html>', { status: 502 }),
    });
    await expect(junk.invoke('app:info', undefined)).rejects.toMatchObject({ rc: 'Internal' });
  });

  it('delivers events to their listeners and reconnects with growing delays', async () => {
    vi.useFakeTimers();
    const b = httpBridge({
      origin: 'http://127.0.0.1:9',
      token: 's e',
      fetch: async () => json({ ok: true, result: null }),
      WebSocket: FakeSocket as unknown as typeof WebSocket,
      minDelayMs: 100,
      maxDelayMs: 400,
    });
    const got: number[] = [];
    const off = b.listen('worker:stats', (s) => got.push(s.jobsDone));
    b.listen('account:changed', () => got.push(-1));
    expect(FakeSocket.all).toHaveLength(1);
    expect(FakeSocket.all[0]!.url).toBe('ws://127.0.0.1:9/bridge/events?token=s%20e');

    FakeSocket.all[0]!.onmessage?.({
      data: JSON.stringify({ event: 'worker:stats', payload: fx.stats({ jobsDone: 7 }) }),
    });
    FakeSocket.all[0]!.onmessage?.({ data: 'not json' });
    expect(got).toEqual([7]);

    FakeSocket.all[0]!.drop();
    vi.advanceTimersByTime(99);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.drop();
    vi.advanceTimersByTime(199);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
    // An open connection resets the back-off.
    FakeSocket.all[2]!.onopen?.();
    FakeSocket.all[2]!.drop();
    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(4);

    off();
    expect(FakeSocket.all[3]!.closed).toBe(false); // account:changed still listens
  });

  it('closes the socket when the last listener leaves', () => {
    const b = httpBridge({
      origin: 'http://x',
      token: 't',
      WebSocket: FakeSocket as unknown as typeof WebSocket,
      fetch: async () => json({}),
    });
    const off = b.listen('request:updated', () => {});
    off();
    expect(FakeSocket.all[0]!.closed).toBe(true);
  });
});
