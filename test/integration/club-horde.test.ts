import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupToken } from '../../shared/club/invite-code';
import { startHorde } from '../../electron/horde/index';
import { openTestHorde, type TestHorde } from './horde-testkit';
import { fromKudos } from '../../shared/ledger/money';

/**
 * Issue 21 on the embedded horde itself: invites are single use, bounded in
 * time and revocable; joining hands out the member's key once; the owner's
 * settings apply at once and survive a restart; moves are balanced.
 */
let t: TestHorde;
beforeEach(async () => {
  t = await openTestHorde({ startingKudos: 25 });
  t.horde.admin.ensureOwner('owner');
});
afterEach(async () => {
  await t.close();
});

const join = (body: unknown) => t.call('POST', '/club/join', { body });
const userCount = () => t.horde.admin.members().length;

describe('club invites', () => {
  it('register one member with their own key, once', async () => {
    const invite = t.horde.admin.invite({ note: 'for bob' });
    // Typed the way a person might: lower case, grouped.
    const r = await join({ token: groupToken(invite.token).toLowerCase(), name: 'bob' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ username: `bob#${r.body.id}` });
    const me = await t.call('GET', '/find_user', { key: r.body.apikey });
    expect(me.body).toMatchObject({ username: r.body.username, kudos: 25 });

    const before = userCount();
    const again = await join({ token: invite.token, name: 'mallory' });
    expect(again.status).toBe(403);
    expect(again.body).toMatchObject({
      rc: 'InviteInvalid',
      message: expect.stringContaining('used already'),
    });
    expect(userCount()).toBe(before);
    expect(t.horde.admin.invites()[0]).toMatchObject({
      state: 'used',
      usedBy: r.body.username,
      note: 'for bob',
    });
    expect(t.horde.admin.verify().ok).toBe(true);
  });

  it('refuses an expired, a revoked and an unknown invite, and leaves no account behind', async () => {
    const expiring = t.horde.admin.invite({ hours: 1 });
    const revoked = t.horde.admin.invite();
    expect(t.horde.admin.revokeInvite(revoked.id)).toBe(true);
    expect(t.horde.admin.revokeInvite(revoked.id)).toBe(false);
    t.clock.advance(60 * 60 * 1000 + 1);
    const before = userCount();
    const late = await join({ token: expiring.token, name: 'late' });
    expect(late.status).toBe(403);
    expect(late.body.message).toContain('expired');
    const withdrawn = await join({ token: revoked.token, name: 'withdrawn' });
    expect(withdrawn.body).toMatchObject({
      rc: 'InviteInvalid',
      message: expect.stringContaining('withdrew'),
    });
    const unknown = await join({ token: 'K7QM-3XPA-9ZT1', name: 'guess' });
    expect(unknown.body).toMatchObject({ rc: 'InviteInvalid', message: expect.stringContaining('not one') });
    const malformed = await join({ token: 'not-a-token', name: 'x' });
    expect(malformed).toMatchObject({ status: 400, body: { rc: 'BadRequest' } });
    expect(userCount()).toBe(before);
    expect(t.horde.admin.invites().map((i) => i.state)).toEqual(['revoked', 'expired']);
  });

  it('registers one member when two joins race for one token', async () => {
    const invite = t.horde.admin.invite();
    const answers = await Promise.all(
      ['racer-a', 'racer-b', 'racer-c'].map((name) => join({ token: invite.token, name })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 403, 403]);
    expect(t.horde.admin.members().filter((m) => m.username.startsWith('racer-'))).toHaveLength(1);
  });

  it('follows who may join: invite only, open, closed', async () => {
    expect((await join({ name: 'walk-in' })).body).toMatchObject({ rc: 'InviteRequired' });
    t.horde.admin.setClubSettings({ join: 'open' });
    expect((await join({ name: 'walk-in' })).status).toBe(200);
    t.horde.admin.setClubSettings({ join: 'closed' });
    const invite = t.horde.admin.invite();
    expect((await join({ token: invite.token, name: 'closed-out' })).body).toMatchObject({
      rc: 'JoinClosed',
    });
    expect(t.horde.admin.invites()[0]?.state).toBe('open');
  });
});

describe('club settings and kudos', () => {
  it('applies starting kudos and the cap at once, and keeps them across a restart', async () => {
    t.horde.admin.setClubSettings({ startingKudos: fromKudos(40), kudosCap: fromKudos(100) });
    const a = (await join({ token: t.horde.admin.invite().token, name: 'alice' })).body;
    expect((await t.call('GET', '/find_user', { key: a.apikey })).body).toMatchObject({
      kudos: 40,
      kudos_cap: 100,
    });
    // A horde started again on the file without limits of its own (as the app starts it) runs with them.
    await t.horde.close();
    const again = await startHorde({
      dbPath: t.dbPath,
      clock: () => t.clock.now,
      limits: { sweepIntervalMs: 0 },
    });
    expect(again.admin.clubSettings()).toEqual({
      startingKudos: fromKudos(40),
      kudosCap: fromKudos(100),
      join: 'invite',
    });
    const b = again.admin.join({ token: again.admin.invite().token, name: 'bert' });
    const bView = await (await fetch(`${again.url}/v2/find_user`, { headers: { apikey: b.apikey } })).json();
    expect(bView).toMatchObject({ kudos: 40, kudos_cap: 100 });
    await again.close();
    await t.restart();
    // An explicit limit (a CLI flag, the test kit's) is what runs, and what the owner is shown.
    expect(t.horde.admin.clubSettings()).toMatchObject({ startingKudos: fromKudos(25) });
    // Over the cap: the move is refused with the cap's rc, nothing moves.
    t.horde.admin.award(a.username, 50, 'helped set up');
    expect(() => t.horde.admin.move(a.username, b.username, 70, 'too much')).toThrow(
      expect.objectContaining({ rc: 'KudosCapExceeded' }),
    );
    t.horde.admin.move(a.username, b.username, 30, 'paid back for the GPU');
    const byName = new Map(t.horde.admin.members().map((m) => [m.username, m]));
    expect(byName.get(a.username)?.kudos).toBe(fromKudos(60));
    expect(byName.get(b.username)?.kudos).toBe(fromKudos(70));
    expect(t.horde.admin.ledgerOf(b.id, 0).map((l) => l.memo)).toContain('paid back for the GPU');
    expect(t.horde.admin.verify()).toMatchObject({ ok: true });
  });

  it('lists members with workers and last seen, the owner first', async () => {
    const m = (await join({ token: t.horde.admin.invite().token, name: 'worker-owner' })).body;
    const before = t.horde.admin.members().find((x) => x.id === m.id);
    expect(before).toMatchObject({ workers: 0, lastSeen: t.clock.now, owner: false, trusted: false });
    t.clock.advance(5000);
    const pop = await t.call('POST', '/generate/text/pop', {
      key: m.apikey,
      body: { name: 'club-worker', models: ['m'], max_length: 80, max_context_length: 1024 },
    });
    expect(pop.status).toBe(200);
    const members = t.horde.admin.members();
    expect(members[0]).toMatchObject({ owner: true, username: 'owner#1' });
    expect(members.find((x) => x.id === m.id)).toMatchObject({
      workers: 1,
      workersOnline: 1,
      lastSeen: t.clock.now,
    });
  });
});
