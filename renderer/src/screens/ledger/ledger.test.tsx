// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry, LedgerPage } from '../../../../shared/bridge/contract';
import { formatKudos, formatSignedKudos } from '../../format';
import * as fx from '../../test/fixtures';
import { renderWithBridge } from '../../test/render';
import { LedgerScreen } from './LedgerScreen';
import { bucketSize, earnedVsSpent } from './series';
import { fromKudos } from '../../../../shared/ledger/money';

afterEach(cleanup);
// The chart is lazy-loaded in the app; loading recharts once up front keeps each test's own time small.
beforeAll(() => import('./EarnedSpentChart'), 60_000);

const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);
const MIN = 60_000;
const entries: JournalEntry[] = [
  { id: 'e3', at: T0 + 20 * MIN, kind: 'job_paid', kudos: fromKudos(-7), ref: 'req-9' },
  { id: 'e2', at: T0 + 10 * MIN, kind: 'uptime', kudos: fromKudos(2.5) },
  { id: 'e1', at: T0 + 1 * MIN, kind: 'job_earned', kudos: fromKudos(4.25), ref: 'req-1' },
];
const page = (e: JournalEntry[] = entries): LedgerPage => ({
  entries: e,
  totals: {
    earned: fromKudos(6.75),
    spent: fromKudos(7),
    transferredIn: fromKudos(0),
    transferredOut: fromKudos(0),
    awarded: fromKudos(0),
    net: fromKudos(-0.25),
  },
});

describe('earned vs spent series', () => {
  it('accumulates credits and debits separately', () => {
    const s = earnedVsSpent(entries, T0 + 30 * MIN);
    const last = s.at(-1)!;
    expect(last.earned).toBe(fromKudos(4.25 + 2.5));
    expect(last.spent).toBe(fromKudos(7));
    expect(s[0]).toMatchObject({ earned: 0, spent: 0 });
    // Running totals never go down.
    for (let i = 1; i < s.length; i++) expect(s[i]!.earned).toBeGreaterThanOrEqual(s[i - 1]!.earned);
  });

  it('counts awards on a line of their own, as the Awarded figure does, not as earned or spent', () => {
    const withAwards: JournalEntry[] = [
      ...entries,
      { id: 'a1', at: T0 + 5 * MIN, kind: 'award', kudos: fromKudos(15) },
      { id: 'a2', at: T0 + 6 * MIN, kind: 'award', kudos: fromKudos(-2.5) },
    ];
    const last = earnedVsSpent(withAwards, T0 + 30 * MIN).at(-1)!;
    expect(last).toMatchObject({ earned: fromKudos(6.75), spent: fromKudos(7), awarded: fromKudos(12.5) });
  });

  it('picks coarser buckets for longer spans', () => {
    expect(bucketSize(30 * MIN)).toBeLessThan(bucketSize(30 * 24 * 60 * MIN));
    expect(earnedVsSpent(entries, T0 + 30 * 24 * 60 * MIN).length).toBeLessThanOrEqual(62);
  });

  it('is empty without entries', () => {
    expect(earnedVsSpent([], T0)).toEqual([]);
  });
});

describe('ledger screen', () => {
  it('shows balance, available and the entries, filtered by kind', async () => {
    const acct = fx.account();
    renderWithBridge(<LedgerScreen />, { 'journal:entries': () => page() });
    await waitFor(() =>
      expect(screen.getByLabelText('Available').textContent).toContain(formatKudos(acct.available)),
    );
    expect(screen.getByLabelText('Balance').textContent).toBe(formatKudos(acct.kudos));
    const table = await screen.findByRole('table', { name: 'Ledger entries' });
    expect(within(table).getByText('Job paid')).toBeTruthy();
    expect(within(table).getByText(formatSignedKudos(fromKudos(4.25)))).toBeTruthy();

    fireEvent.click(screen.getByRole('switch', { name: 'Jobs paid' }));
    expect(within(table).queryByText('Job paid')).toBeNull();
    expect(within(table).getByText('Job earned')).toBeTruthy();
  });

  it('asks for confirmation before a transfer and sends it once confirmed', async () => {
    const { bridge } = renderWithBridge(<LedgerScreen />, {
      'journal:entries': () => page(),
      'account:transfer': (r) => ({
        transferred: r.kudos,
        toUsername: r.toUsername,
        account: fx.account({ kudos: fromKudos(100) }),
      }),
    });
    await screen.findByRole('table', { name: 'Ledger entries' });
    fireEvent.change(screen.getByLabelText('Recipient username'), { target: { value: 'friend#2' } });
    fireEvent.change(screen.getByLabelText('Kudos to send'), { target: { value: '12.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send kudos…' }));

    const dialog = screen.getByRole('dialog', { name: 'Send kudos?' });
    expect(dialog.textContent).toContain('friend#2');
    // Focus starts on the confirm button and Tab stays inside the dialog.
    const confirm = within(dialog).getByRole('button', {
      name: `Send ${formatKudos(fromKudos(12.5))} kudos`,
    });
    expect(document.activeElement).toBe(confirm);
    fireEvent.keyDown(confirm, { key: 'Tab' });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(bridge.callsTo('account:transfer')).toHaveLength(0);
    fireEvent.click(
      within(dialog).getByRole('button', { name: `Send ${formatKudos(fromKudos(12.5))} kudos` }),
    );

    await waitFor(() =>
      expect(screen.getByRole('status').textContent).toContain(
        `Sent ${formatKudos(fromKudos(12.5))} kudos to friend#2`,
      ),
    );
    expect(bridge.callsTo('account:transfer')).toEqual([
      { toUsername: 'friend#2', kudos: fromKudos(12.5), idempotencyKey: expect.any(String) },
    ]);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('cancelling the confirmation sends nothing; a refused transfer is explained', async () => {
    const { bridge } = renderWithBridge(<LedgerScreen />, {
      'account:transfer': () => Promise.reject({ rc: 'InvalidTargetUsername', message: 'no such user' }),
    });
    fireEvent.change(screen.getByLabelText('Recipient username'), { target: { value: 'ghost#9' } });
    fireEvent.change(screen.getByLabelText('Kudos to send'), { target: { value: '1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send kudos…' }));
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(bridge.callsTo('account:transfer')).toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Send kudos…' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: /^Send / }));
    expect((await screen.findByRole('alert')).textContent).toContain('No user has that username.');
  });

  it('says so when there is nothing yet', async () => {
    renderWithBridge(<LedgerScreen />);
    expect(await screen.findByText('No ledger entries yet.')).toBeTruthy();
  });
});
