import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HordeError } from '../../shared/api/horde-error';
import { HordeClient } from '../../electron/client/horde-client';
import { openTestHorde, type TestHorde } from './horde-testkit';

// One error class on both sides of the horde wire: what the embedded horde throws is what the
// client rebuilds from the answer, with the same rc, status and per-field errors.

let t: TestHorde;
beforeAll(async () => {
  t = await openTestHorde();
});
afterAll(async () => {
  await t.close();
});

const clientFor = (apiKey: string, fetch?: typeof globalThis.fetch) =>
  new HordeClient({
    baseUrl: `${t.horde.url}/`,
    apiKey: () => apiKey,
    clientAgent: 'wire-error:1:test',
    retryDelayMs: 0,
    ...(fetch ? { fetch } : {}),
  });

async function refusal(p: Promise<unknown>): Promise<HordeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HordeError) return err;
    throw err;
  }
  throw new Error('the call succeeded; a refusal was expected');
}

describe('the one horde error', () => {
  it('reaches the client with the rc, status and field errors the horde raised', async () => {
    const u = t.user('wire', 10);
    const err = await refusal(
      clientFor(u.apikey).textAsync({
        prompt: 'hello',
        params: { max_length: 'long' },
      } as never),
    );
    expect(err.rc).toBe('BadRequest');
    expect(err.status).toBe(400);
    expect(err.errors).toBeDefined();
    expect(Object.keys(err.errors ?? {})).toContain('params.max_length');
    expect(err.transient).toBe(false);
  });

  it('carries the status of an rc the horde raises on a rule, and a hint for the window', async () => {
    const poor = t.user('poor', 0);
    const rich = t.user('rich', 0);
    const err = await refusal(
      clientFor(poor.apikey).transfer(rich.username, 5, 'k-1', undefined, { idempotent: true }),
    );
    expect(err.rc).toBe('KudosTransferNotEnough');
    expect(err.status).toBe(400);
    expect(err.hint).toEqual(expect.any(String));
  });

  it('keeps an rc it does not know as the horde sent it, with the horde’s status', async () => {
    const fetch: typeof globalThis.fetch = async () =>
      Response.json({ message: 'A brand new refusal.', rc: 'SomethingNewer' }, { status: 409 });
    const err = await refusal(clientFor('key-1234567890', fetch).findUser());
    expect(err.rc).toBe('SomethingNewer');
    expect(err.status).toBe(409);
    expect(err.message).toBe('A brand new refusal.');
  });
});

// Checked by `npm run typecheck`: an rc written in the code must be a known one (only readRc, the
// reader of answers, makes an unknown one), so a misspelt code does not compile.
void ((): HordeError =>
  // @ts-expect-error -- 'WorkerMaintainance' is not an rc of any list
  new HordeError('WorkerMaintainance', 'x', { status: 403 }));
