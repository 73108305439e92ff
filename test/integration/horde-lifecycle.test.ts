import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textJobKudos } from '../../shared/kudos/pricing';
import {
  accrueUptime,
  INITIAL_UPTIME_STATE,
  uptimeReward,
  type UptimeState,
} from '../../shared/kudos/uptime';
import { FREE_TOKENS_MAX, upfrontKudosRequired } from '../../shared/kudos/upfront';
import { fromKudos } from '../../shared/ledger/money';
import { DEFAULT_LIMITS } from '../../electron/horde/index';
import { openTestHorde, type TestHorde } from './horde-testkit';

/** Timeouts, faults, expiry, uptime and restarts, with the horde's clock moved by the test. */
let t: TestHorde;
beforeAll(async () => {
  t = await openTestHorde();
});
afterAll(async () => {
  await t.close();
});

const popBody = (name: string, model: string) => ({
  name,
  models: [model],
  max_length: 512,
  max_context_length: 2048,
});

async function kudosOf(key: string): Promise<number> {
  return fromKudos((await t.call('GET', '/find_user', { key })).body.kudos);
}

describe('job lifecycle', () => {
  it('serves a popped job left unsubmitted again after the timeout; the late submit earns nothing', async () => {
    const u = t.user('slow-req', 100);
    const slow = t.user('slow-owner');
    const fast = t.user('fast-owner');
    const { body: req } = await t.call('POST', '/generate/text/async', {
      key: u.apikey,
      body: {
        prompt: 'take your time',
        params: { max_length: 32, max_context_length: 1024 },
        models: ['lc-model'],
      },
    });
    const first = await t.call('POST', '/generate/text/pop', {
      key: slow.apikey,
      body: popBody('slow-worker', 'lc-model'),
    });
    expect(first.body.id).toBeTruthy();
    // Just inside the limit nothing moves.
    t.clock.advance((DEFAULT_LIMITS.textJobTtlS - 1) * 1000);
    expect(
      (
        await t.call('POST', '/generate/text/pop', {
          key: fast.apikey,
          body: popBody('fast-worker', 'lc-model'),
        })
      ).body.id,
    ).toBeNull();
    t.clock.advance(2000);
    const second = await t.call('POST', '/generate/text/pop', {
      key: fast.apikey,
      body: popBody('fast-worker', 'lc-model'),
    });
    expect(second.body.id).toBeTruthy();
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.payload.prompt).toBe('take your time');

    const late = await t.call('POST', '/generate/text/submit', {
      key: slow.apikey,
      body: { id: first.body.id, generation: 'late' },
    });
    expect(late).toMatchObject({ status: 400, body: { rc: 'AbortedGen' } });
    const onTime = await t.call('POST', '/generate/text/submit', {
      key: fast.apikey,
      body: { id: second.body.id, generation: 'on time' },
    });
    expect(fromKudos(onTime.body.reward)).toBe(
      fromKudos(textJobKudos({ model: 'lc-model', maxLength: 32, maxContextLength: 1024 })),
    );

    const status = (await t.call('GET', `/generate/text/status/${req.id}`)).body;
    expect(status).toMatchObject({ done: true, finished: 1, restarted: 1, faulted: false });
    expect(await kudosOf(slow.apikey)).toBe(0);
    const slowWorker = (await t.call('GET', '/workers?type=text')).body.find(
      (w: { name: string }) => w.name === 'slow-worker',
    );
    expect(slowWorker.uncompleted_jobs).toBe(1);
  });

  it('faults a request after three failed jobs and releases its hold', async () => {
    const maxLength = FREE_TOKENS_MAX + 1;
    const hold = upfrontKudosRequired({ models: ['fault-model'], maxLength });
    const u = t.user('fault-req', hold);
    const owner = t.user('fault-owner');
    const { body: req } = await t.call('POST', '/generate/text/async', {
      key: u.apikey,
      body: {
        prompt: 'doomed',
        params: { max_length: maxLength, max_context_length: 1024 },
        models: ['fault-model'],
      },
    });
    expect(req.id).toBeTruthy();
    for (let i = 0; i < DEFAULT_LIMITS.maxFaults; i++) {
      const pop = await t.call('POST', '/generate/text/pop', {
        key: owner.apikey,
        body: { ...popBody('fault-worker', 'fault-model'), max_length: 1024 },
      });
      expect(pop.body.id).toBeTruthy();
      const sub = await t.call('POST', '/generate/text/submit', {
        key: owner.apikey,
        body: { id: pop.body.id, generation: '', state: 'faulted' },
      });
      expect(sub).toMatchObject({ status: 200, body: { reward: 0 } });
    }
    const status = (await t.call('GET', `/generate/text/status/${req.id}`)).body;
    expect(status).toMatchObject({
      faulted: true,
      done: true,
      finished: 0,
      restarted: DEFAULT_LIMITS.maxFaults,
    });
    // Nothing was charged and the hold is gone: the same request fits again.
    expect(await kudosOf(u.apikey)).toBe(fromKudos(hold));
    const again = await t.call('POST', '/generate/text/async', {
      key: u.apikey,
      body: {
        prompt: 'doomed',
        params: { max_length: maxLength, max_context_length: 1024 },
        models: ['fault-model'],
      },
    });
    expect(again.status).toBe(202);
    await t.call('DELETE', `/generate/text/status/${again.body.id}`);
  });

  it('expires a request nobody served after 20 minutes, releasing its hold', async () => {
    const maxLength = FREE_TOKENS_MAX + 1;
    const hold = upfrontKudosRequired({ models: ['nobody-serves'], maxLength });
    const u = t.user('expire-req', hold);
    const body = {
      prompt: 'lonely',
      params: { max_length: maxLength, max_context_length: 1024 },
      models: ['nobody-serves'],
    };
    const { body: req } = await t.call('POST', '/generate/text/async', { key: u.apikey, body });
    const waiting = (await t.call('GET', `/generate/text/status/${req.id}`)).body;
    expect(waiting).toMatchObject({ done: false, waiting: 1, is_possible: false });
    expect((await t.call('POST', '/generate/text/async', { key: u.apikey, body })).body.rc).toBe(
      'KudosUpfront',
    );
    t.clock.advance(DEFAULT_LIMITS.requestTtlS * 1000 + 1000);
    expect(await t.call('GET', `/generate/text/status/${req.id}`)).toMatchObject({
      status: 404,
      body: { rc: 'RequestNotFound' },
    });
    const again = await t.call('POST', '/generate/text/async', { key: u.apikey, body });
    expect(again.status).toBe(202);
    await t.call('DELETE', `/generate/text/status/${again.body.id}`);
  });

  it('pays the owner the uptime reward for each 600 s of continuous check-ins', async () => {
    const owner = t.user('uptime-owner');
    const body = { name: 'uptime-worker', models: ['gpt2'], max_length: 256, max_context_length: 2048 };
    let state: UptimeState = INITIAL_UPTIME_STATE;
    let rewards = 0;
    for (let i = 0; i <= 25; i++) {
      await t.call('POST', '/generate/text/pop', { key: owner.apikey, body });
      const accrual = accrueUptime(state, t.clock.now);
      state = accrual.state;
      rewards += accrual.intervals;
      t.clock.advance(60_000);
    }
    expect(rewards).toBeGreaterThanOrEqual(2);
    const each = fromKudos(uptimeReward({ maxContextLength: 2048, model: 'gpt2' }));
    expect(await kudosOf(owner.apikey)).toBe(rewards * each);
    // A worker back from stale starts counting again.
    t.clock.advance((DEFAULT_LIMITS.workerStaleS + 1) * 1000);
    for (let i = 0; i < 5; i++) {
      await t.call('POST', '/generate/text/pop', { key: owner.apikey, body });
      t.clock.advance(60_000);
    }
    expect(await kudosOf(owner.apikey)).toBe(rewards * each);
    expect(t.horde.admin.verify().ok).toBe(true);
  });
});

describe('restart', () => {
  it('loses nothing: users, balances, finished and queued requests survive close + start on the same file', async () => {
    const u = t.user('restart-req', 40);
    const owner = t.user('restart-owner');
    const params = { max_length: 32, max_context_length: 1024 };
    const done = await t.call('POST', '/generate/text/async', {
      key: u.apikey,
      body: { prompt: 'first', params, models: ['rs-model'] },
    });
    const pop = await t.call('POST', '/generate/text/pop', {
      key: owner.apikey,
      body: popBody('restart-worker', 'rs-model'),
    });
    await t.call('POST', '/generate/text/submit', {
      key: owner.apikey,
      body: { id: pop.body.id, generation: 'kept' },
    });
    const queued = await t.call('POST', '/generate/text/async', {
      key: u.apikey,
      body: { prompt: 'second', params, models: ['rs-model'] },
    });
    const inFlight = await t.call('POST', '/generate/text/async', {
      key: u.apikey,
      body: { prompt: 'third', params, models: ['rs-model'] },
    });
    const popped = await t.call('POST', '/generate/text/pop', {
      key: owner.apikey,
      body: popBody('restart-worker', 'rs-model'),
    });
    expect(popped.body.payload.prompt).toBe('second');
    const balances = [await kudosOf(u.apikey), await kudosOf(owner.apikey)];

    await t.restart();

    expect([await kudosOf(u.apikey), await kudosOf(owner.apikey)]).toEqual(balances);
    expect((await t.call('GET', `/generate/text/status/${done.body.id}`)).body).toMatchObject({
      done: true,
      generations: [{ text: 'kept' }],
    });
    // The job popped before the restart can still be submitted, and paid, after it.
    const sub = await t.call('POST', '/generate/text/submit', {
      key: owner.apikey,
      body: { id: popped.body.id, generation: 'after' },
    });
    expect(sub.status).toBe(200);
    expect((await t.call('GET', `/generate/text/status/${queued.body.id}`)).body).toMatchObject({
      done: true,
    });
    const next = await t.call('POST', '/generate/text/pop', {
      key: owner.apikey,
      body: popBody('restart-worker', 'rs-model'),
    });
    expect(next.body.payload.prompt).toBe('third');
    expect(inFlight.body.id).toBeTruthy();
    expect(t.horde.admin.verify()).toMatchObject({ ok: true, differences: [] });
  });
});
