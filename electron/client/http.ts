import pRetry from 'p-retry';
import type { z } from 'zod';
import { routePath, type HordeRoute, type RouteInput } from '../../shared/api/routes';
import { HordeError } from '../../shared/api/horde-error';
import { badAnswer, errorFromResponse, unreachable } from './errors';
import { retryAfterMs, type RetryPolicy } from './retry';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HordeHttpOptions {
  /** The horde's API root, the part before `/v2` (e.g. https://aihorde.net/api). */
  baseUrl: string;
  /** A function is read on every call, so a key changed in Settings applies at once. */
  apiKey: string | (() => string);
  /** "name:version:contact". */
  clientAgent: string;
  fetch?: FetchLike;
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts after the first, for calls whose policy is `idempotent`. */
  retries?: number;
  /** Delay before the first retry; doubles after. Tests pass 0. */
  retryDelayMs?: number;
  /** Clock for Retry-After dates. */
  now?: () => number;
  /** Cap on a Retry-After the horde asks for. */
  maxRetryAfterMs?: number;
}

export interface CallOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | undefined>;
  /** Whether and how a failed call is sent again (see retry.ts). */
  retry: RetryPolicy;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
}

/** A call on a route of the table: its inputs, typed by the route's schemas, and how to send it. */
export type RouteCall<R extends HordeRoute> = RouteInput<R> & {
  retry: RetryPolicy;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
};

/** One place that sends a request to a horde: headers, timeout, retries, error mapping, answer validation. */
export class HordeHttp {
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly now: () => number;
  private readonly maxRetryAfterMs: number;
  private readonly apiKey: () => string;
  readonly baseUrl: string;

  constructor(private readonly opts: HordeHttpOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.retries = opts.retries ?? 3;
    this.retryDelayMs = opts.retryDelayMs ?? 500;
    this.now = opts.now ?? (() => Date.now());
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
    const key = opts.apiKey;
    this.apiKey = typeof key === 'string' ? () => key : key;
  }

  /** A JSON call to a route under the API root; the answer is checked against `answer`. */
  async call<S extends z.ZodType>(path: string, answer: S, call: CallOptions): Promise<z.output<S>> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const attempt = () => this.once(url.toString(), path, answer, call);
    const policy = call.retry;
    if (policy.kind === 'once') return attempt();
    if (policy.kind === 'custom') {
      return pRetry(attempt, {
        retries: policy.retries,
        // The policy does its own waiting (the worker's injected sleep); p-retry counts and stops.
        minTimeout: 0,
        maxTimeout: 0,
        ...(call.signal ? { signal: call.signal } : {}),
        shouldRetry: async ({ error, attemptNumber }) =>
          error instanceof HordeError && (await policy.shouldRetry(error, attemptNumber)),
      });
    }
    return pRetry(attempt, {
      retries: this.retries,
      minTimeout: this.retryDelayMs,
      factor: 2,
      randomize: this.retryDelayMs > 0,
      ...(call.signal ? { signal: call.signal } : {}),
      shouldRetry: ({ error }) => error instanceof HordeError && error.transient,
    });
  }

  /**
   * A call on a route of the table (shared/api/routes.ts): method and path from
   * the route, the body typed by its input schema, the answer read with its
   * `read` schema, or with `readAs` where a caller wants fewer fields.
   */
  route<R extends HordeRoute & { read: z.ZodType }>(r: R, call: RouteCall<R>): Promise<z.output<R['read']>>;
  route<R extends HordeRoute, S extends z.ZodType>(r: R, call: RouteCall<R>, readAs: S): Promise<z.output<S>>;
  route(r: HordeRoute, call: RouteCall<HordeRoute>, readAs?: z.ZodType): Promise<unknown> {
    const answer = readAs ?? r.read;
    if (answer === undefined) throw new Error(`${r.path}: the route answers no JSON to read`);
    const { params, body, query, ...rest } = call as {
      params?: Record<string, string>;
      body?: unknown;
      query?: Record<string, string | undefined>;
    } & Omit<CallOptions, 'method' | 'body' | 'query'>;
    return this.call(routePath(r, params), answer, {
      ...rest,
      method: r.method,
      ...(body !== undefined ? { body } : {}),
      ...(query !== undefined ? { query } : {}),
    });
  }

  /** GET of a URL the horde handed out (a job's source image); sent once. */
  async download(url: string, signal?: AbortSignal): Promise<Uint8Array> {
    const res = await this.send(url, { method: 'GET' }, signal);
    if (!res.ok) throw this.refusal(res, await this.text(res, url, signal));
    return new Uint8Array(await res.arrayBuffer());
  }

  /** PUT of a result image to the upload URL a pop gave (`r2_upload`); sent once. */
  async upload(url: string, bytes: Uint8Array, contentType: string, signal?: AbortSignal): Promise<void> {
    const res = await this.send(
      url,
      { method: 'PUT', headers: { 'content-type': contentType }, body: bytes },
      signal,
    );
    const text = await this.text(res, url, signal);
    if (!res.ok) throw this.refusal(res, text);
  }

  private async once<S extends z.ZodType>(
    url: string,
    path: string,
    answer: S,
    call: CallOptions,
  ): Promise<z.output<S>> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      apikey: this.apiKey(),
      'Client-Agent': this.opts.clientAgent,
      ...call.headers,
    };
    const init: RequestInit = { method: call.method, headers };
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(call.body);
    }
    const res = await this.send(url, init, call.signal);
    const text = await this.text(res, url, call.signal);
    if (!res.ok) throw this.refusal(res, text);
    const json = parseJson(text);
    if (json === NOT_JSON) throw badAnswer(path, 'not JSON');
    const parsed = answer.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw badAnswer(path, issue ? `${issue.path.join('.')} ${issue.message}` : 'unreadable');
    }
    return parsed.data;
  }

  private async send(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      return await this.fetch(url, {
        ...init,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (e) {
      // The caller's own abort is not the horde's fault: let it through as it is.
      if (signal?.aborted) throw signal.reason;
      throw unreachable(url, e);
    }
  }

  private async text(res: Response, url: string, signal: AbortSignal | undefined): Promise<string> {
    try {
      return await res.text();
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw unreachable(url, e);
    }
  }

  private refusal(res: Response, text: string): HordeError {
    const json = parseJson(text);
    const wait = retryAfterMs(res.headers.get('retry-after'), this.now(), this.maxRetryAfterMs);
    return errorFromResponse(res.status, json === NOT_JSON ? undefined : json, wait);
  }
}

const NOT_JSON = Symbol('not JSON');

/** undefined for an empty body; NOT_JSON for text that is not JSON (a proxy's error page). */
function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}
