import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RC_STATUS } from '../../shared/api/common';
import { quickTokenCount, textJobKudos } from '../../shared/kudos/pricing';
import { pyRound } from '../../shared/kudos/round';
import { asMilli, fromKudos, toKudos } from '../../shared/ledger/money';
import { startHorde } from '../../electron/horde/index';
import { PNG_1X1, openTestHorde, type TestHorde } from './horde-testkit';

/**
 * One test per answer where the embedded horde used to differ from the AI
 * Horde (horde/validation.py, horde/apis/v2/base.py and kobold.py): status,
 * rc and body shape as the AI Horde gives them. The table in
 * electron/horde/README.md lists the same cases.
 */
let t: TestHorde;
beforeAll(async () => {
  t = await openTestHorde({ rateLimitMax: 1000 });
});
afterAll(async () => {
  await t.close();
});

const textAsync = (body: object, key = '0000000000') => t.call('POST', '/generate/text/async', { key, body });

/** The refusal a client sees: status, rc, and a message to show. */
function expectRefusal(
  res: { status: number; body: { rc?: string; message?: string } },
  rc: keyof typeof RC_STATUS,
) {
  expect({ status: res.status, rc: res.body?.rc }).toEqual({ status: RC_STATUS[rc], rc });
  expect(typeof res.body.message).toBe('string');
  expect(res.body.message!.length).toBeGreaterThan(0);
}

describe('text parameters refused with the AI Horde rc', () => {
  it('TokenOverflow: max_length above max_context_length', async () => {
    expectRefusal(
      await textAsync({ prompt: 'x', params: { max_length: 512, max_context_length: 256 } }),
      'TokenOverflow',
    );
    expect(
      (await textAsync({ prompt: 'x', params: { max_length: 256, max_context_length: 256 } })).status,
    ).toBe(202);
  });

  it('MissingFullSamplerOrder: a custom sampler order naming fewer than the 7 samplers', async () => {
    const res = await textAsync({ prompt: 'x', params: { sampler_order: [6, 0, 1, 1, 1, 1, 1] } });
    expectRefusal(res, 'MissingFullSamplerOrder');
    expect((await textAsync({ prompt: 'x', params: { sampler_order: [6, 0, 1, 3, 4, 2, 5] } })).status).toBe(
      202,
    );
  });

  it('TooManyStopSequences: more than 128 distinct stop sequences (repeats count once)', async () => {
    const many = Array.from({ length: 129 }, (_, i) => `s${i}`);
    expectRefusal(await textAsync({ prompt: 'x', params: { stop_sequence: many } }), 'TooManyStopSequences');
    const repeated = [...many.slice(0, 100), ...many.slice(0, 100)];
    expect((await textAsync({ prompt: 'x', params: { stop_sequence: repeated } })).status).toBe(202);
  });

  it('ExcessiveStopSequence: stop sequences over 2000 characters in all', async () => {
    const long = ['a'.repeat(1000), 'b'.repeat(1001)];
    expectRefusal(await textAsync({ prompt: 'x', params: { stop_sequence: long } }), 'ExcessiveStopSequence');
  });

  it('NulByteInPayload: a NUL byte anywhere in a JSON body, on any route', async () => {
    expectRefusal(await textAsync({ prompt: 'hello\u0000world' }), 'NulByteInPayload');
    expectRefusal(
      await textAsync({ prompt: 'x', params: { stop_sequence: ['\u0000'] } }),
      'NulByteInPayload',
    );
    const u = t.user('nul-sender', 5);
    expectRefusal(
      await t.call('POST', '/kudos/transfer', { key: u.apikey, body: { username: 'a\u0000#1', amount: 1 } }),
      'NulByteInPayload',
    );
  });

  it('InvalidExtraSourceImages: a text request with extra source images', async () => {
    const res = await textAsync({ prompt: 'x', extra_source_images: [{ image: PNG_1X1 }] });
    expectRefusal(res, 'InvalidExtraSourceImages');
  });

  it('OnlyServiceAccountProxy and RequiresTrust: proxied_account, and disable_batching for the untrusted', async () => {
    const u = t.user('plain-user', 50, { trusted: false });
    expectRefusal(
      await textAsync({ prompt: 'x', proxied_account: 'someone' }, u.apikey),
      'OnlyServiceAccountProxy',
    );
    expectRefusal(
      await textAsync({ prompt: 'x', params: { n: 2 }, disable_batching: true }, u.apikey),
      'RequiresTrust',
    );
    expect(
      (await textAsync({ prompt: 'x', params: { n: 1 }, disable_batching: true }, u.apikey)).status,
    ).toBe(202);
  });

  it('MissingPrompt only for an empty prompt: a prompt of spaces is a prompt', async () => {
    expectRefusal(await textAsync({ prompt: '' }), 'MissingPrompt');
    expect((await textAsync({ prompt: '   ' })).status).toBe(202);
  });
});

describe('users', () => {
  it('find_user: no key is 401 InvalidAPIKey, a key of nobody is 404 UserNotFound', async () => {
    expectRefusal(await t.call('GET', '/find_user'), 'InvalidAPIKey');
    expectRefusal(await t.call('GET', '/find_user', { key: 'not-a-real-key' }), 'UserNotFound');
    const u = t.user('found');
    const me = await t.call('GET', '/find_user', { key: u.apikey });
    expect(me).toMatchObject({ status: 200, body: { username: u.username, id: u.id } });
  });

  it('users/{id}: a non-numeric or unknown id is 404 UserNotFound, a wrong key 401 InvalidAPIKey', async () => {
    const u = t.user('looked-up');
    expectRefusal(await t.call('GET', `/users/${encodeURIComponent(u.username)}`), 'UserNotFound');
    expectRefusal(await t.call('GET', '/users/999999'), 'UserNotFound');
    expectRefusal(await t.call('GET', `/users/${u.id}`, { key: 'not-a-real-key' }), 'InvalidAPIKey');
    expect(await t.call('GET', `/users/${u.id}`, { key: u.apikey })).toMatchObject({
      status: 200,
      body: { id: u.id, username: u.username },
    });
    expect((await t.call('GET', `/users/${u.id}`)).status).toBe(200);
  });

  it("the anonymous user's account_age is the horde's age, not the time since 1970", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'horde-age-'));
    const horde = await startHorde({ dbPath: join(dir, 'h.db'), limits: { sweepIntervalMs: 0 } });
    try {
      const res = await fetch(`${horde.url}/v2/users/0`);
      const anon = (await res.json()) as { account_age: number; username: string };
      expect(anon.username).toBe('Anonymous#0');
      // Created with the database a moment ago (the test's own runtime bounds it).
      expect(anon.account_age).toBeGreaterThanOrEqual(0);
      expect(anon.account_age).toBeLessThan(120);
      expect(Number.isInteger(anon.account_age)).toBe(true);
    } finally {
      await horde.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('answers', () => {
  it('a dry run quotes whole kudos, as the AI Horde rounds them', async () => {
    const params = { max_length: 100, max_context_length: 2048, n: 3 };
    const res = await textAsync({ prompt: 'x', params, models: ['gpt2'], dry_run: true });
    expect(res.status).toBe(200);
    const exact = toKudos(
      asMilli(fromKudos(textJobKudos({ model: 'gpt2', maxLength: 100, maxContextLength: 2048 })) * 3),
    );
    expect(Number.isInteger(exact)).toBe(false); // the case is one where rounding shows
    expect(res.body).toEqual({ kudos: pyRound(exact, 0) });
  });

  it('a text worker that fulfilled jobs reports "N.N tokens per second", an alchemist "N.N seconds per form"', async () => {
    // A horde of its own: the other tests leave model-less requests any worker would pop.
    const outer = t;
    t = await openTestHorde();
    try {
      await workerPerformance();
    } finally {
      await t.close();
      t = outer;
    }
  });
});

/** Pop, wait, submit on the fake clock, and read the performance string of /v2/workers. */
async function workerPerformance(): Promise<void> {
  const owner = t.user('perf-owner');
  const requester = t.user('perf-req', 100);
  const before = await t.call('POST', '/generate/text/pop', {
    key: owner.apikey,
    body: { name: 'perf-text', models: ['perf-model'] },
  });
  expect(before.body.id).toBeNull();
  const fresh = (await t.call('GET', '/workers?type=text&name=perf-text')).body[0];
  expect(fresh.performance).toBe('No requests fulfilled yet');

  await textAsync({ prompt: 'p', params: { max_length: 64 }, models: ['perf-model'] }, requester.apikey);
  const pop = await t.call('POST', '/generate/text/pop', {
    key: owner.apikey,
    body: { name: 'perf-text', models: ['perf-model'], max_length: 512 },
  });
  expect(pop.body.id).toBeTruthy();
  // Well under a second of work: the rate must still show (it used to round to 0 s).
  t.clock.advance(400);
  const generation = 'one two three four five six seven eight nine ten';
  const sub = await t.call('POST', '/generate/text/submit', {
    key: owner.apikey,
    body: { id: pop.body.id, generation },
  });
  expect(sub.status).toBe(200);
  const text = (await t.call('GET', '/workers?type=text&name=perf-text')).body[0];
  const rate = quickTokenCount(generation, 64) / 0.4;
  expect(text.performance).toBe(`${rate.toFixed(1)} tokens per second`);

  await t.call('POST', '/interrogate/async', {
    key: requester.apikey,
    body: { source_image: PNG_1X1, forms: [{ name: 'caption' }] },
  });
  const ipop = await t.call('POST', '/interrogate/pop', {
    key: owner.apikey,
    body: { name: 'perf-alchemist', forms: ['caption'] },
  });
  expect(ipop.body.forms).toHaveLength(1);
  t.clock.advance(2500);
  const isub = await t.call('POST', '/interrogate/submit', {
    key: owner.apikey,
    body: { id: ipop.body.forms[0].id, result: { caption: 'a cat' } },
  });
  expect(isub.status).toBe(200);
  const alchemist = (await t.call('GET', '/workers?type=interrogation&name=perf-alchemist')).body[0];
  expect(alchemist.performance).toBe('2.5 seconds per form');
}
