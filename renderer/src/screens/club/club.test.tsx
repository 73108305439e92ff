// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemberView } from '../../../../shared/bridge/club';
import { fromKudos } from '../../../../shared/ledger/money';
import { formatKudos } from '../../format';
import { renderWithBridge } from '../../test/render';
import { HordeSettingsCard } from './HordeSettingsCard';
import { MembersCard } from './MembersCard';

afterEach(cleanup);

const member = (over: Partial<MemberView>): MemberView => ({
  id: 2,
  username: 'bob#2',
  kudos: fromKudos(40.5),
  evaluatingKudos: fromKudos(2.25),
  workers: 1,
  workersOnline: 0,
  lastSeen: null,
  trusted: false,
  flagged: false,
  owner: false,
  createdAt: 0,
  ...over,
});

const owner = {
  share: () => ({
    enabled: false,
    listening: false,
    port: null,
    addresses: [],
    problem: null,
    announcedAs: null,
    invites: [],
    restartRequired: false,
  }),
};

describe('club cards: kudos cross the bridge as milli-kudos', () => {
  it('shows the horde settings in kudos and saves typed kudos as milli-kudos', async () => {
    const { stores, bridge } = renderWithBridge(<HordeSettingsCard />, {
      'club:share': owner.share,
      'club:members': () => [],
      'club:flags': () => [],
      'club:backups': () => [],
      'club:settings': () => ({ startingKudos: fromKudos(25), kudosCap: fromKudos(500), join: 'invite' }),
      'club:setSettings': (s) => ({ startingKudos: fromKudos(25), kudosCap: null, join: 'invite', ...s }),
    });
    await stores.club.getState().refresh();
    const starting = (await screen.findByLabelText('Starting kudos of a new member')) as HTMLInputElement;
    expect(starting.value).toBe('25');
    expect((screen.getByLabelText('Most kudos one member may hold') as HTMLInputElement).value).toBe('500');
    fireEvent.change(starting, { target: { value: '30.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save horde settings' }));
    await waitFor(() => expect(bridge.callsTo('club:setSettings')).toHaveLength(1));
    expect(bridge.callsTo('club:setSettings')[0]).toEqual({
      startingKudos: fromKudos(30.5),
      kudosCap: fromKudos(500),
      join: 'invite',
    });
  });

  it('lists members’ kudos as the window formats them and awards typed kudos as milli-kudos', async () => {
    const members = [member({ id: 1, username: 'me#1', owner: true }), member({})];
    const { stores, bridge } = renderWithBridge(<MembersCard />, {
      'club:share': owner.share,
      'club:members': () => members,
      'club:flags': () => [],
      'club:backups': () => [],
      'club:settings': () => ({ startingKudos: fromKudos(25), kudosCap: null, join: 'invite' }),
      'club:award': () => members,
    });
    await stores.club.getState().refresh();
    const table = await screen.findByRole('table', { name: 'Members' });
    const row = within(table).getByText('bob#2').closest('tr')!;
    expect(row.textContent).toContain(formatKudos(fromKudos(40.5)));
    expect(row.textContent).toContain(formatKudos(fromKudos(2.25)));
    const form = screen.getByRole('form', { name: 'Award or move kudos' });
    fireEvent.change(within(form).getByLabelText('Member'), { target: { value: 'bob#2' } });
    fireEvent.change(within(form).getByLabelText('Kudos'), { target: { value: '15.25' } });
    fireEvent.change(within(form).getByLabelText('Reason'), { target: { value: 'brought a GPU' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Award' }));
    await waitFor(() => expect(bridge.callsTo('club:award')).toHaveLength(1));
    expect(bridge.callsTo('club:award')[0]).toEqual({
      username: 'bob#2',
      kudos: fromKudos(15.25),
      reason: 'brought a GPU',
    });
    // The sentence the club screen shows after it (ClubScreen reads the store's `done`).
    await waitFor(() =>
      expect(stores.club.getState().done).toBe(`Awarded ${formatKudos(fromKudos(15.25))} kudos to bob#2.`),
    );
  });
});
