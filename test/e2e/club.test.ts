/**
 * Issue 21 in Chromium: the owner shows an invite (with its QR code), a second copy of the app
 * joins with it from its own window, and the owner's members screen shows the member and an
 * award. The owner's horde is shared on 127.0.0.2 and mDNS is off, so nothing leaves loopback
 * (discovery is tested in namespaces of its own: test/integration/club-netns.test.ts).
 */
import net from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  invoke,
  kudosFrom,
  openBrowser,
  screenshot,
  startServe,
  tempDir,
  type Browser,
  type Serve,
} from './harness';

const LAN_HOST = '127.0.0.2';
const aDir = tempDir('club-owner');
const bDir = tempDir('club-member');
const started: Serve[] = [];
const browsers: Browser[] = [];

afterAll(async () => {
  for (const b of browsers) await b.close();
  for (const s of started) await s.stop();
  rmSync(aDir, { recursive: true, force: true });
  rmSync(bDir, { recursive: true, force: true });
});

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ port: 0, host }, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('a club in the window', () => {
  it('shows an invite, a second copy joins with it, the owner awards the new member', async () => {
    const port = await freePort(LAN_HOST);
    // Sharing was turned on earlier (club-app.test.ts turns it on from the window and restarts).
    writeFileSync(join(aDir, 'settings.json'), JSON.stringify({ lanSharing: true, lanPort: port }));
    const a = await startServe({ dataDir: aDir, args: ['--no-worker', '--no-mdns', '--lan-host', LAN_HOST] });
    started.push(a);
    const ownerWindow = await openBrowser();
    browsers.push(ownerWindow);
    const owner = ownerWindow.page;
    await owner.goto(`${a.url}#club`);
    await owner.getByRole('heading', { name: 'Share this horde' }).waitFor();
    await screenshot(owner, 'club-share');
    await expect
      .poll(() => owner.getByText(`${LAN_HOST}:${port}`).first().isVisible(), { timeout: 30_000 })
      .toBe(true);
    await owner.getByRole('button', { name: 'Make an invite' }).click();
    const codeEl = owner.getByTestId('invite-code').first();
    await codeEl.waitFor();
    const code = (await codeEl.textContent())?.trim() ?? '';
    expect(code).toMatch(new RegExp(`^${LAN_HOST.replace(/\./g, '\\.')}:${port}/\\w{4}-\\w{4}-\\w{4}$`));
    await expect
      .poll(() => owner.getByRole('img', { name: /QR code of the invite/ }).isVisible(), { timeout: 30_000 })
      .toBe(true);
    await screenshot(owner, 'club-invite');

    const b = await startServe({ dataDir: bDir, args: ['--no-worker', '--no-mdns'] });
    started.push(b);
    const memberWindow = await openBrowser();
    browsers.push(memberWindow);
    const member = memberWindow.page;
    await member.goto(`${b.url}#club`);
    const joinForm = member.getByRole('form', { name: 'Join with an invite' });
    await joinForm.getByLabel('Invite').fill(code);
    await joinForm.getByLabel('Your name there').fill('bob');
    await joinForm.getByRole('button', { name: 'Join' }).click();
    const joined = member.getByText(/You joined as/);
    await joined.waitFor();
    const username = /(bob#\d+)/.exec((await joined.textContent()) ?? '')?.[1] ?? '';
    expect(username).toMatch(/^bob#\d+$/);
    await screenshot(member, 'club-joined');
    expect((await invoke(member, 'settings:get', undefined)).horde).toEqual({
      mode: 'custom',
      url: `http://${LAN_HOST}:${port}/api`,
    });

    // The owner's members screen: the new member with the starting kudos, then an award with a reason.
    await owner.reload();
    const row = owner.getByRole('row', { name: new RegExp(username) });
    await row.waitFor();
    expect(kudosFrom(await row.getByRole('cell').nth(1).textContent())).toBe(25);
    const award = owner.getByRole('form', { name: 'Award or move kudos' });
    await award.getByLabel('Member').selectOption(username);
    await award.getByLabel('Kudos').fill('15');
    await award.getByLabel('Reason').fill('brought a GPU');
    await award.getByRole('button', { name: 'Award' }).click();
    await owner.getByText(`Awarded 15.00 kudos to ${username}.`).waitFor();
    await expect
      .poll(async () => kudosFrom(await row.getByRole('cell').nth(1).textContent()), { timeout: 30_000 })
      .toBe(40);
    await screenshot(owner, 'club-members');
    expect(ownerWindow.pageErrors).toEqual([]);
    expect(memberWindow.pageErrors).toEqual([]);
  });
});
