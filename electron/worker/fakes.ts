/**
 * Test doubles for the worker's dependencies: a clock whose sleeps advance
 * only when the test lets them, a scripted horde behind a fake fetch, and a
 * text engine that writes one token per fake-clock step. Used by the unit tests.
 */
import type {
  AlchemyEngine,
  GenerateOptions,
  TextEngine,
  TextGenParams,
  TextGenResult,
} from './engines/types';
import type { Sleep } from './worker-options';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

export class FakeClock {
  t: number;
  private timers: Timer[] = [];
  private seq = 0;

  constructor(start = Date.UTC(2026, 10, 30, 12)) {
    this.t = start;
  }

  now = (): number => this.t;

  sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          resolve();
        },
        { once: true },
      );
    });

  /**
   * Lets pending promises settle, then jumps to the next timer, until `done()`
   * holds. Throws when it does not within `maxMs` of fake time.
   */
  async runUntil(done: () => boolean, maxMs = 10 * 60_000, maxSteps = 20_000): Promise<void> {
    const end = this.t + maxMs;
    for (let step = 0; step < maxSteps; step++) {
      await settle();
      if (done()) return;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) continue;
      if (next.at > end) {
        this.timers.unshift(next);
        throw new Error(`not reached within ${maxMs} ms of fake time`);
      }
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
    throw new Error(`not reached within ${maxSteps} steps`);
  }

  /** Advances fake time by `ms`, firing the timers due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await this.runUntil(() => {
      const due = this.timers.some((x) => x.at <= end);
      if (!due) this.t = end;
      return !due;
    }, ms + 1);
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

export interface Call {
  method: string;
  route: string;
  body: unknown;
  at: number;
}

export type Reply =
  { status: number; json?: unknown; text?: string; headers?: Record<string, string> } | { throws: Error };

/** A horde behind a fetch: each route answers through `handler`; every call is recorded. */
export class FakeHorde {
  calls: Call[] = [];
  readonly url = 'http://horde.test/api';

  constructor(
    private readonly clock: FakeClock,
    public handler: (call: Call) => Reply,
  ) {}

  fetch = async (input: string, init: RequestInit): Promise<Response> => {
    const route = input.replace(this.url, '');
    const text = typeof init.body === 'string' ? init.body : undefined;
    const call: Call = {
      method: init.method ?? 'GET',
      route,
      body: text !== undefined ? (JSON.parse(text) as unknown) : init.body,
      at: this.clock.now(),
    };
    this.calls.push(call);
    const reply = this.handler(call);
    if ('throws' in reply) throw reply.throws;
    const body = reply.text ?? JSON.stringify(reply.json ?? {});
    return new Response(body, { status: reply.status, headers: reply.headers ?? {} });
  };

  count(route: string, since = Number.NEGATIVE_INFINITY): number {
    return this.calls.filter((c) => c.route === route && c.at >= since).length;
  }

  submits(): { id: string; state: string; generation?: string; seed?: number; result?: unknown }[] {
    return this.calls
      .filter((c) => c.route.endsWith('/submit'))
      .map((c) => c.body as { id: string; state: string; generation?: string; seed?: number });
  }
}

export const EMPTY_TEXT_POP = { id: null, ids: [], skipped: {} };

export function textJob(id: string, maxLength = 50, extra: Record<string, unknown> = {}): unknown {
  return {
    id,
    ids: [id],
    model: 'tiny-gpt2',
    payload: { prompt: 'Once upon a time', n: 1, max_length: maxLength, max_context_length: 1024, ...extra },
  };
}

/** Writes "t0 t1 …", one token per `msPerToken` of fake time, and notes when it saw an abort. */
export class FakeTextEngine implements TextEngine {
  readonly backend = 'cpu' as const;
  readonly modelName = 'tiny-gpt2';
  calls: TextGenParams[] = [];
  abortSeenAt: number | undefined;
  /** Called after each token; tests pause or stop the worker from here. */
  onTokenHook: ((n: number) => void) | undefined;
  failWith: Error | undefined;
  /** The speed share each token was written at. */
  paces: number[] = [];
  /** The text of token i; a test sets it to play a model that emits odd characters. */
  tokenText: (i: number) => string = (i) => ` t${i}`;

  constructor(
    private readonly clock: FakeClock,
    /** Fake ms per token at full speed; a test raises it to play a machine the user loads. */
    public msPerToken = 100,
  ) {}

  async generate(params: TextGenParams, options: GenerateOptions = {}): Promise<TextGenResult> {
    this.calls.push(params);
    const started = this.clock.now();
    if (this.failWith) throw this.failWith;
    const ids: number[] = [];
    for (let i = 0; i < params.maxNewTokens; i++) {
      if (options.signal?.aborted) {
        this.abortSeenAt = this.clock.now();
        return {
          text: '',
          tokenIds: ids,
          seed: params.seed,
          finishReason: 'aborted',
          millis: this.clock.now() - started,
        };
      }
      const speed = Math.min(1, Math.max(0.01, options.speed?.() ?? 1));
      this.paces.push(speed);
      await this.clock.sleep(this.msPerToken / speed);
      ids.push(i);
      options.onToken?.(ids.length, params.maxNewTokens);
      this.onTokenHook?.(ids.length);
    }
    return {
      text: ids.map((i) => this.tokenText(i)).join(''),
      tokenIds: ids,
      seed: params.seed,
      finishReason: 'length',
      millis: this.clock.now() - started,
    };
  }

  async dispose(): Promise<void> {}
}

export class FakeAlchemyEngine implements AlchemyEngine {
  readonly backend = 'cpu' as const;
  readonly forms = ['caption', 'strip_background'] as const;

  async run(form: string): Promise<Awaited<ReturnType<AlchemyEngine['run']>>> {
    if (form === 'caption') return { kind: 'text', values: { caption: 'a small red square' } };
    return { kind: 'image', image: { width: 1, height: 1, data: new Uint8Array([1, 2, 3, 255]) } };
  }

  async dispose(): Promise<void> {}
}
