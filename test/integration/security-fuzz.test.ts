import fc from 'fast-check';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RC_STATUS } from '../../shared/api/common';
import {
  badImage,
  headerValue,
  mutatedBody,
  nastyString,
  pathId,
  rawBody,
  TINY_PNG_B64,
} from '../harness/fuzz-arbs';
import { NoAnswer, errorBody, request, type RawResponse } from '../harness/http';
import { hordeFixture, type HordeFixture, type StartedHorde } from '../harness/horde-fixture';
import { ledgerViolations, readLedger } from '../harness/ledger-db';
import { countFromEnv } from '../harness/rng';
import { describeSeeds, seedRuns } from '../harness/seeds';
import { HARNESS_MODEL } from '../harness/workload';

/**
 * Property-based fuzzing of every route of the embedded horde over loopback
 * HTTP: bodies, queries, headers and path ids of every wrong kind. Whatever
 * comes in, the answer is a 2xx or a 4xx with `{message, rc}` whose rc
 * carries that status, within a per-request timeout; the process stays up
 * and the ledger stays sound. FUZZ_RUNS sets the cases per route (default
 * 150), split among the fixed seeds and one fresh one (harness/seeds.ts);
 * FUZZ_SEED=<seed> replays one seed with all of them.
 */

const RUNS = countFromEnv('FUZZ_RUNS', 150);
const REQUEST_TIMEOUT_MS = 10_000;

let fx: HordeFixture;
let h: StartedHorde;
let cases = 0;
const statusSeen: Record<string, number> = {};
const real = {
  requestIds: [] as string[],
  jobIds: [] as string[],
  formIds: [] as string[],
  workerIds: [] as string[],
  userIds: [] as string[],
};

beforeAll(async () => {
  fx = await hordeFixture();
  h = await fx.start({
    // Rate limits are tested in security-access; here they would stop the fuzzing at the door.
    limits: { rateLimitMax: 1_000_000 },
    users: [
      { name: 'fuzz-requester', award: 10_000 },
      { name: 'fuzz-worker-owner', award: 0 },
      { name: 'fuzz-other', award: 10 },
    ],
  });
  const [req, owner] = h.users;
  real.userIds = h.users.map((u) => String(u.id));
  // Real ids to mix into the fuzzed paths and bodies, so handlers get past "not found".
  for (let i = 0; i < 3; i++) {
    const r = await h.api('POST', '/v2/generate/text/async', {
      apikey: req!.apikey,
      body: { prompt: 'seed', params: { max_length: 32 }, models: [HARNESS_MODEL] },
    });
    expect(r.status, r.text).toBe(202);
    real.requestIds.push((r.json as { id: string }).id);
  }
  const p = await h.api('POST', '/v2/generate/text/pop', {
    apikey: owner!.apikey,
    body: { name: 'fuzz-text-worker', models: [HARNESS_MODEL] },
  });
  const jobId = (p.json as { id?: string | null }).id;
  if (jobId) real.jobIds.push(jobId);
  const ia = await h.api('POST', '/v2/interrogate/async', {
    apikey: req!.apikey,
    body: { forms: [{ name: 'caption' }], source_image: TINY_PNG_B64 },
  });
  expect(ia.status, ia.text).toBe(202);
  real.requestIds.push((ia.json as { id: string }).id);
  const ip = await h.api('POST', '/v2/interrogate/pop', {
    apikey: owner!.apikey,
    body: { name: 'fuzz-alchemist', forms: ['caption'] },
  });
  for (const f of (ip.json as { forms?: { id: string }[] }).forms ?? []) real.formIds.push(f.id);
  const ws = await h.api('GET', '/v2/workers');
  for (const wk of (ws.json as { id: string }[] | undefined) ?? []) real.workerIds.push(wk.id);
});

afterAll(async () => {
  console.log(
    `security-fuzz: ${describeSeeds('fuzz', seedRuns('fuzz', RUNS))}; cases=${cases} statuses=${JSON.stringify(statusSeen)}`,
  );
  await fx?.dispose();
});

/** The contract every answer must keep, whatever was sent. */
function checkAnswer(res: RawResponse, what: string, method = 'GET'): void {
  statusSeen[res.status] = (statusSeen[res.status] ?? 0) + 1;
  if (res.status >= 500 || res.status < 200) {
    throw new Error(`${what} → ${res.status}: ${res.text.slice(0, 300)}`);
  }
  // A HEAD answer never has a body (one would break the client's parser on a kept-alive
  // connection); every other refusal, those of Node's HTTP parser (414, 431) included, has
  // {message, rc}.
  if (method === 'HEAD') {
    if (res.text !== '') throw new Error(`${what} → HEAD answered with a body: ${res.text.slice(0, 300)}`);
    return;
  }
  if (res.status >= 400) {
    const err = errorBody(res);
    if (!err) throw new Error(`${what} → ${res.status} without {message, rc}: ${res.text.slice(0, 300)}`);
    if (err.message.length === 0) throw new Error(`${what} → ${res.status} with an empty message`);
    const expected = (RC_STATUS as Record<string, number>)[err.rc];
    if (expected === undefined) throw new Error(`${what} → unknown rc ${err.rc}`);
    if (expected !== res.status)
      throw new Error(`${what} → rc ${err.rc} (${expected}) sent with status ${res.status}`);
  }
}

interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const keyArb = (): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    fc.constantFrom(...h.users.map((u) => u.apikey)),
    fc.constant('0000000000'),
    fc.constant(undefined),
    headerValue,
  );

const queryArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 1,
    arbitrary: fc
      .dictionary(fc.constantFrom('type', 'name', 'id', 'model', 'min_count', 'details', 'x'), nastyString, {
        maxKeys: 3,
      })
      .map((d) => '?' + new URLSearchParams(d).toString()),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('?type=text', '?type=image', '?type=', '?%', '?type=text&type=image'),
  },
);

function fuzzRequest(
  method: fc.Arbitrary<string>,
  path: fc.Arbitrary<string>,
  body: fc.Arbitrary<string | undefined>,
): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method,
      path,
      query: queryArb,
      apikey: keyArb(),
      idem: fc.option(headerValue, { nil: undefined }),
      agent: fc.option(headerValue, { nil: undefined }),
      contentType: fc.constantFrom(
        'application/json',
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
        undefined,
      ),
      body,
    })
    .map((r) => {
      const headers: Record<string, string> = {};
      if (r.apikey !== undefined) headers.apikey = r.apikey;
      if (r.idem !== undefined) headers['idempotency-key'] = r.idem;
      if (r.agent !== undefined) headers['client-agent'] = r.agent;
      if (r.contentType !== undefined && r.body !== undefined) headers['content-type'] = r.contentType;
      return { method: r.method, path: r.path, query: r.query, headers, body: r.body };
    });
}

/** A JSON body: mostly a mutation of a valid one, sometimes anything at all. */
function jsonBody(template: Record<string, unknown>): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 4, arbitrary: mutatedBody(template).map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: rawBody },
  );
}

async function send(r: FuzzRequest): Promise<RawResponse | undefined> {
  cases++;
  const what = `${r.method} ${(r.path + r.query).slice(0, 200)} ${JSON.stringify(r.headers).slice(0, 200)} ${String(r.body).slice(0, 200)}`;
  let res: RawResponse;
  try {
    res = await request({
      method: r.method,
      url: `${h.child.url}${r.path}${r.query}`,
      headers: r.headers,
      ...(r.body !== undefined ? { body: r.body } : {}),
      timeoutMs: REQUEST_TIMEOUT_MS,
      fresh: true,
    });
  } catch (e) {
    // A big body cut off by the server while we still write it is a refusal, not a hang.
    const early = e instanceof NoAnswer && e.code === 'EPIPE' && (r.body?.length ?? 0) > 1_000_000;
    if (early) {
      statusSeen.EPIPE = (statusSeen.EPIPE ?? 0) + 1;
      return undefined;
    }
    if (e instanceof NoAnswer) throw new Error(`${what}: ${e.message} (a hang or a crash)`, { cause: e });
    throw e;
  }
  checkAnswer(res, what, r.method);
  return res;
}

async function fuzz(arb: fc.Arbitrary<FuzzRequest>, runs = RUNS): Promise<void> {
  // The same seeds for every route; each seed's sequence of cases is fixed by the seed alone.
  for (const { seed, count } of seedRuns('fuzz', runs)) {
    try {
      await fc.assert(
        fc.asyncProperty(arb, async (r) => {
          await send(r);
        }),
        { numRuns: count, seed, endOnFailure: true },
      );
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new Error(`fuzz case failed with seed ${seed}; replay with FUZZ_SEED=${seed}\n${detail}`, {
        cause: err,
      });
    }
  }
  // The process must still be there and serving after every batch.
  expect(h.child.alive(), h.child.output().slice(-2000)).toBe(true);
  const hb = await h.api('GET', '/v2/status/heartbeat');
  expect(hb.status).toBe(200);
}

const idIn = (ids: () => string[]): fc.Arbitrary<string> => fc.constant(null).chain(() => pathId(ids()));

describe('every route answers hostile input with a 4xx and an rc, never a 5xx or a hang', () => {
  it('POST /v2/generate/text/async', async () => {
    await fuzz(
      fuzzRequest(
        fc.constant('POST'),
        fc.constant('/v2/generate/text/async'),
        jsonBody({
          prompt: 'hello',
          params: { n: 1, max_length: 64, max_context_length: 1024, temperature: 0.7, stop_sequence: ['\n'] },
          models: [HARNESS_MODEL],
          workers: [],
          trusted_workers: false,
          slow_workers: true,
          dry_run: true,
          softprompt: 'x',
          webhook: 'https://example.invalid/hook',
          extra_source_images: [{ image: TINY_PNG_B64, strength: 0.5 }],
        }),
      ),
    );
  });

  it('GET and DELETE /v2/generate/text/status/{id}', async () => {
    await fuzz(
      fuzzRequest(
        fc.constantFrom('GET', 'DELETE', 'GET'),
        idIn(() => real.requestIds).map((id) => `/v2/generate/text/status/${id}`),
        fc.constant(undefined),
      ),
    );
  });

  it('POST /v2/generate/text/pop', async () => {
    await fuzz(
      fuzzRequest(
        fc.constant('POST'),
        fc.constant('/v2/generate/text/pop'),
        jsonBody({
          name: 'fuzz-text-worker',
          models: [HARNESS_MODEL],
          max_length: 512,
          max_context_length: 2048,
          threads: 1,
          amount: 1,
          nsfw: false,
          priority_usernames: ['fuzz-requester#1'],
          bridge_agent: 'fuzz:1:none',
          softprompts: [],
        }),
      ),
    );
  });

  it('POST /v2/generate/text/submit', async () => {
    await fuzz(
      fuzzRequest(
        fc.constant('POST'),
        fc.constant('/v2/generate/text/submit'),
        fc.constant(null).chain(() =>
          jsonBody({
            id: real.jobIds[0] ?? 'none',
            generation: 'text',
            state: 'ok',
            seed: 1,
            gen_metadata: [{ type: 'censorship', value: 'csam', ref: 'x' }],
          }),
        ),
      ),
    );
  });

  it('POST /v2/interrogate/async (images of every wrong kind)', async () => {
    const body = fc.oneof(
      jsonBody({ forms: [{ name: 'caption', payload: {} }], source_image: TINY_PNG_B64, slow_workers: true }),
      fc
        .record({
          forms: fc.oneof(
            fc.constant([{ name: 'caption' }]),
            fc.array(
              fc.record({
                name: fc.oneof(
                  fc.constantFrom('caption', 'nsfw', 'strip_background', 'RealESRGAN_x4plus'),
                  nastyString,
                ),
              }),
              { maxLength: 15 },
            ),
          ),
          source_image: badImage,
        })
        .map((b) => JSON.stringify(b)),
    );
    await fuzz(fuzzRequest(fc.constant('POST'), fc.constant('/v2/interrogate/async'), body));
  });

  it('GET and DELETE /v2/interrogate/status/{id}', async () => {
    await fuzz(
      fuzzRequest(
        fc.constantFrom('GET', 'DELETE', 'GET'),
        idIn(() => real.requestIds).map((id) => `/v2/interrogate/status/${id}`),
        fc.constant(undefined),
      ),
    );
  });

  it('POST /v2/interrogate/pop and /submit', async () => {
    await fuzz(
      fuzzRequest(
        fc.constant('POST'),
        fc.constant('/v2/interrogate/pop'),
        jsonBody({
          name: 'fuzz-alchemist',
          forms: ['caption', 'nsfw'],
          amount: 1,
          threads: 1,
          max_tiles: 16,
        }),
      ),
    );
    await fuzz(
      fuzzRequest(
        fc.constant('POST'),
        fc.constant('/v2/interrogate/submit'),
        fc
          .constant(null)
          .chain(() =>
            jsonBody({ id: real.formIds[0] ?? 'none', result: { caption: 'a cat' }, state: 'ok' }),
          ),
      ),
    );
  });

  it('users and kudos: /v2/find_user, /v2/users/{id}, /v2/kudos/transfer', async () => {
    await fuzz(fuzzRequest(fc.constant('GET'), fc.constant('/v2/find_user'), fc.constant(undefined)));
    await fuzz(
      fuzzRequest(
        fc.constant('GET'),
        idIn(() => real.userIds).map((id) => `/v2/users/${id}`),
        fc.constant(undefined),
      ),
    );
    await fuzz(
      fuzzRequest(
        fc.constant('POST'),
        fc.constant('/v2/kudos/transfer'),
        fc.constant(null).chain(() => jsonBody({ username: h.users[2]!.username, amount: 1 })),
      ),
    );
  });

  it('workers and status routes', async () => {
    await fuzz(
      fuzzRequest(
        fc.constantFrom('GET', 'PUT', 'DELETE'),
        idIn(() => real.workerIds).map((id) => `/v2/workers/${id}`),
        jsonBody({
          maintenance: true,
          maintenance_msg: 'x',
          info: 'y',
          name: 'renamed',
          paused: false,
          team: 't',
        }),
      ),
    );
    await fuzz(
      fuzzRequest(
        fc.constant('GET'),
        fc.constantFrom('/v2/workers', '/v2/status/heartbeat', '/v2/status/models', '/v2/status/performance'),
        fc.constant(undefined),
      ),
    );
  });

  it('the upload stand-in: /v2/r2/source, /v2/r2/upload, /v2/r2/result', async () => {
    await fuzz(
      fc
        .record({
          req: fuzzRequest(
            fc.constantFrom('GET', 'PUT'),
            fc
              .tuple(
                fc.constantFrom('source', 'upload', 'result'),
                idIn(() => [...real.requestIds, ...real.formIds]),
              )
              .map(([kind, id]) => `/v2/r2/${kind}/${id}`),
            fc.oneof(
              rawBody,
              badImage.map((b) => Buffer.from(b, 'base64').toString('latin1')),
            ),
          ),
          type: fc.constantFrom(
            'image/png',
            'image/webp',
            'image/jpeg',
            'application/octet-stream',
            undefined,
          ),
          token: fc.option(headerValue, { nil: undefined }),
        })
        .map(({ req, type, token }) => ({
          ...req,
          query: token !== undefined ? `?token=${encodeURIComponent(token)}` : req.query,
          headers:
            type !== undefined && req.body !== undefined
              ? { ...req.headers, 'content-type': type }
              : req.headers,
        })),
    );
  });

  it('unknown routes and methods', async () => {
    await fuzz(
      fuzzRequest(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
        fc.oneof(
          fc.string({ maxLength: 30 }).map((s) => `/v2/${encodeURIComponent(s)}`),
          fc.constantFrom(
            '/v2/',
            '/v1/generate/async',
            '/v2/generate/text/async/../../find_user',
            '/v2//find_user',
            '/v2/generate/text/status/',
          ),
        ),
        rawBody,
      ),
    );
  });
});

describe('oversized and malformed payloads are refused early and explained', () => {
  const refusedBig = (res: RawResponse): void => {
    checkAnswer(res, 'oversized');
    expect([400, 413]).toContain(res.status);
  };

  it('a 3 MB prompt and a 40 MB image are refused with an rc', async () => {
    const [req] = h.users;
    refusedBig(
      await h.api('POST', '/v2/generate/text/async', {
        apikey: req!.apikey,
        body: { prompt: 'p'.repeat(3_000_000), models: [HARNESS_MODEL] },
      }),
    );
    // The horde may answer 413 and close while 40 MB are still being written: the client then
    // sees EPIPE or a reset instead of the answer. Either way the body was refused early.
    try {
      refusedBig(
        await h.api('POST', '/v2/interrogate/async', {
          apikey: req!.apikey,
          body: { forms: [{ name: 'caption' }], source_image: 'A'.repeat(40_000_000) },
          timeoutMs: 30_000,
        }),
      );
    } catch (e) {
      if (!(e instanceof NoAnswer && (e.code === 'EPIPE' || e.code === 'ECONNRESET'))) throw e;
    }
    expect(h.child.alive()).toBe(true);
    cases += 2;
  });

  it('a body announced at 1 GB is answered before it is sent', async () => {
    // Only the headers and a few bytes go out: an answer can come only if the horde refuses by
    // Content-Length instead of reading (and buffering) the body first.
    const url = new URL(h.child.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(Number(url.port), url.hostname);
      let got = '';
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`no answer to a 1 GB Content-Length; got ${JSON.stringify(got)}`));
      }, REQUEST_TIMEOUT_MS);
      sock.on('data', (d) => {
        got += d.toString('latin1');
        if (got.includes('\r\n\r\n')) {
          clearTimeout(timer);
          sock.destroy();
          resolve(got);
        }
      });
      sock.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      sock.write(
        `POST ${url.pathname}/v2/generate/text/async HTTP/1.1\r\nHost: ${url.host}\r\n` +
          `apikey: ${h.users[0]!.apikey}\r\ncontent-type: application/json\r\ncontent-length: 1000000000\r\n\r\n{"prompt":"`,
      );
    });
    cases++;
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
    expect([400, 413]).toContain(status);
  });

  it('malformed base64 and unsupported formats get ImageValidationFailed with an explanation', async () => {
    const [req] = h.users;
    const gif = Buffer.from('GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;', 'latin1').toString('base64');
    for (const source_image of ['%%%not-base64%%%', gif, TINY_PNG_B64.slice(0, 20)]) {
      const res = await h.api('POST', '/v2/interrogate/async', {
        apikey: req!.apikey,
        body: { forms: [{ name: 'caption' }], source_image },
      });
      cases++;
      checkAnswer(res, `source_image ${source_image.slice(0, 20)}`);
      expect(res.status).toBe(400);
      expect(errorBody(res)?.rc).toBe('ImageValidationFailed');
      expect(errorBody(res)?.message).toMatch(/PNG|JPEG|WebP|base64/);
    }
  });
});

describe('inputs that once broke the horde', () => {
  // Found by the properties above; kept as plain cases so they run whatever the seed.
  it('a transfer of more kudos than a number can hold is refused, not a 500', async () => {
    const [req, , other] = h.users;
    for (const amount of [1e15, 9007199254740.992, 1e308]) {
      const res = await h.api('POST', '/v2/kudos/transfer', {
        apikey: req!.apikey,
        body: { username: other!.username, amount },
      });
      cases++;
      checkAnswer(res, `transfer ${amount}`, 'POST');
      expect(res.status).toBe(400);
    }
  });

  it('a path with broken percent-encoding gets {message, rc}', async () => {
    for (const path of ['/v2/users/%E2%82', '/v2/generate/text/status/%', '/v2/workers/%zz']) {
      const res = await request({ method: 'GET', url: `${h.child.url}${path}`, fresh: true });
      cases++;
      checkAnswer(res, `GET ${path}`);
      expect(res.status).toBe(400);
    }
  });
});

describe('after the fuzzing', () => {
  it('the process is up, and the ledger replays to its balances with the total conserved', async () => {
    expect(h.child.alive(), h.child.output().slice(-2000)).toBe(true);
    const hb = await h.api('GET', '/v2/status/heartbeat');
    expect(hb.status).toBe(200);
    expect(ledgerViolations(readLedger(h.dbPath))).toEqual([]);
    // The horde's own verify agrees after a restart on the same file.
    await h.child.close();
    const again = await fx.start({ dbPath: h.dbPath, verifyOnStart: true });
    expect(again.child.ready.verify?.ok).toBe(true);
    await again.child.close();
  });
});
