import http from 'node:http';
import type { Socket } from 'node:net';
import { RC_STATUS, type ErrorBody, type Rc } from '../../shared/api/common';

/**
 * Answers for requests Node's HTTP parser refuses before fastify sees them
 * (headers or URL over the size limit, a malformed request line, a client
 * too slow to send its headers). They get the AI Horde's `{message, rc}` as
 * every other refusal does, and no body at all when the request was a HEAD:
 * a HEAD answer with a body desynchronises the client's HTTP parser on a
 * kept-alive connection.
 */
interface ParserError extends Error {
  code?: string;
  /** The packet the parser failed on: a Buffer from Node (fastify's types describe its JSON form). */
  rawPacket?: unknown;
}

const REFUSALS: Record<string, { rc: Rc; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    rc: 'RequestHeaderFieldsTooLarge',
    message: 'The request line and headers are larger than this horde accepts (16 KiB).',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    rc: 'RequestTimeout',
    message: 'The request was not received in time.',
  },
};

const BAD_REQUEST = { rc: 'BadRequest' as const, message: 'The horde could not parse this HTTP request.' };

/**
 * The method on the request line, when the packet that failed holds it. When it
 * does not (headers that overflowed in a later packet) the method is unknown,
 * and the answer goes without a body: that is valid for any method.
 */
function methodOf(raw: unknown): string | undefined {
  if (!Buffer.isBuffer(raw)) return undefined;
  const m = /^([A-Z]{3,10}) /.exec(raw.subarray(0, 12).toString('latin1'));
  return m?.[1];
}

export function refusalFor(err: ParserError): { status: number; body: ErrorBody; withBody: boolean } {
  const r = REFUSALS[err.code ?? ''] ?? BAD_REQUEST;
  const method = methodOf(err.rawPacket);
  return {
    status: RC_STATUS[r.rc],
    body: { message: r.message, rc: r.rc },
    withBody: method !== undefined && method !== 'HEAD',
  };
}

/** fastify's `clientErrorHandler`: writes the refusal on the raw socket, then closes it. */
export function hordeClientErrorHandler(err: ParserError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, body, withBody } = refusalFor(err);
  const json = withBody ? JSON.stringify(body) : '';
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n` +
        'Connection: close\r\n' +
        'Access-Control-Allow-Origin: *\r\n' +
        (withBody ? 'Content-Type: application/json; charset=utf-8\r\n' : '') +
        `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
    );
  }
  socket.destroy(err);
}
