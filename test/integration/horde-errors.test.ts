import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestHorde, sdkError, type TestHorde } from './horde-testkit';

/** What a client sees for bad input: the AI Horde's status and rc, never a 500. */
let t: TestHorde;
let small: TestHorde;
const MAX_PROMPT = 200;
const BODY_LIMIT = 64 * 1024;
const RATE = 5;

beforeAll(async () => {
  t = await openTestHorde({ maxPromptChars: MAX_PROMPT, bodyLimitBytes: BODY_LIMIT });
  small = await openTestHorde({ rateLimitMax: RATE, rateLimitWindowMs: 60_000 });
});
afterAll(async () => {
  await t.close();
  await small.close();
});

describe('malformed bodies', () => {
  it('answers 400 BadRequest for invalid JSON, wrong types, missing and out-of-range fields', async () => {
    const u = t.user('malformed', 10);
    const cases: [string, { rawBody?: string; body?: unknown }][] = [
      ['/generate/text/async', { rawBody: '{"prompt": "unterminated' }],
      ['/generate/text/async', { body: { prompt: 'x', params: { max_length: 'long' } } }],
      ['/generate/text/async', { body: { params: { max_length: 32 } } }],
      ['/generate/text/async', { body: { prompt: 'x', params: { n: 21 } } }],
      ['/generate/text/async', { body: ['not', 'an', 'object'] }],
      ['/generate/text/pop', { body: { models: ['m'] } }],
      ['/generate/text/submit', { body: { generation: 'no id' } }],
      ['/interrogate/async', { body: { forms: [] } }],
      ['/kudos/transfer', { body: { username: 5 } }],
    ];
    for (const [path, o] of cases) {
      const res = await t.call('POST', path, { key: u.apikey, ...o });
      expect({ path, status: res.status, rc: res.body?.rc }).toEqual({ path, status: 400, rc: 'BadRequest' });
      expect(typeof res.body.message).toBe('string');
    }
  });

  it('refuses an empty prompt (MissingPrompt) and an oversized one (InvalidPromptSize)', async () => {
    const u = t.user('prompter', 10);
    expect(
      await t.call('POST', '/generate/text/async', { key: u.apikey, body: { prompt: '' } }),
    ).toMatchObject({
      status: 400,
      body: { rc: 'MissingPrompt' },
    });
    expect(
      await t.call('POST', '/generate/text/async', {
        key: u.apikey,
        body: { prompt: 'x'.repeat(MAX_PROMPT + 1) },
      }),
    ).toMatchObject({
      status: 400,
      body: { rc: 'InvalidPromptSize' },
    });
    const accepted = await t.call('POST', '/generate/text/async', {
      key: u.apikey,
      body: { prompt: 'x'.repeat(MAX_PROMPT) },
    });
    expect(accepted.status).toBe(202);
  });

  it('answers 413 PayloadTooLarge for a body over the limit', async () => {
    const u = t.user('big-body');
    const res = await t.call('POST', '/interrogate/async', {
      key: u.apikey,
      body: { source_image: 'A'.repeat(BODY_LIMIT + 1), forms: [{ name: 'caption' }] },
    });
    expect(res).toMatchObject({ status: 413, body: { rc: 'PayloadTooLarge' } });
  });
});

describe('hostile values', () => {
  it('answers {message, rc} for a URL with broken percent-encoding and for absurd amounts', async () => {
    const res = await fetch(`${t.horde.url}/v2/users/%E2%82`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ rc: 'BadRequest' });
    const u = t.user('absurd', 1);
    const other = t.user('absurd-to');
    for (const amount of [1e15, 1e308]) {
      expect(
        await t.call('POST', '/kudos/transfer', {
          key: u.apikey,
          body: { username: other.username, amount },
        }),
      ).toMatchObject({
        status: 400,
        body: { rc: 'BadRequest' },
      });
    }
  });
});

describe('unknown ids', () => {
  it('answers 404 with the route’s rc', async () => {
    const owner = t.user('ids-owner');
    expect(await t.call('GET', '/generate/text/status/no-such-id')).toMatchObject({
      status: 404,
      body: { rc: 'RequestNotFound' },
    });
    expect(await t.call('DELETE', '/generate/text/status/no-such-id')).toMatchObject({
      status: 404,
      body: { rc: 'RequestNotFound' },
    });
    expect(await t.call('GET', '/interrogate/status/no-such-id')).toMatchObject({
      status: 404,
      body: { rc: 'RequestNotFound' },
    });
    expect(
      await t.call('POST', '/generate/text/submit', {
        key: owner.apikey,
        body: { id: 'no-such-job', generation: 'x' },
      }),
    ).toMatchObject({ status: 404, body: { rc: 'InvalidJobID' } });
    expect(
      await t.call('POST', '/interrogate/submit', {
        key: owner.apikey,
        body: { id: 'no-such-form', result: {} },
      }),
    ).toMatchObject({
      status: 404,
      body: { rc: 'InvalidJobID' },
    });
    expect(await t.call('GET', '/workers/no-such-worker')).toMatchObject({
      status: 404,
      body: { rc: 'WorkerNotFound' },
    });
    expect(await t.call('GET', '/users/424242')).toMatchObject({ status: 404, body: { rc: 'UserNotFound' } });
    expect(await t.call('GET', '/users/db0')).toMatchObject({ status: 404, body: { rc: 'UserNotFound' } });
    expect(await t.call('GET', '/no/such/route')).toMatchObject({ status: 404, body: { rc: 'NotFound' } });
    expect(await sdkError(t.sdk().getTextGenerationStatus('nope', { force: true }))).toEqual({
      status: 404,
      rc: 'RequestNotFound',
    });
  });
});

describe('bad API keys', () => {
  it('answers 401 InvalidAPIKey wherever a key is checked (find_user: see horde-fidelity)', async () => {
    const bad = 'not-a-real-key';
    for (const [method, path, body] of [
      ['POST', '/generate/text/async', { prompt: 'x' }],
      ['POST', '/generate/text/pop', { name: 'w', models: ['m'] }],
      ['POST', '/generate/text/submit', { id: 'x', generation: 'x' }],
      ['POST', '/interrogate/pop', { name: 'w', forms: ['caption'] }],
      ['POST', '/kudos/transfer', { username: 'a#1', amount: 1 }],
    ] as const) {
      const res = await t.call(method, path, { key: bad, ...(body ? { body } : {}) });
      expect({ path, status: res.status, rc: res.body?.rc }).toEqual({
        path,
        status: 401,
        rc: 'InvalidAPIKey',
      });
    }
    // find_user answers a key of nobody 404 UserNotFound, as the AI Horde does.
    expect(await sdkError(t.sdk(bad).findUser({ token: bad }))).toEqual({ status: 404, rc: 'UserNotFound' });
  });

  it('refuses a worker submitting a job popped under another key (WrongCredentials)', async () => {
    const u = t.user('wc-req', 10);
    const owner = t.user('wc-owner');
    const thief = t.user('wc-thief');
    await t.call('POST', '/generate/text/async', {
      key: u.apikey,
      body: { prompt: 'mine', models: ['wc-model'] },
    });
    const pop = await t.call('POST', '/generate/text/pop', {
      key: owner.apikey,
      body: { name: 'wc-worker', models: ['wc-model'] },
    });
    expect(pop.body.id).toBeTruthy();
    expect(
      await t.call('POST', '/generate/text/submit', {
        key: thief.apikey,
        body: { id: pop.body.id, generation: 'x' },
      }),
    ).toMatchObject({
      status: 403,
      body: { rc: 'WrongCredentials' },
    });
    expect(
      await t.call('POST', '/generate/text/pop', {
        key: thief.apikey,
        body: { name: 'wc-worker', models: ['wc-model'] },
      }),
    ).toMatchObject({
      status: 403,
      body: { rc: 'WrongCredentials' },
    });
  });
});

describe('rate limit', () => {
  it('answers 429 with an rc once a key exceeds its rate', async () => {
    const u = small.user('hasty');
    const statuses: number[] = [];
    let last: { status: number; body: { rc?: string } } = { status: 0, body: {} };
    for (let i = 0; i < RATE + 1; i++) {
      last = await small.call('GET', '/find_user', { key: u.apikey });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, RATE).every((s) => s === 200)).toBe(true);
    expect(last).toMatchObject({ status: 429, body: { rc: 'TooManyRequests' } });
    // Another key has its own budget.
    const other = small.user('patient');
    expect((await small.call('GET', '/find_user', { key: other.apikey })).status).toBe(200);
  });

  it('counts made-up keys against the IP, so a new key per request does not dodge it', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < RATE * 2; i++)
      statuses.push((await small.call('GET', '/find_user', { key: `made-up-${i}` })).status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(RATE);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(RATE);
  });
});
