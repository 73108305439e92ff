import { describe, expect, it } from 'vitest';
import { HORDE_ROUTES, routePath } from '../../shared/api/routes';
import { DEFAULT_LIMITS, makeContext } from './context';
import { buildServer } from './server';
import { HordeDb } from './store/db';

async function server() {
  const ctx = makeContext(new HordeDb(':memory:'), () => Date.now(), DEFAULT_LIMITS, false);
  return buildServer(ctx, { logger: false, bindHost: '127.0.0.1' });
}

describe('the route table', () => {
  it('is what the embedded horde serves: every route is registered, at the AI Horde path', async () => {
    const app = await server();
    for (const [name, r] of Object.entries(HORDE_ROUTES)) {
      const res = await app.inject({
        method: r.method,
        url: `/api${routePath(r, { id: 'no-such-id' })}`,
        headers: { host: '127.0.0.1' },
        // A body that parses, so that a refusal comes from the route itself.
        ...(r.method === 'POST' || r.method === 'PUT' ? { payload: {} } : {}),
      });
      const body = res.json<{ rc?: string; message?: string }>();
      expect(`${name}: ${body.message ?? ''}`).not.toMatch(/: No route /);
    }
    // A path that is not in the table is not served.
    const off = await app.inject({
      method: 'GET',
      url: '/api/v2/generate/nothing',
      headers: { host: '127.0.0.1' },
    });
    expect(off.statusCode).toBe(404);
    expect(off.json()).toMatchObject({ rc: 'NotFound' });
    await app.close();
  });

  it("validates a route's body with the table's schema and answers the AI Horde's BadRequest, per field", async () => {
    const app = await server();
    const res = await app.inject({
      method: 'POST',
      url: `/api${HORDE_ROUTES.textAsync.path}`,
      headers: { host: '127.0.0.1' },
      payload: { prompt: 'hi', params: { max_length: 0, stop_sequence: ['a', 3] } },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ rc: string; message: string; errors: Record<string, string> }>();
    expect(body.rc).toBe('BadRequest');
    expect(body.message).toMatch(/^Input payload validation failed: /);
    expect(Object.keys(body.errors).sort()).toEqual(['params.max_length', 'params.stop_sequence.1']);
    await app.close();
  });

  it('fills path parameters URI-encoded, and refuses a missing one', () => {
    expect(routePath(HORDE_ROUTES.textStatus, { id: 'a/b c' })).toBe('/v2/generate/text/status/a%2Fb%20c');
    expect(() => routePath(HORDE_ROUTES.textStatus)).toThrow(/:id/);
    expect(routePath(HORDE_ROUTES.heartbeat)).toBe('/v2/status/heartbeat');
  });
});
