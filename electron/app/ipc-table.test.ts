import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { BridgeHandlers } from '../../shared/bridge/contract';
import { BRIDGE_CHANNELS } from '../../shared/bridge/channels';
import { createBridgeIpcTable, createIpcTable, isTrustedSender } from './ipc-table';

const appUrl = 'file:///app/dist/renderer/index.html';

function table() {
  const calls: unknown[] = [];
  const refused: string[] = [];
  const t = createIpcTable({
    handlers: {
      'kudos:transfer': async (arg: { to: string; amount: number }) => {
        calls.push(arg);
        if (arg.to === 'anon') throw { rc: 'KudosTransferToAnon', message: 'cannot send kudos to anonymous' };
        return { sent: arg.amount };
      },
      'worker:stats': async (_arg: undefined) => {
        throw new Error('ENOENT: /home/me/secret/path');
      },
    },
    schemas: {
      'kudos:transfer': z.object({ to: z.string().min(1), amount: z.number().positive() }),
      'worker:stats': z.undefined(),
    },
    appUrl,
    onRefused: (channel, reason) => refused.push(`${channel}: ${reason}`),
  });
  return { t, calls, refused };
}

const fromApp = { url: `${appUrl}#/spend`, isMainFrame: true };

describe('isTrustedSender', () => {
  it('trusts the app page and the dev server only', () => {
    expect(isTrustedSender(`${appUrl}#/x`, appUrl)).toBe(true);
    expect(isTrustedSender('http://localhost:5173/', 'http://localhost:5173/')).toBe(true);
    expect(isTrustedSender('https://evil.example/', appUrl)).toBe(false);
    expect(isTrustedSender('http://localhost:5173/', appUrl)).toBe(false);
    expect(isTrustedSender(undefined, appUrl)).toBe(false);
  });
});

describe('IPC handler table', () => {
  it('lists every channel of the handler map', () => {
    expect(table().t.channels).toEqual(['kudos:transfer', 'worker:stats']);
  });

  it('runs the handler with the validated argument for the app page', async () => {
    const { t, calls } = table();
    expect(await t.handle('kudos:transfer', fromApp, { to: 'alice#2', amount: 5 })).toEqual({
      ok: true,
      result: { sent: 5 },
    });
    expect(calls).toEqual([{ to: 'alice#2', amount: 5 }]);
  });

  it('refuses a foreign origin without running the handler', async () => {
    const { t, calls, refused } = table();
    const reply = await t.handle(
      'kudos:transfer',
      { url: 'https://evil.example/', isMainFrame: true },
      { to: 'mallory#3', amount: 1000 },
    );
    expect(reply).toMatchObject({ ok: false, error: { rc: 'Forbidden' } });
    expect(calls).toEqual([]);
    expect(refused).toHaveLength(1);
  });

  it('refuses a subframe even on the app URL, and a destroyed frame', async () => {
    const { t, calls } = table();
    const arg = { to: 'a', amount: 1 };
    expect(await t.handle('kudos:transfer', { url: appUrl, isMainFrame: false }, arg)).toMatchObject({
      ok: false,
      error: { rc: 'Forbidden' },
    });
    expect(await t.handle('kudos:transfer', { url: undefined, isMainFrame: true }, arg)).toMatchObject({
      ok: false,
      error: { rc: 'Forbidden' },
    });
    expect(calls).toEqual([]);
  });

  it('refuses an argument that does not match the channel schema, naming the field', async () => {
    const { t, calls } = table();
    const reply = await t.handle('kudos:transfer', fromApp, { to: 'alice#2', amount: -5 });
    expect(reply).toMatchObject({
      ok: false,
      error: { rc: 'BadArgument', message: expect.stringMatching(/^amount: /) },
    });
    expect(calls).toEqual([]);
  });

  it('refuses unknown channels, including inherited object keys', async () => {
    const { t } = table();
    expect(await t.handle('fs:read', fromApp, '/etc/passwd')).toMatchObject({
      error: { rc: 'UnknownChannel' },
    });
    expect(await t.handle('constructor', fromApp, undefined)).toMatchObject({
      error: { rc: 'UnknownChannel' },
    });
  });

  it('passes a horde error through with its hint, and hides the details of any other failure', async () => {
    const { t } = table();
    const anon = await t.handle('kudos:transfer', fromApp, { to: 'anon', amount: 1 });
    expect(anon).toMatchObject({
      ok: false,
      error: {
        rc: 'KudosTransferToAnon',
        message: 'cannot send kudos to anonymous',
        hint: expect.any(String),
      },
    });
    const crash = await t.handle('worker:stats', fromApp, undefined);
    expect(crash).toMatchObject({ ok: false, error: { rc: 'Internal' } });
    expect(JSON.stringify(crash)).not.toContain('/home/me');
  });

  it('will not start with a channel that has no schema', () => {
    expect(() =>
      createIpcTable({
        handlers: { 'a:b': async (_: undefined) => 1 },
        schemas: {} as { 'a:b': z.ZodType },
        appUrl,
      }),
    ).toThrow(/a:b/);
  });
});

describe('the bridge table', () => {
  // Every channel answers with its own name, so the test sees which handler ran.
  const handlers = Object.fromEntries(
    BRIDGE_CHANNELS.map((channel) => [channel, async () => channel]),
  ) as unknown as BridgeHandlers;
  const t = createBridgeIpcTable(handlers, appUrl);

  it('serves every channel of the contract', () => {
    expect([...t.channels].sort()).toEqual([...BRIDGE_CHANNELS].sort());
  });

  it('validates a transfer with the shared schema and refuses it from a foreign page', async () => {
    const transfer = { toUsername: 'db0#1', kudos: 10, idempotencyKey: 'k-00000001' };
    expect(
      await t.handle('account:transfer', { url: 'https://evil.example/', isMainFrame: true }, transfer),
    ).toMatchObject({ ok: false, error: { rc: 'Forbidden' } });
    expect(await t.handle('worker:control', fromApp, { action: 'format_disk' })).toMatchObject({
      ok: false,
      error: { rc: 'BadArgument' },
    });
    expect(await t.handle('worker:control', fromApp, { action: 'pause_1h' })).toEqual({
      ok: true,
      result: 'worker:control',
    });
  });
});
