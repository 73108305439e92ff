/**
 * The worker's side of the AI Horde v2 API: pop, submit, its own worker record
 * and its owner's user record. Every answer is validated; every failure is
 * thrown as a HordeError saying what kind it was, so the loop can decide
 * between backing off, waiting for maintenance and giving up on a job.
 */
import type { z } from 'zod';
import { ErrorBody } from '../../shared/api/common';
import { retryAfterMs } from './backoff';

export type HordeFailureKind = 'http' | 'network' | 'timeout' | 'malformed' | 'aborted';

export class HordeError extends Error {
  constructor(
    readonly kind: HordeFailureKind,
    message: string,
    readonly details: { status?: number; rc?: string; retryAfterMs?: number; raw?: unknown } = {},
  ) {
    super(message);
    this.name = 'HordeError';
  }

  /** Worth asking again later: the horde or the network is down or busy. */
  get transient(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    const status = this.details.status ?? 0;
    return this.kind === 'http' && (status >= 500 || status === 429 || status === 408);
  }
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HordeApiOptions {
  /** e.g. http://127.0.0.1:7001/api or https://aihorde.net/api */
  baseUrl: string;
  apiKey: string;
  clientAgent: string;
  fetch: FetchLike;
  timeoutMs: number;
  now: () => number;
  /** Cap on a Retry-After the horde asks for. */
  maxRetryAfterMs: number;
}

export class WorkerHordeApi {
  private readonly base: string;

  constructor(private readonly o: HordeApiOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
  }

  /** JSON request to a /v2 route; the raw answer is checked against `schema`. */
  async call<S extends z.ZodType>(
    method: string,
    route: string,
    schema: S,
    body?: unknown,
  ): Promise<z.output<S>> {
    const raw = await this.json(method, route, body);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new HordeError(
        'malformed',
        `the horde's answer to ${route} is not what the API says: ${summarize(parsed.error)}`,
        {
          raw,
        },
      );
    }
    return parsed.data;
  }

  /** JSON request to a /v2 route, answer unchecked (the caller validates it piece by piece). */
  async json(method: string, route: string, body?: unknown): Promise<unknown> {
    const res = await this.send(`${this.base}${route}`, {
      method,
      headers: {
        apikey: this.o.apiKey,
        'Client-Agent': this.o.clientAgent,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await this.readText(res, route);
    if (!res.ok) throw this.httpError(res, route, text);
    try {
      return text === '' ? {} : (JSON.parse(text) as unknown);
    } catch {
      throw new HordeError('malformed', `the horde's answer to ${route} is not JSON`, {
        raw: text.slice(0, 200),
      });
    }
  }

  /** GET of a URL the horde handed out (a job's source image). */
  async download(url: string): Promise<Uint8Array> {
    const res = await this.send(url, { method: 'GET' });
    if (!res.ok) throw this.httpError(res, url, await this.readText(res, url));
    return new Uint8Array(await res.arrayBuffer());
  }

  /** PUT of a result image to the upload URL the pop gave (`r2_upload`). */
  async upload(url: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const res = await this.send(url, {
      method: 'PUT',
      headers: { 'Content-Type': contentType },
      body: bytes,
    });
    const text = await this.readText(res, url);
    if (!res.ok) throw this.httpError(res, url, text);
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.o.fetch(url, { ...init, signal: AbortSignal.timeout(this.o.timeoutMs) });
    } catch (err) {
      throw toHordeError(err, url, this.o.timeoutMs);
    }
  }

  private async readText(res: Response, where: string): Promise<string> {
    try {
      return await res.text();
    } catch (err) {
      throw toHordeError(err, where, this.o.timeoutMs);
    }
  }

  private httpError(res: Response, route: string, text: string): HordeError {
    let rc: string | undefined;
    let message = `${res.status} ${res.statusText}`.trim();
    try {
      const body = ErrorBody.partial().safeParse(JSON.parse(text));
      if (body.success) {
        rc = body.data.rc;
        if (body.data.message) message = body.data.message;
      }
    } catch {
      // Not JSON (a proxy's error page): the status line says enough.
    }
    const retryAfter = retryAfterMs(res.headers.get('retry-after'), this.o.now(), this.o.maxRetryAfterMs);
    return new HordeError('http', `${route}: ${message}`, {
      status: res.status,
      ...(rc !== undefined ? { rc } : {}),
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
    });
  }
}

function toHordeError(err: unknown, where: string, timeoutMs: number): HordeError {
  if (err instanceof HordeError) return err;
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError')
    return new HordeError('timeout', `${where}: no answer within ${timeoutMs / 1000} s`);
  if (name === 'AbortError') return new HordeError('aborted', `${where}: request cancelled`);
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  const message = err instanceof Error ? err.message : String(err);
  return new HordeError('network', `${where}: cannot reach the horde (${message}${cause})`);
}

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'} ${i.message}`)
    .join('; ');
}
