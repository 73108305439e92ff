// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../../shared/bridge/contract';
import * as fx from '../../test/fixtures';
import { renderWithBridge } from '../../test/render';
import { History } from './History';
import { JobProgress } from './JobProgress';
import { fromKudos } from '../../../../shared/ledger/money';

afterEach(cleanup);

const waiting: HistoryEntry = {
  id: 'req-9',
  kind: 'text',
  submittedAt: Date.UTC(2026, 11, 1, 12),
  summary: 'A request from before the reload',
  models: ['tiny-gpt2'],
  kudos: fromKudos(4.75),
  quoted: fromKudos(4.75),
  state: 'waiting',
};

describe('a request that outlives the page', () => {
  it('is back on the panel after a reload, with its progress and Cancel; cancelled, it says what was refunded', async () => {
    let history: HistoryEntry[] = [waiting];
    const { stores } = renderWithBridge(
      <>
        <JobProgress />
        <History />
      </>,
      {
        'requests:history': () => history,
        // Polls answer 'waiting' throughout: one sent before the cancel may arrive after it.
        'requests:status': ({ id }) => fx.textStatus({ id, kudos: fromKudos(0), queuePosition: 3 }),
        'requests:cancel': ({ id }) => {
          history = [{ ...waiting, state: 'cancelled', kudos: fromKudos(0), refunded: fromKudos(4.75) }];
          return fx.textStatus({ id, state: 'cancelled', kudos: fromKudos(0), refunded: fromKudos(4.75) });
        },
      },
    );
    const stop = stores.requests.getState().start();
    try {
      // The window knew nothing of req-9 (a fresh page): the history brings it back.
      const panel = () => {
        const p = screen.getAllByRole('status').find((el) => el.tagName === 'P');
        if (!p) throw new Error('no request panel status');
        return p;
      };
      await waitFor(() => expect(panel().textContent).toContain('Waiting in the queue'), { timeout: 5000 });
      fireEvent.click(screen.getByRole('button', { name: 'Cancel request' }));
      await waitFor(() => expect(panel().textContent).toContain('Cancelled'), { timeout: 5000 });
      expect(panel().textContent).toContain('4.75 kudos refunded');
      expect(panel().textContent).not.toContain('Done');
      const row = await waitFor(() => {
        const r = within(screen.getByRole('table', { name: 'Past requests' }))
          .getByText('A request from before the reload')
          .closest('tr');
        expect(r?.textContent).toContain('Cancelled');
        return r as HTMLElement;
      });
      expect(row.textContent).toContain('4.75 refunded');
      expect(row.textContent).not.toContain('Done');
    } finally {
      stop();
    }
  }, 20_000);

  it('counts the tokens up while this computer’s worker generates them, and drops the count when done', async () => {
    let state: 'processing' | 'done' = 'processing';
    const { stores, bridge } = renderWithBridge(<JobProgress />, {
      'requests:history': () => [{ ...waiting, state: 'processing' }],
      'requests:status': ({ id }) =>
        state === 'processing'
          ? fx.textStatus({ id, state: 'processing', waiting: 0, processing: 1 })
          : fx.textStatus({ id, state: 'done', waiting: 0, finished: 1 }),
    });
    const stop = stores.requests.getState().start();
    try {
      await waitFor(() => expect(stores.requests.getState().text.id).toBe('req-9'), { timeout: 5000 });
      // Another request's progress is not this one's.
      bridge.emit('request:progress', { id: 'other', kind: 'text', done: 70, total: 80, unit: 'tokens' });
      bridge.emit('request:progress', { id: 'req-9', kind: 'text', done: 12, total: 80, unit: 'tokens' });
      const line = await screen.findByLabelText('Tokens generated');
      expect(line.textContent).toBe('Generating 12 / 80 tokens');
      expect(screen.getByRole('progressbar', { name: 'Generation progress' })).toHaveProperty('value', 0.15);
      bridge.emit('request:progress', { id: 'req-9', kind: 'text', done: 40, total: 80, unit: 'tokens' });
      await waitFor(() => expect(line.textContent).toBe('Generating 40 / 80 tokens'));
      // The count is fresher than the polled status: no queue position or horde wait beside it.
      expect(screen.getAllByRole('status')[0]?.textContent).toContain('Generating on this computer’s worker');
      expect(screen.queryByLabelText('Queue position')).toBeNull();
      state = 'done';
      // The tracker pushes the finished request (the window's one source of request updates).
      bridge.emit('request:updated', {
        entry: { ...waiting, state: 'done' },
        text: fx.textStatus({ id: 'req-9', state: 'done', waiting: 0, finished: 1 }),
      });
      await waitFor(() => expect(screen.queryByLabelText('Tokens generated')).toBeNull(), { timeout: 5000 });
    } finally {
      stop();
    }
  });
});
