import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeServer } from '../../electron/bridge/http-server';
import { FileSecretStore } from '../../electron/bridge/secret-store';
import { composeServices, type ComposedServices } from '../../electron/compose';
import { CLUB_OWNER_CHANNELS } from '../../shared/bridge/club';
import type { BridgeArg, BridgeChannel, BridgeResult } from '../../shared/bridge/contract';

/**
 * Issue 21, Safety: everything the owner can do is refused to anyone else.
 * The horde's HTTP API (what other machines reach) is walked for every owner
 * operation with the routes a member might try — ours, and the AI Horde's own
 * moderator routes — with a member's key and with the owner's own key (not
 * even the owner manages the club over the network); nothing changes. The
 * owner operations live only on the owning app's bridge, which answers only
 * its own page (its token) on loopback.
 */
type OwnerChannel = (typeof CLUB_OWNER_CHANNELS)[number];
interface Attempt {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

let services: ComposedServices;
let dataDir: string;
let url: string;
let member: { id: number; username: string; apikey: string };
let ownerKey: string;
let ownerId: number;

const call = <K extends BridgeChannel>(channel: K, arg?: BridgeArg<K>): Promise<BridgeResult<K>> =>
  (services.handlers[channel] as (a: unknown) => Promise<BridgeResult<K>>)(arg);

/** What each owner operation could look like over HTTP. The Record makes a new owner channel a compile error here. */
const attempts = (): Record<OwnerChannel, Attempt[]> => ({
  'club:share': [
    { method: 'GET', path: '/v2/club' },
    { method: 'GET', path: '/v2/club/share' },
  ],
  'club:setSharing': [{ method: 'PUT', path: '/v2/club/share', body: { enabled: false } }],
  'club:invite': [
    { method: 'POST', path: '/v2/club/invite', body: {} },
    { method: 'POST', path: '/v2/club/invites', body: { hours: 24 } },
  ],
  'club:revokeInvite': [{ method: 'DELETE', path: '/v2/club/invites/1' }],
  'club:members': [
    { method: 'GET', path: '/v2/users' },
    { method: 'GET', path: '/v2/club/members' },
  ],
  'club:award': [
    // The AI Horde's moderator route for a user's kudos.
    { method: 'PUT', path: `/v2/users/${member.id}`, body: { kudos: 1000 } },
    { method: 'POST', path: '/v2/kudos/award', body: { username: member.username, amount: 1000 } },
    { method: 'POST', path: '/v2/club/award', body: { username: member.username, kudos: 1000, reason: 'x' } },
  ],
  'club:move': [
    { method: 'PUT', path: `/v2/users/${ownerId}`, body: { kudos: -20 } },
    {
      method: 'POST',
      path: '/v2/club/move',
      body: { from: `owner#${ownerId}`, to: member.username, kudos: 5 },
    },
  ],
  'club:flags': [
    { method: 'GET', path: '/v2/club/flags' },
    { method: 'GET', path: '/v2/filters' },
  ],
  'club:resolveFlag': [
    { method: 'PUT', path: `/v2/users/${member.id}`, body: { flagged: false, trusted: true } },
    { method: 'POST', path: '/v2/club/flags/1', body: { action: 'clear', reason: 'x' } },
  ],
  'club:settings': [{ method: 'GET', path: '/v2/club/settings' }],
  'club:setSettings': [
    { method: 'PUT', path: '/v2/club/settings', body: { join: 'open', startingKudos: 1000000 } },
    // The AI Horde's admin route for the horde's modes.
    { method: 'PUT', path: '/v2/status/modes', body: { maintenance: true } },
  ],
  'club:backup': [{ method: 'POST', path: '/v2/club/backup' }],
  'club:backups': [{ method: 'GET', path: '/v2/club/backups' }],
  'club:restore': [{ method: 'POST', path: '/v2/club/restore', body: { file: 'x' } }],
});

/** Everything an owner operation could change, read through the owner's own bridge. */
async function clubState(): Promise<unknown> {
  const share = await call('club:share');
  return {
    members: await call('club:members'),
    invites: share.invites,
    sharing: [share.enabled, share.port],
    settings: await call('club:settings'),
    flags: await call('club:flags', { all: true }),
    backups: (await call('club:backups')).length,
  };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'club-safety-'));
  const open = () =>
    composeServices({
      shell: 'serve',
      dataDir,
      version: '0.1.0-test',
      secrets: new FileSecretStore(join(dataDir, 'secrets.json')),
      log: { info: () => {}, warn: () => {} },
      idleSignals: false,
      // Its own loopback address: club-app.test.ts shares on 127.0.0.2, and both keep the first
      // free port from 7001 across a restart, which the other could take in between.
      overrides: { worker: false, lanHost: '127.0.0.3', mdns: false },
    });
  services = await open();
  await call('club:setSharing', { enabled: true });
  await services.shutdown();
  services = await open();
  const code = (await call('club:invite', {})).codes[0] as string;
  url = `http://${code.split('/')[0]}/api`;
  const joined = await fetch(`${url}/v2/club/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: code.split('/')[1], name: 'member' }),
  });
  member = (await joined.json()) as typeof member;
  // serve's secret store keeps the owner's key in the data folder (0600).
  const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  ownerKey = String(secrets.ownerApiKey);
  ownerId = (await call('club:members'))[0]?.id as number;
});
afterAll(async () => {
  await services.shutdown();
  await rm(dataDir, { recursive: true, force: true });
});

describe('owner operations over HTTP', () => {
  it('are refused for every operation, with a member key and with the owner key, and change nothing', async () => {
    const before = await clubState();
    const all = attempts();
    const answers: string[] = [];
    for (const channel of CLUB_OWNER_CHANNELS) {
      expect(all[channel].length, channel).toBeGreaterThan(0);
      for (const a of all[channel]) {
        for (const [who, key] of [
          ['member', member.apikey],
          ['owner', ownerKey],
          ['nobody', undefined],
        ] as const) {
          const res = await fetch(`${url}${a.path}`, {
            method: a.method,
            headers: {
              ...(key ? { apikey: key } : {}),
              ...(a.body !== undefined ? { 'content-type': 'application/json' } : {}),
            },
            ...(a.body !== undefined ? { body: JSON.stringify(a.body) } : {}),
          });
          const body = (await res.json().catch(() => ({}))) as { rc?: string };
          answers.push(`${channel} ${a.method} ${a.path} as ${who}: ${res.status} ${body.rc ?? ''}`);
          expect(res.status, `${channel}: ${a.method} ${a.path} as ${who}`).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
        }
      }
    }
    expect(await clubState()).toEqual(before);
    console.log(`owner operations tried over HTTP: ${answers.length}, all refused`);
  });

  it('live only on the owning app bridge, which refuses calls without its token or from another host', async () => {
    const token = randomBytes(32).toString('base64url');
    const bridge = new BridgeServer({
      handlers: services.handlers,
      bus: { subscribe: services.subscribe },
      token,
      host: '127.0.0.1',
      port: 0,
      rendererDir: null,
    });
    const base = await bridge.start();
    try {
      for (const channel of CLUB_OWNER_CHANNELS) {
        const post = (headers: Record<string, string>) =>
          fetch(`${base}bridge/invoke/${channel}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', origin: base.slice(0, -1), ...headers },
            body: JSON.stringify({ arg: null }),
          });
        expect((await post({})).status, channel).toBe(401);
        expect((await post({ 'x-bridge-token': 'x'.repeat(token.length) })).status, channel).toBe(401);
      }
      // The same call with the page's token reaches the owner's handler.
      const ok = await fetch(`${base}bridge/invoke/club:members`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base.slice(0, -1), 'x-bridge-token': token },
        body: JSON.stringify({ arg: null }),
      });
      expect(((await ok.json()) as { ok: boolean }).ok).toBe(true);
    } finally {
      await bridge.stop();
    }
  });
});
