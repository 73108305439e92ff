import http from 'node:http';

/**
 * A raw HTTP client on node:http rather than fetch: the fuzz tests send
 * bodies that are not JSON and header values fetch would refuse to send, and
 * the crash test needs to tell "no answer" (unacknowledged) from any answer.
 */

export interface RawRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  headers?: Record<string, string>;
  /** A string or bytes sent as is; an object is JSON-encoded. */
  body?: string | Buffer | object;
  /** Whole-request limit; the request is aborted and `NoAnswer` thrown past it. */
  timeoutMs?: number;
  /**
   * A fresh connection instead of a pooled keep-alive one, so an answer that closes its
   * connection cannot make the next request fail (fuzzing attributes each failure to its input).
   */
  fresh?: boolean;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** The request got no HTTP answer (refused, reset, killed server, timeout): it is unacknowledged. */
export class NoAnswer extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
    /** The socket error code (ECONNREFUSED, ECONNRESET, EPIPE, ...), when there was one. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'NoAnswer';
  }
}

// Keep-alive keeps thousands of fuzz requests from exhausting ephemeral ports on the CI machine.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function request(req: RawRequest): Promise<RawResponse> {
  const timeoutMs = req.timeoutMs ?? 10_000;
  let payload: Buffer | undefined;
  const headers: Record<string, string> = { ...req.headers };
  if (req.body !== undefined) {
    if (typeof req.body === 'string') payload = Buffer.from(req.body, 'utf8');
    else if (Buffer.isBuffer(req.body)) payload = req.body;
    else {
      payload = Buffer.from(JSON.stringify(req.body), 'utf8');
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['content-type'] = 'application/json';
      }
    }
  }
  if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
    // What clients send; node would otherwise use chunked encoding for a GET with a body.
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: NoAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    };
    const r = http.request(
      req.url,
      { method: req.method, headers, agent: req.fresh ? false : agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => fail(new NoAnswer(`response broken: ${e.message}`, false)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    const timer = setTimeout(() => {
      r.destroy();
      fail(new NoAnswer(`${req.method} ${req.url}: no answer within ${timeoutMs} ms`, true));
    }, timeoutMs);
    r.on('error', (e: NodeJS.ErrnoException) =>
      fail(new NoAnswer(`${req.method} ${req.url}: ${e.message}`, false, e.code)),
    );
    if (payload !== undefined) r.end(payload);
    else r.end();
  });
}

/** Drops idle keep-alive sockets (call in afterAll so the test process can exit). */
export function closeIdleSockets(): void {
  agent.destroy();
}

/** `{message, rc}` of an AI Horde error body, or undefined when the body is not one. */
export function errorBody(res: RawResponse): { message: string; rc: string } | undefined {
  const j = res.json;
  if (typeof j !== 'object' || j === null) return undefined;
  const { message, rc } = j as { message?: unknown; rc?: unknown };
  if (typeof message !== 'string' || typeof rc !== 'string') return undefined;
  return { message, rc };
}
