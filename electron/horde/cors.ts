import type { FastifyInstance } from 'fastify';

/**
 * The CORS headers the AI Horde puts on every answer (its Flask
 * `after_request` hook), so that web clients which talk to a horde from the
 * page work against this one too. They are constant: any origin, the methods
 * of the API, and the request headers clients send (`apikey`, `Client-Agent`
 * among them).
 */
export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, GET, OPTIONS, PUT, DELETE, PATCH',
  'access-control-allow-headers':
    'Accept, Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, apikey, ' +
    'Client-Agent, X-Fields, X-Forwarded-For, Proxied-For, Proxy-Authorization, Idempotency-Key',
} as const;

/**
 * Adds the CORS headers to every `/api` answer (errors, 404s and rate-limit
 * refusals included: the hook runs before anything else can answer) and
 * answers a preflight `OPTIONS` on any `/api` path with 200 and no body.
 *
 * A hook rather than `@fastify/cors`: that plugin sends the methods and
 * headers lists only on preflights and answers them 204, where the AI Horde
 * sends the same three headers on every answer and answers preflights 200.
 * Register it before any plugin that may answer in `onRequest`.
 */
export function registerCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!isApiPath(req.url)) return;
    void reply.headers(CORS_HEADERS);
    if (req.method === 'OPTIONS') {
      return reply.status(200).header('content-length', '0').send();
    }
  });
}

export function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}
