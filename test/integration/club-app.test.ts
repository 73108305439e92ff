import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../electron/bridge/secret-store';
import { composeServices, type ComposedServices } from '../../electron/compose';
import type { BridgeArg, BridgeChannel, BridgeResult } from '../../shared/bridge/contract';
import { fromKudos } from '../../shared/ledger/money';

/**
 * Issue 21 through the app's composition root, as the window drives it (the
 * bridge handlers): sharing on a stable port across restarts, an invite whose
 * QR code carries its code, joining from a second copy, keys per horde,
 * backups. The shared horde is bound to 127.0.0.2 and mDNS is off: nothing
 * here leaves loopback (the two-machine test is club-netns.test.ts).
 */
const LAN_HOST = '127.0.0.2';
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function freshDir(name: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), `club-${name}-`));
  dirs.push(d);
  return d;
}

interface App {
  services: ComposedServices;
  call<K extends BridgeChannel>(channel: K, arg?: BridgeArg<K>): Promise<BridgeResult<K>>;
  /** The rc a refused call rejected with. */
  refusal<K extends BridgeChannel>(channel: K, arg?: BridgeArg<K>): Promise<string>;
  stop(): Promise<void>;
}

async function openApp(dataDir: string, hordeUrl?: string): Promise<App> {
  const services = await composeServices({
    shell: 'serve',
    dataDir,
    version: '0.1.0-test',
    secrets: new FileSecretStore(join(dataDir, 'secrets.json')),
    log: { info: () => {}, warn: () => {} },
    idleSignals: false,
    overrides: { worker: false, lanHost: LAN_HOST, mdns: false, ...(hordeUrl ? { hordeUrl } : {}) },
  });
  const call = <K extends BridgeChannel>(channel: K, arg?: BridgeArg<K>): Promise<BridgeResult<K>> =>
    (services.handlers[channel] as (a: unknown) => Promise<BridgeResult<K>>)(arg);
  return {
    services,
    call,
    refusal: async (channel, arg) => {
      try {
        await call(channel, arg);
      } catch (e) {
        return (e as { rc: string }).rc;
      }
      return 'accepted';
    },
    stop: async () => {
      await services.shutdown();
    },
  };
}

/** The QR code's text, read back from the SVG as a phone camera would see the picture. */
async function readQr(dataUrl: string): Promise<string | undefined> {
  const svg = Buffer.from(dataUrl.replace(/^data:image\/svg\+xml;base64,/, ''), 'base64');
  const { data, info } = await sharp(svg, { density: 300 })
    .resize(400, 400)
    .flatten({ background: '#fff' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return jsQR(new Uint8ClampedArray(data), info.width, info.height)?.data;
}

function occupy(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ port, host: '0.0.0.0' }, () => resolve(s));
  });
}

describe('a club from the window', () => {
  it('shares on a stable port that survives a restart, invites, and lets a second copy join', async () => {
    const aDir = await freshDir('owner');
    let a = await openApp(aDir);
    const off = await a.call('club:share');
    expect(off).toMatchObject({ enabled: false, listening: false, port: null, addresses: [] });
    expect(await a.refusal('club:invite', {})).toBe('NotSharing');

    // Sharing applies live: the horde is on the LAN when the answer comes, and stays there after a restart.
    const on = await a.call('club:setSharing', { enabled: true });
    expect(on).toMatchObject({ enabled: true, listening: true, restartRequired: false });
    const port = on.port as number;
    expect(port).toBeGreaterThanOrEqual(1024);
    expect((await fetch(`http://${LAN_HOST}:${port}/api/v2/status/heartbeat`)).status).toBe(200);
    await a.stop();

    a = await openApp(aDir);
    const shared = await a.call('club:share');
    expect(shared).toMatchObject({
      listening: true,
      port,
      addresses: [`${LAN_HOST}:${port}`],
      restartRequired: false,
    });
    expect((await fetch(`http://${LAN_HOST}:${port}/api/v2/status/heartbeat`)).status).toBe(200);

    // A port another program holds is refused with a sentence; the kept one stays.
    const blocker = await occupy(port + 1).catch(() => null);
    if (blocker) {
      expect(await a.refusal('club:setSharing', { enabled: true, port: port + 1 })).toBe('PortInUse');
      blocker.close();
    }
    expect((await a.call('club:share')).port).toBe(port);

    const card = await a.call('club:invite', { hours: 2, note: 'for bob' });
    expect(card.codes).toEqual([
      expect.stringMatching(new RegExp(`^${LAN_HOST}:${port}/\\w{4}-\\w{4}-\\w{4}$`)),
    ]);
    expect(await readQr(card.qr)).toBe(card.codes[0]);
    expect(card.invite).toMatchObject({ state: 'open', note: 'for bob' });
    expect(card.invite).not.toHaveProperty('token');

    // The second copy joins with the typed code: it is a member of A's horde at once, and after a restart.
    const bDir = await freshDir('member');
    let b = await openApp(bDir);
    const joined = await b.call('club:join', { code: card.codes[0] as string, name: 'bob' });
    expect(joined).toEqual({
      url: `http://${LAN_HOST}:${port}/api`,
      username: expect.stringMatching(/^bob#\d+$/),
      restartRequired: false,
    });
    expect(b.services.run.horde).toEqual({ mode: 'custom', url: joined.url });
    expect(await b.call('account:get')).toMatchObject({ username: joined.username, kudos: fromKudos(25) });
    expect(await b.refusal('club:join', { code: card.codes[0] as string, name: 'eve' })).toBe(
      'InviteInvalid',
    );
    await b.stop();
    b = await openApp(bDir);
    expect(b.services.run.horde).toEqual({ mode: 'custom', url: joined.url });
    const bAccount = await b.call('account:get');
    expect(bAccount).toMatchObject({ username: joined.username, kudos: fromKudos(25) });
    // A member's app runs no horde of A's: every owner channel says so.
    expect(await b.refusal('club:members')).toBe('NotHordeOwner');
    expect(await b.refusal('club:award', { username: 'x#1', kudos: fromKudos(5), reason: 'r' })).toBe(
      'NotHordeOwner',
    );

    // The owner sees the member, awards with a reason, the ledger stays balanced.
    const owner = (await a.call('club:members'))[0];
    expect(owner).toMatchObject({ owner: true });
    await a.call('club:award', { username: joined.username, kudos: fromKudos(15), reason: 'brought a GPU' });
    const members = await a.call('club:members');
    expect(members.find((m) => m.username === joined.username)).toMatchObject({
      kudos: fromKudos(40),
      owner: false,
    });
    expect((await b.call('account:get')).kudos).toBe(fromKudos(40));

    // Backup now, change something, restore: the horde is back as it was, at the same address.
    const backup = await a.call('club:backup');
    expect(backup.bytes).toBeGreaterThan(0);
    await a.call('club:award', { username: joined.username, kudos: fromKudos(100), reason: 'by mistake' });
    expect((await a.call('club:backups')).map((x) => x.file)).toContain(backup.file);
    await a.call('club:restore', { file: backup.file });
    expect((await a.call('club:members')).find((m) => m.username === joined.username)?.kudos).toBe(
      fromKudos(40),
    );
    expect((await b.call('account:get')).kudos).toBe(fromKudos(40));
    expect(await a.refusal('club:restore', { file: '/etc/passwd' })).toBe('NotFound');

    await b.stop();
    await a.stop();
  });

  it('with its port taken while the app was closed, the invite says why the horde is not shared', async () => {
    const dir = await freshDir('owner-blocked');
    const a = await openApp(dir);
    const port = (await a.call('club:setSharing', { enabled: true })).port as number;
    await a.stop();
    const blocker = await occupy(port);
    try {
      const again = await openApp(dir);
      try {
        const view = await again.call('club:share');
        expect(view).toMatchObject({ enabled: true, listening: false, port, addresses: [] });
        expect(view.problem).toContain(`Port ${port} is in use`);
        const refused = await again.call('club:invite', {}).then(
          () => null,
          (e: unknown) => e as { rc: string; message: string },
        );
        expect(refused?.rc).toBe('NotSharing');
        // The sentence names the taken port, not "turn on sharing", which is on already.
        expect(refused?.message).toContain(view.problem as string);
        expect(refused?.message).not.toContain('Turn on sharing');
      } finally {
        await again.stop();
      }
    } finally {
      blocker.close();
    }
  });

  it('a copy started on a horde named on its command line refuses to join, and the club gets no account', async () => {
    const a = await openApp(await freshDir('owner-pin'));
    const other = await openApp(await freshDir('other-pin'));
    const pinnedUrl = (await other.call('app:info')).horde.url;
    const b = await openApp(await freshDir('member-pin'), pinnedUrl);
    try {
      await a.call('club:setSharing', { enabled: true });
      const code = (await a.call('club:invite', {})).codes[0] as string;
      const before = (await a.call('club:members')).length;
      const refused = await b.call('club:join', { code, name: 'dana' }).then(
        () => null,
        (e: unknown) => e as { rc: string; message: string },
      );
      expect(refused?.rc).toBe('HordePinned');
      expect(refused?.message).toContain(pinnedUrl);
      expect(b.services.run.horde).toEqual({ mode: 'custom', url: pinnedUrl });
      expect((await b.call('settings:get')).horde).toEqual({ mode: 'embedded' });
      expect(await a.call('club:members')).toHaveLength(before);
      // The invite is still open for a copy that can use it.
      expect((await a.call('club:share')).invites.filter((i) => i.state === 'open')).toHaveLength(1);
    } finally {
      await b.stop();
      await other.stop();
      await a.stop();
    }
  });

  it('a member key works only on the horde that issued it', async () => {
    const aDir = await freshDir('owner-a');
    const cDir = await freshDir('owner-c');
    const a = await openApp(aDir);
    await a.call('club:setSharing', { enabled: true });
    await a.stop();
    const a2 = await openApp(aDir);
    const c = await openApp(cDir);
    try {
      const code = (await a2.call('club:invite', {})).codes[0] as string;
      const url = `http://${code.split('/')[0]}/api`;
      const r = await fetch(`${url}/v2/club/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: code.split('/')[1], name: 'carol' }),
      });
      const { apikey } = (await r.json()) as { apikey: string };
      expect((await fetch(`${url}/v2/find_user`, { headers: { apikey } })).status).toBe(200);
      const cInfo = await c.call('app:info');
      const elsewhere = await fetch(`${cInfo.horde.url}/v2/find_user`, { headers: { apikey } });
      // As the AI Horde answers a key it does not know.
      expect(elsewhere.status).toBe(404);
      expect(await elsewhere.json()).toMatchObject({ rc: 'UserNotFound' });
    } finally {
      await c.stop();
      await a2.stop();
    }
  });
});
