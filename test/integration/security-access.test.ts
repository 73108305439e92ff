import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody, request } from '../harness/http';
import { hordeFixture, type HordeFixture } from '../harness/horde-fixture';
import { queryDb } from '../harness/ledger-db';
import { HARNESS_MODEL } from '../harness/workload';
import { DEFAULT_LIMITS, makeContext } from '../../electron/horde/context';
import { buildServer } from '../../electron/horde/server';
import { HordeDb } from '../../electron/horde/store/db';
import { createUser } from '../../electron/horde/store/users';

/**
 * Who can reach the embedded horde and what it keeps: loopback by default,
 * LAN mode only for registered users, API keys hashed at rest, no admin
 * operation over HTTP, rate limits per key and per IP, and logs free of keys
 * and prompts. (The serve-mode bridge's own origin and token checks are
 * tested in bridge-security.test.ts.)
 */

let fx: HordeFixture;

beforeAll(async () => {
  fx = await hordeFixture();
});

afterAll(async () => {
  await fx?.dispose();
});

/** Whether a TCP connection to host:port is accepted. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean): void => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), 5_000);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

describe('binding', () => {
  it('listens on 127.0.0.1 only by default', async () => {
    const h = await fx.start({ users: [] });
    const url = new URL(h.child.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(await connects('127.0.0.1', Number(url.port))).toBe(true);
    await h.child.close();
  });

  it('LAN mode refuses anonymous use from other machines and serves registered users', async () => {
    // Requests from another machine are simulated in process (fastify inject with a foreign
    // remote address): tests send no traffic to any address but loopback.
    const db = new HordeDb(':memory:');
    const ctx = makeContext(db, () => Date.now(), DEFAULT_LIMITS, true);
    const app = await buildServer(ctx, { logger: false, bindHost: '0.0.0.0' });
    try {
      const user = createUser(db, 'lan-user', 0);
      const fromLan = (url: string, apikey: string | undefined, payload: object) =>
        app.inject({
          method: 'POST',
          url: `/api${url}`,
          remoteAddress: '192.0.2.50',
          headers: apikey ? { apikey } : {},
          payload,
        });
      const body = { prompt: 'hello from the lan', params: { max_length: 16 }, models: [HARNESS_MODEL] };
      const anonymous = await fromLan('/v2/generate/text/async', undefined, body);
      expect(anonymous.statusCode).toBe(403);
      expect(anonymous.json().rc).toBe('AnonForbidden');
      const anonKey = await fromLan('/v2/generate/text/async', '0000000000', body);
      expect(anonKey.statusCode).toBe(403);
      expect(anonKey.json().rc).toBe('AnonForbidden');
      const badKey = await fromLan('/v2/generate/text/async', 'not-a-key', body);
      expect(badKey.statusCode).toBe(401);
      expect(badKey.json().rc).toBe('InvalidAPIKey');
      const keyed = await fromLan('/v2/generate/text/async', user.apikey, body);
      expect(keyed.statusCode, keyed.body).toBe(202);
      // A source image URL would make the horde fetch from its own machine's ports for a stranger.
      const probe = await fromLan('/v2/interrogate/async', user.apikey, {
        forms: [{ name: 'caption' }],
        source_image: 'http://127.0.0.1:9/secret.png',
      });
      expect(probe.statusCode).toBe(400);
      expect(probe.json().rc).toBe('SourceImageUrlInvalid');
    } finally {
      await app.close();
      db.close();
    }
  });
});

describe('API keys at rest', () => {
  it('the database files never contain a user key in clear', async () => {
    const h = await fx.start({
      users: [
        { name: 'alice', award: 5 },
        { name: 'bob', award: 0 },
      ],
    });
    // Use the keys, so that nothing written on a request path (logs, events) escapes the check.
    for (const u of h.users) {
      expect((await h.api('GET', '/v2/find_user', { apikey: u.apikey })).status).toBe(200);
    }
    const files = [h.dbPath, `${h.dbPath}-wal`, `${h.dbPath}-shm`].filter((f) => existsSync(f));
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    for (const u of h.users) {
      expect(bytes.includes(Buffer.from(u.apikey, 'utf8')), `${u.username}'s key found in the database`).toBe(
        false,
      );
    }
    const rows = queryDb<{ id: number; apikey_hash: string }>(h.dbPath, 'SELECT id, apikey_hash FROM users');
    for (const u of h.users) {
      const row = rows.find((r) => r.id === u.id);
      expect(row?.apikey_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row?.apikey_hash).not.toContain(u.apikey);
    }
    await h.child.close();
  });

  it("the app owner's key is not in the database either: the app keeps it, the horde its hash", async () => {
    const h = await fx.start({ owner: 'me', users: [{ name: 'carol', award: 0 }] });
    const owner = h.child.ready.owner!;
    expect((await h.api('GET', '/v2/find_user', { apikey: owner.apikey })).status).toBe(200);
    const files = [h.dbPath, `${h.dbPath}-wal`, `${h.dbPath}-shm`].filter((f) => existsSync(f));
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    expect(bytes.includes(Buffer.from(owner.apikey, 'utf8')), "the owner's key found in the database").toBe(
      false,
    );
    const rows = queryDb<{ user_id: number }>(h.dbPath, 'SELECT * FROM local_owner');
    expect(rows).toEqual([{ id: 1, user_id: owner.id }]);
    const hashed = queryDb<{ apikey_hash: string }>(
      h.dbPath,
      'SELECT apikey_hash FROM users WHERE id = ?',
      owner.id,
    );
    expect(hashed[0]?.apikey_hash).not.toBe(owner.apikey);
    await h.child.close();
  });
});

describe('admin operations', () => {
  it('have no HTTP route: awards, user creation and verify exist only on the CLI and in-process', async () => {
    const h = await fx.start({
      users: [
        { name: 'eve', award: 1 },
        { name: 'victim', award: 50 },
      ],
    });
    const [eve, victim] = h.users;
    const attempts: [string, string, object | undefined][] = [
      ['POST', '/v2/kudos/award', { username: eve!.username, amount: 1000 }],
      ['POST', '/v2/admin/award', { username: eve!.username, amount: 1000 }],
      ['POST', '/v2/users', { username: 'mallory' }],
      ['PUT', `/v2/users/${eve!.id}`, { kudos: 1000, moderator: true, trusted: true }],
      ['PATCH', `/v2/users/${victim!.id}`, { kudos: 0 }],
      ['DELETE', `/v2/users/${victim!.id}`, undefined],
      ['GET', '/v2/admin/verify', undefined],
      ['POST', '/v2/verify', undefined],
    ];
    for (const [method, route, body] of attempts) {
      const res = await h.api(method, route, { apikey: eve!.apikey, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${route}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${route}`).toBeLessThan(500);
      expect(errorBody(res)?.rc, `${method} ${route}`).toBeDefined();
    }
    const me = await h.api('GET', '/v2/find_user', { apikey: eve!.apikey });
    expect((me.json as { kudos: number; moderator: boolean }).kudos).toBe(1);
    expect((me.json as { moderator: boolean }).moderator).toBe(false);
    const count = queryDb<{ n: number }>(h.dbPath, 'SELECT COUNT(*) AS n FROM users');
    expect(count[0]?.n).toBe(3); // anonymous + the two above
    await h.child.close();
  });

  it('a worker can be changed only by its owner', async () => {
    const h = await fx.start({
      users: [
        { name: 'owner', award: 0 },
        { name: 'stranger', award: 0 },
      ],
    });
    const [owner, stranger] = h.users;
    const p = await h.api('POST', '/v2/generate/text/pop', {
      apikey: owner!.apikey,
      body: { name: 'owned-worker', models: [HARNESS_MODEL] },
    });
    expect(p.status, p.text).toBe(200);
    const workers = (await h.api('GET', '/v2/workers')).json as { id: string; name: string }[];
    const id = workers.find((w) => w.name === 'owned-worker')!.id;
    for (const apikey of [stranger!.apikey, '0000000000', undefined]) {
      const res = await h.api('PUT', `/v2/workers/${id}`, {
        ...(apikey !== undefined ? { apikey } : {}),
        body: { maintenance: true, name: 'hijacked' },
      });
      expect([401, 403]).toContain(res.status);
      expect(errorBody(res)?.rc).toBeDefined();
    }
    const after = (await h.api('GET', `/v2/workers/${id}`)).json as {
      name: string;
      maintenance_mode: boolean;
    };
    expect(after).toMatchObject({ name: 'owned-worker', maintenance_mode: false });
    await h.child.close();
  });
});

describe('rate limits', () => {
  // A long window, so the limit is reached by count whatever the machine's speed.
  const limits = { rateLimitMax: 20, rateLimitWindowMs: 600_000 };

  async function burst(
    send: (i: number) => Promise<{ status: number; json: unknown; text: string }>,
    n: number,
  ) {
    const answers = [];
    for (let i = 0; i < n; i++) answers.push(await send(i));
    return answers;
  }

  function expectLimited(answers: { status: number; json: unknown; text: string }[]): void {
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const a of limited)
      expect(errorBody(a as Parameters<typeof errorBody>[0])?.rc).toBe('TooManyRequests');
    for (const a of answers) expect(a.status).toBeLessThan(500);
  }

  it('answer 429 with an rc per key, without limiting other keys', async () => {
    const h = await fx.start({
      limits,
      users: [
        { name: 'busy', award: 0 },
        { name: 'calm', award: 0 },
      ],
    });
    const [busy, calm] = h.users;
    expectLimited(await burst(() => h.api('GET', '/v2/find_user', { apikey: busy!.apikey }), 30));
    const other = await h.api('GET', '/v2/find_user', { apikey: calm!.apikey });
    expect(other.status).toBe(200);
    await h.child.close();
  });

  it('answer 429 with an rc per IP for anonymous requests', async () => {
    const h = await fx.start({ limits, users: [] });
    expectLimited(await burst(() => h.api('GET', '/v2/status/heartbeat'), 30));
    await h.child.close();
  });

  it('cannot be dodged by sending a different made-up key with each request', async () => {
    // Invalid keys are not users: they must count against the IP, or anyone could flood the
    // horde by inventing a new key per request.
    const h = await fx.start({ limits, users: [] });
    const answers = await burst(
      () => h.api('GET', '/v2/find_user', { apikey: randomBytes(16).toString('base64url') }),
      30,
    );
    expectLimited(answers);
    await h.child.close();
  });
});

describe('request logs', () => {
  it('contain no API keys and no prompts', async () => {
    const h = await fx.start({ logger: true, users: [{ name: 'logged', award: 100 }] });
    const [user] = h.users;
    const secretPrompt = `very private prompt ${randomUUID()}`;
    const r = await h.api('POST', '/v2/generate/text/async', {
      apikey: user!.apikey,
      body: { prompt: secretPrompt, params: { max_length: 16 }, models: [HARNESS_MODEL] },
    });
    expect(r.status, r.text).toBe(202);
    const id = (r.json as { id: string }).id;
    await h.api('GET', `/v2/generate/text/status/${id}`, { apikey: user!.apikey });
    const p = await h.api('POST', '/v2/generate/text/pop', {
      apikey: user!.apikey,
      body: { name: 'log-worker', models: [HARNESS_MODEL] },
    });
    expect((p.json as { payload?: { prompt: string } }).payload?.prompt).toBe(secretPrompt);
    await h.api('POST', '/v2/generate/text/submit', {
      apikey: user!.apikey,
      body: { id: (p.json as { id: string }).id, generation: `private answer ${secretPrompt}` },
    });
    // A refused request too: error paths log more.
    await h.api('POST', '/v2/generate/text/async', {
      apikey: `${user!.apikey}x`,
      body: { prompt: secretPrompt },
    });
    await request({
      method: 'POST',
      url: `${h.child.url}/v2/generate/text/async`,
      headers: { apikey: user!.apikey, 'content-type': 'application/json' },
      body: `{"prompt": "${secretPrompt}", broken`,
    });
    await h.child.close();
    // The harness's own ready line (which hands the test its users' keys) is not the horde's log.
    const log = h.child
      .output()
      .split('\n')
      .filter((l) => !l.startsWith('{"type":"ready"'))
      .join('\n');
    // The logger must really have been on, or this test would prove nothing.
    expect(log).toMatch(/incoming request|request completed/);
    expect(log).not.toContain(user!.apikey);
    expect(log).not.toContain('very private prompt');
  });
});
