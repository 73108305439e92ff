import pRetry from 'p-retry';
import type { z } from 'zod';
import { badAnswer, errorFromResponse, HordeApiError, unreachable } from './errors';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HordeHttpOptions {
  /** The horde's API root, the part before `/v2` (e.g. https://aihorde.net/api). */
  baseUrl: string;
  /** Read on every call so a key changed in Settings applies at once. */
  apiKey: () => string;
  /** "name:version:contact". */
  clientAgent: string;
  fetch?: FetchLike;
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts after the first, for calls that may be retried. */
  retries?: number;
  /** Delay before the first retry; doubles after. Tests pass 0. */
  retryDelayMs?: number;
}

export interface CallOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Record<string, string>;
  /**
   * Whether sending it twice is harmless (GET, DELETE of a status, a transfer
   * carrying an Idempotency-Key). Only these are retried: a retried
   * `generate/text/async` could queue and pay for the same request twice.
   */
  idempotent: boolean;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** One place that sends a request to a horde: headers, timeout, retries, error mapping, answer validation. */
export class HordeHttp {
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  readonly baseUrl: string;

  constructor(private readonly opts: HordeHttpOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.retries = opts.retries ?? 3;
    this.retryDelayMs = opts.retryDelayMs ?? 500;
  }

  async call<S extends z.ZodType>(path: string, answer: S, call: CallOptions): Promise<z.output<S>> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
    const attempt = () => this.once(url.toString(), path, answer, call);
    if (!call.idempotent) return attempt();
    return pRetry(attempt, {
      retries: this.retries,
      minTimeout: this.retryDelayMs,
      factor: 2,
      randomize: this.retryDelayMs > 0,
      ...(call.signal ? { signal: call.signal } : {}),
      shouldRetry: ({ error }) => error instanceof HordeApiError && error.transient,
    });
  }

  private async once<S extends z.ZodType>(
    url: string,
    path: string,
    answer: S,
    call: CallOptions,
  ): Promise<z.output<S>> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      apikey: this.opts.apiKey(),
      'Client-Agent': this.opts.clientAgent,
      ...call.headers,
    };
    const init: RequestInit = { method: call.method, headers };
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(call.body);
    }
    const timeout = AbortSignal.timeout(this.timeoutMs);
    init.signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;

    let res: Response;
    let text: string;
    try {
      res = await this.fetch(url, init);
      text = await res.text();
    } catch (e) {
      // The caller's own abort is not the horde's fault: let it through as it is.
      if (call.signal?.aborted) throw call.signal.reason;
      throw unreachable(url, e);
    }
    const json = parseJson(text);
    if (!res.ok) throw errorFromResponse(res.status, json);
    const parsed = answer.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw badAnswer(path, issue ? `${issue.path.join('.')} ${issue.message}` : 'unreadable');
    }
    return parsed.data;
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
