import { describe, expect, it } from 'vitest';
import { BRIDGE_CHANNELS } from './channels';
import { bridgeArgSchemas, parseBridgeArg } from './schemas';
import { MilliKudosSchema } from './kudos';

describe('bridge argument schemas', () => {
  it('has a schema for every channel', () => {
    expect(Object.keys(bridgeArgSchemas).sort()).toEqual([...BRIDGE_CHANNELS].sort());
  });

  it('takes null or nothing for channels without an argument', () => {
    expect(parseBridgeArg('app:info', null)).toEqual({ ok: true, arg: undefined });
    expect(parseBridgeArg('app:info', undefined)).toEqual({ ok: true, arg: undefined });
    expect(parseBridgeArg('app:info', { x: 1 }).ok).toBe(false);
  });

  it('names the bad field', () => {
    const r = parseBridgeArg('requests:price', {
      prompt: 'hi',
      models: [],
      params: { max_length: 5, max_context_length: 1024 },
    });
    expect(r).toMatchObject({ ok: false, message: expect.stringMatching(/^params\.max_length: /) });
  });

  it('refuses unknown settings rather than pretending to save them', () => {
    expect(parseBridgeArg('settings:set', { theme: 'dark' }).ok).toBe(true);
    expect(parseBridgeArg('settings:set', { colour: 'red' }).ok).toBe(false);
    expect(parseBridgeArg('settings:set', { horde: { mode: 'custom', url: 'javascript:alert(1)' } }).ok).toBe(
      false,
    );
    expect(
      parseBridgeArg('settings:set', { horde: { mode: 'custom', url: 'http://user:pw@host/api' } }).ok,
    ).toBe(false);
    expect(parseBridgeArg('settings:set', { idle: { idleMinutes: 10 } }).ok).toBe(true);
  });

  it('checks transfers: alias#id, positive two-decimal amounts (in milli-kudos), a key', () => {
    const ok = { toUsername: 'bob#2', kudos: 1500, idempotencyKey: 'k-12345678' };
    expect(parseBridgeArg('account:transfer', ok).ok).toBe(true);
    expect(parseBridgeArg('account:transfer', { ...ok, toUsername: 'bob' }).ok).toBe(false);
    expect(parseBridgeArg('account:transfer', { ...ok, kudos: -1000 }).ok).toBe(false);
    // 0.001 kudos: finer than the hundredths a transfer moves.
    expect(parseBridgeArg('account:transfer', { ...ok, kudos: 1 }).ok).toBe(false);
    expect(parseBridgeArg('account:transfer', { ...ok, idempotencyKey: undefined }).ok).toBe(false);
  });

  it('accepts an image as a data URL or base64, nothing else', () => {
    expect(
      parseBridgeArg('alchemy:submit', {
        sourceImage: 'data:image/png;base64,iVBORw0KGgo=',
        forms: ['caption'],
      }).ok,
    ).toBe(true);
    expect(
      parseBridgeArg('alchemy:submit', { sourceImage: 'https://evil.example/x.png', forms: ['caption'] }).ok,
    ).toBe(false);
    expect(parseBridgeArg('alchemy:submit', { sourceImage: 'iVBORw0KGgo=', forms: ['format_c'] }).ok).toBe(
      false,
    );
  });

  it('treats a missing filter as no filter', () => {
    expect(parseBridgeArg('journal:entries', null)).toEqual({ ok: true, arg: {} });
    expect(parseBridgeArg('requests:history', { limit: 20 })).toEqual({ ok: true, arg: { limit: 20 } });
  });

  it('lets only whole milli-kudos cross the bridge', () => {
    const ok = { toUsername: 'bob#2', kudos: 1500, idempotencyKey: 'k-12345678' };
    expect(parseBridgeArg('account:transfer', { ...ok, kudos: 1.5 })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^kudos: .*milli-kudos/),
    });
    expect(MilliKudosSchema.safeParse(37_500).success).toBe(true);
    expect(MilliKudosSchema.safeParse(37.5).success).toBe(false);
    expect(MilliKudosSchema.safeParse(2 ** 53).success).toBe(false);
    expect(MilliKudosSchema.safeParse(Number.NaN).success).toBe(false);
  });

  it('takes club amounts only as whole hundredths in milli-kudos', () => {
    const award = { username: 'bob#2', kudos: 15_000, reason: 'brought a GPU' };
    expect(parseBridgeArg('club:award', award)).toMatchObject({ ok: true });
    // A float kudos amount (the old wire) and a fraction of a milli-kudos are refused, the field named.
    for (const kudos of [15.5, 1.5, 15_005]) {
      expect(parseBridgeArg('club:award', { ...award, kudos })).toMatchObject({
        ok: false,
        message: expect.stringMatching(/^kudos: /),
      });
    }
    const move = { from: 'owner#1', to: 'bob#2', kudos: 30_000, reason: 'paid back' };
    expect(parseBridgeArg('club:move', move)).toMatchObject({ ok: true });
    expect(parseBridgeArg('club:move', { ...move, kudos: 0.5 })).toMatchObject({ ok: false });
    expect(parseBridgeArg('club:setSettings', { startingKudos: 25_000, kudosCap: null })).toMatchObject({
      ok: true,
    });
    expect(parseBridgeArg('club:setSettings', { startingKudos: 25.5 })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^startingKudos: /),
    });
    expect(parseBridgeArg('club:setSettings', { kudosCap: 100.25 })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^kudosCap: /),
    });
  });
});
