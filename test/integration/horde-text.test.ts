import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textJobKudos } from '../../shared/kudos/pricing';
import { pyRound } from '../../shared/kudos/round';
import { FREE_TOKENS_MAX, upfrontKudosRequired } from '../../shared/kudos/upfront';
import { fromKudos, toKudos, asMilli } from '../../shared/ledger/money';
import { openTestHorde, sdkError, type TestHorde } from './horde-testkit';

/**
 * The text round trip over real HTTP with the public SDK as requester and as
 * worker, against a real SQLite file.
 */
let t: TestHorde;
beforeAll(async () => {
  t = await openTestHorde();
});
afterAll(async () => {
  await t.close();
});

const jobKudos = (model: string, maxLength: number, maxContextLength: number) =>
  fromKudos(textJobKudos({ model, maxLength, maxContextLength }));

async function balance(key: string): Promise<number> {
  const me = await t.sdk(key).findUser({ token: key });
  return fromKudos(me.kudos ?? NaN);
}

describe('text generation through the SDK', () => {
  it('goes async → pop → submit → done, and moves exactly the job kudos once', async () => {
    const requester = t.user('reqtext', 50);
    const owner = t.user('ownertext');
    const client = t.sdk(requester.apikey);
    const worker = t.sdk(owner.apikey);

    const queued = await client.postAsyncTextGenerate(
      {
        prompt: 'Once upon a time',
        params: { max_length: 64, max_context_length: 1024, n: 1 },
        models: ['gpt2'],
      },
      { token: requester.apikey },
    );
    expect(queued.id).toBeTruthy();
    const k = jobKudos('gpt2', 64, 1024);
    expect(fromKudos(queued.kudos ?? NaN)).toBe(k);

    const pop = await worker.postTextGenerationPop(
      // The SDK's PopInputKobold type lacks max_length/max_context_length, which the server reads; it sends the body as given.
      {
        name: 'text-worker-1',
        models: ['gpt2'],
        max_length: 512,
        max_context_length: 2048,
        bridge_agent: 'horde-desktop:0.1:test',
      } as never,
      { token: owner.apikey },
    );
    expect(pop.id).toBeTruthy();
    expect(pop.payload?.prompt).toBe('Once upon a time');
    expect(pop.payload?.max_length).toBe(64);
    expect(pop.model).toBe('gpt2');

    const before = await balance(requester.apikey);
    const submitted = await worker.postTextGenerationSubmit(
      { id: pop.id!, generation: ' there was a horde.', state: 'ok', seed: 42 } as never,
      { token: owner.apikey },
    );
    expect(fromKudos(submitted.reward ?? NaN)).toBe(k);

    const again = await sdkError(
      worker.postTextGenerationSubmit({ id: pop.id!, generation: 'again', state: 'ok' } as never, {
        token: owner.apikey,
      }),
    );
    expect(again).toEqual({ status: 400, rc: 'DuplicateGen' });

    const status = await client.getTextGenerationStatus(queued.id!, { force: true });
    expect(status.done).toBe(true);
    expect(status.finished).toBe(1);
    expect(status.generations?.[0]?.text).toBe(' there was a horde.');
    expect(status.generations?.[0]?.worker_name).toBe('text-worker-1');
    expect(fromKudos(status.kudos ?? NaN)).toBe(k);

    expect(await balance(requester.apikey)).toBe(before - k);
    expect(await balance(owner.apikey)).toBe(k);
    expect(t.horde.admin.verify()).toMatchObject({ ok: true, total: 0, differences: [] });
  });

  it('refuses a request beyond the free threshold without kudos (KudosUpfront), accepts it with them', async () => {
    const poor = t.user('poor');
    const maxLength = FREE_TOKENS_MAX + 1;
    const body = {
      prompt: 'long one',
      params: { max_length: maxLength, max_context_length: 1024 },
      models: ['gpt2'],
    };
    expect(await sdkError(t.sdk(poor.apikey).postAsyncTextGenerate(body, { token: poor.apikey }))).toEqual({
      status: 403,
      rc: 'KudosUpfront',
    });
    const anon = await t.call('POST', '/generate/text/async', { key: '0000000000', body });
    expect(anon).toMatchObject({ status: 403, body: { rc: 'KudosUpfront' } });

    const needed = upfrontKudosRequired({ models: ['gpt2'], maxLength });
    const rich = t.user('rich', needed);
    const ok = await t.sdk(rich.apikey).postAsyncTextGenerate(body, { token: rich.apikey });
    expect(ok.id).toBeTruthy();
    // The hold makes the rest unavailable: a second such request is refused.
    expect(await sdkError(t.sdk(rich.apikey).postAsyncTextGenerate(body, { token: rich.apikey }))).toEqual({
      status: 403,
      rc: 'KudosUpfront',
    });
    // Cancelling releases the hold, so the same request fits again.
    await t.sdk(rich.apikey).deleteTextGenerationRequest(ok.id!);
    const again = await t.sdk(rich.apikey).postAsyncTextGenerate(body, { token: rich.apikey });
    expect(again.id).toBeTruthy();
    await t.sdk(rich.apikey).deleteTextGenerationRequest(again.id!);
  });

  it('quotes a dry run without queueing anything', async () => {
    const u = t.user('dry');
    const res = await t.call('POST', '/generate/text/async', {
      key: u.apikey,
      body: {
        prompt: 'x',
        params: { max_length: 100, max_context_length: 2048, n: 3 },
        models: ['gpt2'],
        dry_run: true,
      },
    });
    expect(res.status).toBe(200);
    // Whole kudos, as the AI Horde answers a dry run.
    expect(res.body.kudos).toBe(pyRound(toKudos(asMilli(jobKudos('gpt2', 100, 2048) * 3)), 0));
    expect(res.body.id).toBeUndefined();
  });

  it('serves the richer requester first, anonymous last, then by age', async () => {
    const owner = t.user('prio-owner');
    const poorer = t.user('poorer', 5);
    const richer = t.user('richer', 500);
    const params = { max_length: 32, max_context_length: 1024 };
    await t.call('POST', '/generate/text/async', {
      key: '0000000000',
      body: { prompt: 'anon', params, models: ['prio-model'] },
    });
    await t.call('POST', '/generate/text/async', {
      key: poorer.apikey,
      body: { prompt: 'poorer', params, models: ['prio-model'] },
    });
    await t.call('POST', '/generate/text/async', {
      key: richer.apikey,
      body: { prompt: 'richer', params, models: ['prio-model'] },
    });
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const pop = await t
        .sdk(owner.apikey)
        .postTextGenerationPop(
          { name: 'prio-worker', models: ['prio-model'], max_length: 512, max_context_length: 2048 } as never,
          { token: owner.apikey },
        );
      order.push(pop.payload?.prompt ?? '(none)');
      await t
        .sdk(owner.apikey)
        .postTextGenerationSubmit({ id: pop.id!, generation: 'ok' } as never, { token: owner.apikey });
    }
    expect(order).toEqual(['richer', 'poorer', 'anon']);
  });

  it('answers an empty pop with the reasons jobs were skipped', async () => {
    const owner = t.user('skip-owner');
    const u = t.user('skip-req', 100);
    await t.call('POST', '/generate/text/async', {
      key: u.apikey,
      body: {
        prompt: 'big model only',
        params: { max_length: 64, max_context_length: 1024 },
        models: ['only-this-model'],
      },
    });
    const pop = await t.call('POST', '/generate/text/pop', {
      key: owner.apikey,
      body: { name: 'skip-worker', models: ['other-model'], max_length: 512, max_context_length: 2048 },
    });
    expect(pop.status).toBe(200);
    expect(pop.body.id).toBeNull();
    expect(pop.body.ids).toEqual([]);
    expect(pop.body.skipped.models).toBeGreaterThanOrEqual(1);
  });

  it('cancel keeps what was generated (paid) and drops the rest', async () => {
    const owner = t.user('cancel-owner');
    const u = t.user('cancel-req', 100);
    const { body } = await t.call('POST', '/generate/text/async', {
      key: u.apikey,
      body: {
        prompt: 'two please',
        params: { max_length: 32, max_context_length: 1024, n: 2 },
        models: ['cancel-model'],
      },
    });
    const pop = await t.call('POST', '/generate/text/pop', {
      key: owner.apikey,
      body: { name: 'cancel-worker', models: ['cancel-model'], max_length: 512, max_context_length: 2048 },
    });
    const cancelled = await t.call('DELETE', `/generate/text/status/${body.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ processing: 1, waiting: 0, done: false });
    const before = await balance(u.apikey);
    const sub = await t.call('POST', '/generate/text/submit', {
      key: owner.apikey,
      body: { id: pop.body.id, generation: 'first' },
    });
    const k = jobKudos('cancel-model', 32, 1024);
    expect(fromKudos(sub.body.reward)).toBe(k);
    const after = await t.call('GET', `/generate/text/status/${body.id}`);
    expect(after.body).toMatchObject({ done: true, finished: 1, waiting: 0 });
    expect(await balance(u.apikey)).toBe(before - k);
    const next = await t.call('POST', '/generate/text/pop', {
      key: owner.apikey,
      body: { name: 'cancel-worker', models: ['cancel-model'], max_length: 512, max_context_length: 2048 },
    });
    expect(next.body.id).toBeNull();
  });

  it('refuses anonymous workers and honours maintenance', async () => {
    const anonPop = await t.call('POST', '/generate/text/pop', {
      key: '0000000000',
      body: { name: 'anon-worker', models: ['m'], max_length: 64, max_context_length: 1024 },
    });
    expect(anonPop).toMatchObject({ status: 403, body: { rc: 'AnonForbiddenWorker' } });

    const owner = t.user('maint-owner');
    const popBody = {
      name: 'maint-worker',
      models: ['maint-model'],
      max_length: 512,
      max_context_length: 2048,
    };
    await t.call('POST', '/generate/text/pop', { key: owner.apikey, body: popBody });
    const [w] = (await t.call('GET', '/workers?type=text')).body.filter(
      (x: { name: string }) => x.name === 'maint-worker',
    );
    expect(w.maintenance_mode).toBe(false);
    expect(w.online).toBe(true);

    const other = t.user('maint-stranger');
    expect(
      await t.call('PUT', `/workers/${w.id}`, { key: other.apikey, body: { maintenance: true } }),
    ).toMatchObject({
      status: 403,
      body: { rc: 'NotOwner' },
    });
    const put = await t.call('PUT', `/workers/${w.id}`, {
      key: owner.apikey,
      body: { maintenance: true, maintenance_msg: 'dropped jobs' },
    });
    expect(put).toMatchObject({ status: 200, body: { maintenance: true } });
    const details = await t.sdk().getWorkerDetails(w.id, { force: true });
    expect(details.maintenance_mode).toBe(true);
    expect(await t.call('POST', '/generate/text/pop', { key: owner.apikey, body: popBody })).toMatchObject({
      status: 403,
      body: { rc: 'WorkerMaintenance', message: 'dropped jobs' },
    });
    await t.call('PUT', `/workers/${w.id}`, { key: owner.apikey, body: { maintenance: false } });
    expect(await t.call('POST', '/generate/text/pop', { key: owner.apikey, body: popBody })).toMatchObject({
      status: 200,
    });
  });
});

describe('kudos transfer', () => {
  it('moves kudos once when retried with the same Idempotency-Key', async () => {
    const from = t.user('giver', 30);
    const to = t.user('taker');
    const send = (amount: number, key: string) =>
      t.call('POST', '/kudos/transfer', {
        key: from.apikey,
        headers: { 'Idempotency-Key': key },
        body: { username: to.username, amount },
      });
    expect(await send(10, 'retry-1')).toMatchObject({ status: 200, body: { transferred: 10 } });
    expect(await send(10, 'retry-1')).toMatchObject({ status: 200, body: { transferred: 10 } });
    expect(await balance(from.apikey)).toBe(fromKudos(20));
    expect(await balance(to.apikey)).toBe(fromKudos(10));
    expect(await send(5, 'retry-1')).toMatchObject({ status: 400, body: { rc: 'IdempotencyKeyConflict' } });

    const viaSdk = await t
      .sdk(from.apikey)
      .postKudosTransfer({ username: to.username, amount: 5 }, { token: from.apikey });
    expect(viaSdk.transferred).toBe(5);
    expect(await balance(to.apikey)).toBe(fromKudos(15));
  });

  it('refuses overdrafts, anonymous recipients and unknown users', async () => {
    const from = t.user('small-giver', 3);
    const to = t.user('small-taker');
    const send = (username: string, amount: number) =>
      t.call('POST', '/kudos/transfer', { key: from.apikey, body: { username, amount } });
    expect(await send(to.username, 4)).toMatchObject({ status: 400, body: { rc: 'KudosTransferNotEnough' } });
    expect(await send('Anonymous#0', 1)).toMatchObject({ status: 400, body: { rc: 'KudosTransferToAnon' } });
    expect(await send('nobody#99999', 1)).toMatchObject({
      status: 400,
      body: { rc: 'InvalidTargetUsername' },
    });
    expect(await send(from.username, 1)).toMatchObject({ status: 400, body: { rc: 'KudosTransferToSelf' } });
    expect(await balance(from.apikey)).toBe(fromKudos(3));
    expect(toKudos(asMilli(await balance(to.apikey)))).toBe(0);
  });

  it('lets concurrent transfers spend each kudos once', async () => {
    const from = t.user('racer', 10);
    const to = t.user('finish-line');
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.call('POST', '/kudos/transfer', { key: from.apikey, body: { username: to.username, amount: 3 } }),
      ),
    );
    const ok = results.filter((r) => r.status === 200).length;
    expect(ok).toBe(Math.floor(10 / 3));
    expect(results.filter((r) => r.status === 400).every((r) => r.body.rc === 'KudosTransferNotEnough')).toBe(
      true,
    );
    expect(await balance(from.apikey)).toBe(fromKudos(10 - 3 * ok));
    expect(await balance(to.apikey)).toBe(fromKudos(3 * ok));
  });
});

describe('status routes', () => {
  it('reports heartbeat, the models online workers serve, and the queue', async () => {
    const owner = t.user('status-owner');
    const u = t.user('status-req', 10);
    await t.call('POST', '/generate/text/pop', {
      key: owner.apikey,
      body: {
        name: 'status-worker',
        models: ['status-model'],
        max_length: 256,
        max_context_length: 2048,
        threads: 2,
      },
    });
    await t.call('POST', '/generate/text/async', {
      key: u.apikey,
      body: {
        prompt: 'queued',
        params: { max_length: 40, max_context_length: 1024, n: 2 },
        models: ['status-model'],
      },
    });
    expect(await t.sdk().getHeartbeat()).toBe(true);
    const models = (await t.call('GET', '/status/models?type=text')).body as {
      name: string;
      count: number;
      jobs: number;
      queued: number;
    }[];
    expect(models.find((m) => m.name === 'status-model')).toMatchObject({ count: 1, jobs: 2, queued: 80 });
    const perf = (await t.call('GET', '/status/performance')).body;
    expect(perf.text_worker_count).toBeGreaterThanOrEqual(1);
    expect(perf.text_thread_count).toBeGreaterThanOrEqual(2);
    expect(perf.queued_text_requests).toBeGreaterThanOrEqual(1);
    const me = (await t.call('GET', '/find_user', { key: owner.apikey })).body;
    expect(me.worker_count).toBe(1);
    const worker = (await t.call('GET', `/workers/${me.worker_ids[0]}`)).body;
    expect(worker).toMatchObject({
      name: 'status-worker',
      type: 'text',
      online: true,
      threads: 2,
      owner: owner.username,
    });
  });
});
