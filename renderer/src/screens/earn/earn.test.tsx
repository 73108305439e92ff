// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { formatKudos } from '../../format';
import * as fx from '../../test/fixtures';
import { renderWithBridge } from '../../test/render';
import { EarnScreen } from './EarnScreen';
import { kudosPerHour } from './workerState';
import { fromKudos } from '../../../../shared/ledger/money';

afterEach(cleanup);

describe('earn screen', () => {
  it('shows the state at a glance and follows pushed stats', async () => {
    const { bridge } = renderWithBridge(<EarnScreen />);
    const banner = await screen.findByRole('region', { name: 'Worker state' });
    expect(within(banner).getByRole('status').textContent).toBe('Earning');
    expect(screen.getByLabelText('Kudos this session').textContent).toContain(
      formatKudos(fx.stats().kudosThisSession),
    );

    act(() =>
      bridge.emit(
        'worker:stats',
        fx.stats({ kudosThisSession: fromKudos(20), state: 'paused', stateReason: 'Paused for 1 hour.' }),
      ),
    );
    expect(within(banner).getByRole('status').textContent).toBe('Paused');
    expect(banner.textContent).toContain('Paused for 1 hour.');
    expect(screen.getByLabelText('Kudos this session').textContent).toContain(formatKudos(fromKudos(20)));
  });

  it('shows evaluating kudos apart from the total, both from the user record the header reads', async () => {
    const { stores } = renderWithBridge(<EarnScreen />, {
      // The worker's own read is older: the card follows the account (the header's source), not it.
      'worker:stats': () => fx.stats({ kudosTotal: fromKudos(12), evaluatingKudos: fromKudos(1) }),
      'account:get': () => fx.account({ kudos: fromKudos(50), evaluatingKudos: fromKudos(7.5) }),
    });
    await stores.account.getState().refresh();
    await waitFor(() =>
      expect(screen.getByLabelText('Total kudos').textContent).toContain(formatKudos(fromKudos(50))),
    );
    expect(screen.getByLabelText('In evaluation').textContent).toContain(formatKudos(fromKudos(7.5)));
  });

  it('says over which jobs tokens per second are measured, and keeps the start-up check apart', async () => {
    const { bridge } = renderWithBridge(<EarnScreen />, {
      'worker:stats': () =>
        fx.stats({
          tokensPerSecond: 0,
          tokensPerSecondWindow: { jobs: 0, seconds: 0 },
          measuredTokensPerSecond: 713,
        }),
    });
    const stat = await screen.findByLabelText('Tokens per second');
    await waitFor(() => expect(stat.textContent).toContain('no text job yet'));
    expect(stat.textContent).toMatch(/^—/);
    expect(stat.textContent).toContain('no text job yet; the start-up check measured 713 tok/s');
    bridge.emit(
      'worker:stats',
      fx.stats({
        tokensPerSecond: 18.25,
        tokensPerSecondWindow: { jobs: 3, seconds: 42 },
        measuredTokensPerSecond: 713,
      }),
    );
    await waitFor(() =>
      expect(stat.textContent).toMatch(/^18 tok\/s.*over the last 3 text jobs \(42 s generating\)/),
    );
  });

  it('shows maintenance with its reason and a way out', async () => {
    const { bridge } = renderWithBridge(<EarnScreen />, {
      'worker:stats': () =>
        fx.stats({ state: 'maintenance', maintenance: { on: true, reason: 'Too many dropped jobs' } }),
    });
    const banner = await screen.findByRole('region', { name: 'Worker state' });
    await waitFor(() => expect(within(banner).getByRole('status').textContent).toBe('Maintenance'));
    expect(banner.textContent).toContain('Too many dropped jobs');
    fireEvent.click(within(banner).getByRole('button', { name: 'Leave maintenance' }));
    await waitFor(() => expect(bridge.callsTo('worker:leaveMaintenance')).toHaveLength(1));
    await waitFor(() => expect(within(banner).getByRole('status').textContent).toBe('Earning'));
  });

  it('sends earn now and pause 1 h', async () => {
    const { bridge } = renderWithBridge(<EarnScreen />);
    const banner = await screen.findByRole('region', { name: 'Worker state' });
    const pressed = () =>
      within(banner)
        .getAllByRole('button')
        .filter((b) => b.getAttribute('aria-pressed') === 'true')
        .map((b) => b.textContent);
    expect(pressed()).toEqual(['Automatic']);
    fireEvent.click(within(banner).getByRole('button', { name: 'Pause 1 h' }));
    await waitFor(() => expect(within(banner).getByRole('status').textContent).toBe('Paused'));
    expect(pressed()).toEqual(['Pause 1 h']);
    fireEvent.click(within(banner).getByRole('button', { name: 'Earn now' }));
    await waitFor(() =>
      expect(bridge.callsTo('worker:control')).toEqual([{ action: 'pause_1h' }, { action: 'earn_now' }]),
    );
    await waitFor(() => expect(pressed()).toEqual(['Earn now']));
  });

  it('shows the running job with its progress and the models with load progress', async () => {
    renderWithBridge(<EarnScreen />, {
      'worker:stats': () =>
        fx.stats({
          currentJob: {
            id: 'j',
            kind: 'text',
            model: 'tiny-gpt2',
            progress: 0.25,
            tokens: 20,
            maxTokens: 80,
          },
        }),
      'models:local': () => [
        {
          name: 'tiny-gpt2',
          kind: 'text',
          path: 'a',
          sizeBytes: 1,
          load: { state: 'loading', fraction: 0.4 },
        },
      ],
    });
    expect(
      ((await screen.findByRole('progressbar', { name: 'Job progress' })) as HTMLProgressElement).value,
    ).toBe(0.25);
    expect(screen.getByText(/20 of 80 tokens/)).toBeTruthy();
    expect(
      ((await screen.findByRole('progressbar', { name: 'Loading tiny-gpt2' })) as HTMLProgressElement).value,
    ).toBe(0.4);
  });

  it('shows how long a ready model took to load, and why a model was not loaded', async () => {
    const reason = 'Needs about 900 MB; that is over the memory cap of 512 MB set in Settings';
    renderWithBridge(<EarnScreen />, {
      'models:local': () => [
        {
          name: 'tiny-gpt2',
          kind: 'text',
          path: 'a',
          sizeBytes: 1,
          load: { state: 'ready', fraction: 1, seconds: 0.42 },
        },
        {
          name: 'big',
          kind: 'alchemy',
          path: 'b',
          sizeBytes: 1,
          load: { state: 'error', fraction: 0, error: reason },
        },
      ],
    });
    expect(await screen.findByText(/Ready\s*\(loaded in 0\.4 s\)/)).toBeTruthy();
    expect(screen.getByText(reason)).toBeTruthy();
  });

  it('saves idle policy switches', async () => {
    const { bridge } = renderWithBridge(<EarnScreen />);
    const onAc = await screen.findByRole('switch', { name: 'Only on AC power' });
    expect((onAc as HTMLInputElement).checked).toBe(true);
    fireEvent.click(onAc);
    await waitFor(() => expect(bridge.callsTo('settings:set')).toContainEqual({ idle: { onlyOnAC: false } }));
    fireEvent.click(screen.getByRole('switch', { name: 'Earn only on a schedule' }));
    await waitFor(() => expect(screen.getByLabelText('From')).toBeTruthy());
    fireEvent.click(screen.getByRole('switch', { name: 'Earn only when the computer is idle' }));
    await waitFor(() => expect(bridge.callsTo('settings:set')).toContainEqual({ idle: { idleMinutes: 0 } }));
  });

  it('sets how long a job may run after the user returns, and refuses an impossible time', async () => {
    const { bridge } = renderWithBridge(<EarnScreen />);
    const untilDeadline = await screen.findByRole('switch', {
      name: "When you come back, let the job run until the horde's deadline",
    });
    expect((untilDeadline as HTMLInputElement).checked).toBe(true);
    fireEvent.click(untilDeadline);
    await waitFor(() =>
      expect(bridge.callsTo('settings:set')).toContainEqual({ idle: { afterReturnSeconds: 30 } }),
    );
    const box = await screen.findByLabelText('After you come back, a job may keep running for (seconds)');
    fireEvent.change(box, { target: { value: '5000' } });
    expect(await screen.findByText('A whole number of seconds from 0 to 3600.')).toBeTruthy();
    fireEvent.change(box, { target: { value: '90' } });
    await waitFor(() =>
      expect(bridge.callsTo('settings:set')).toContainEqual({ idle: { afterReturnSeconds: 90 } }),
    );
    expect(bridge.callsTo('settings:set')).not.toContainEqual({ idle: { afterReturnSeconds: 5000 } });
    fireEvent.click(untilDeadline);
    await waitFor(() =>
      expect(bridge.callsTo('settings:set')).toContainEqual({ idle: { afterReturnSeconds: null } }),
    );
  });

  it('never titles the banner with a state its reason contradicts', async () => {
    const { bridge } = renderWithBridge(<EarnScreen />, {
      'worker:stats': () =>
        fx.stats({
          state: 'waiting_for_idle',
          stateReason: 'On battery power: earning waits for the charger',
        }),
    });
    const banner = await screen.findByRole('region', { name: 'Worker state' });
    await waitFor(() => expect(within(banner).getByRole('status').textContent).toBe('Not earning now'));
    act(() =>
      bridge.emit(
        'worker:stats',
        fx.stats({
          state: 'running',
          stateReason: 'Finishing the running job before pausing (You are using the computer)',
          currentJob: { id: 'j', kind: 'text', model: 'm', progress: 0.9, tokens: 9, maxTokens: 10 },
        }),
      ),
    );
    expect(within(banner).getByRole('status').textContent).toBe('Finishing a job');
  });

  it('shows each measured signal only where it works here, and picks programs from the running ones', async () => {
    const { bridge } = renderWithBridge(<EarnScreen />, {
      'worker:stats': () =>
        fx.stats({
          signals: {
            fullscreen: {
              available: false,
              how: 'Not available on Wayland: it does not let one program see.',
            },
            programs: { available: true, how: 'Reads the process list from /proc.' },
            cpu: { available: true, how: 'CPU time minus this app’s own.' },
          },
        }),
    });
    expect(await screen.findByText(/Full-screen pause: Not available on Wayland/)).toBeTruthy();
    expect(screen.queryByRole('switch', { name: 'Pause while a full-screen program runs' })).toBeNull();
    expect(screen.getByRole('switch', { name: 'Pause while other programs keep the CPU busy' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Choose from running programs…' }));
    const list = await screen.findByRole('list', { name: 'Running programs' });
    await waitFor(() => expect(within(list).getByRole('button', { name: 'steam' })).toBeTruthy());
    fireEvent.click(within(list).getByRole('button', { name: 'steam' }));
    await waitFor(() =>
      expect(bridge.callsTo('settings:set')).toContainEqual({ idle: { pausePrograms: ['steam'] } }),
    );
  });

  it('says when no worker runs here', async () => {
    renderWithBridge(<EarnScreen />, { 'worker:stats': () => null });
    expect(await screen.findByText(/No worker runs in this copy of the app/)).toBeTruthy();
  });

  it('does not claim a rate from the first minutes, and counts uptime rewards over online time', () => {
    const session = { since: 0, jobKudos: fromKudos(5), uptimeKudos: fromKudos(3), source: 'horde' as const };
    expect(kudosPerHour({ session: { ...session, onlineSeconds: 60 } })).toBeNull();
    expect(kudosPerHour({ session: { ...session, onlineSeconds: 1800 } })).toBe(16);
    expect(kudosPerHour({})).toBeNull();
  });

  it('shows jobs paid to oneself apart, out of earned today and out of the rate', async () => {
    const now = Date.now();
    const entry = (
      id: string,
      kind: 'job_earned' | 'job_paid' | 'uptime',
      kudos: number,
      selfPaid = false,
    ) => ({
      id,
      at: now - 1000,
      kind,
      kudos: fromKudos(kudos),
      ...(selfPaid ? { selfPaid } : {}),
    });
    const entries = [
      entry('a', 'job_earned', 4),
      entry('b', 'uptime', 2),
      entry('c', 'job_earned', 10, true),
      entry('d', 'job_paid', -10, true),
    ];
    renderWithBridge(<EarnScreen />, {
      'journal:entries': () => ({
        entries,
        totals: {
          earned: fromKudos(16),
          spent: fromKudos(10),
          transferredIn: fromKudos(0),
          transferredOut: fromKudos(0),
          awarded: fromKudos(0),
          net: fromKudos(6),
        },
      }),
      'worker:stats': () =>
        fx.stats({
          session: {
            since: now - 3_600_000,
            onlineSeconds: 3600,
            jobKudos: fromKudos(14),
            uptimeKudos: fromKudos(2),
            source: 'horde',
          },
        }),
    });
    await waitFor(() =>
      expect(screen.getByLabelText('Kudos earned today').textContent).toContain(formatKudos(fromKudos(6))),
    );
    expect(screen.getByLabelText('Paid to yourself today').textContent).toContain(formatKudos(fromKudos(10)));
    // (14 job kudos − 10 paid by oneself + 2 uptime) over 1 h online.
    expect(screen.getByLabelText('Kudos per hour').textContent).toContain('6.0 kudos/h');
  });

  it('defines every figure in one line, with the window and the source', async () => {
    renderWithBridge(<EarnScreen />, {
      'worker:stats': () =>
        fx.stats({
          hordeUptimeSeconds: 7200,
          session: {
            since: 0,
            onlineSeconds: 1800,
            jobKudos: fromKudos(20),
            uptimeKudos: fromKudos(10),
            source: 'horde',
          },
        }),
    });
    const perHour = await screen.findByLabelText('Kudos per hour');
    expect(perHour.textContent).toContain('60 kudos/h');
    expect(perHour.textContent).toContain('(job + uptime rewards) ÷ time online to the horde, this session');
    expect(perHour.textContent).toContain("from the horde's worker records");
    const online = screen.getByLabelText('Online to the horde');
    expect(online.textContent).toContain('2 h 00 min');
    expect(online.textContent).toContain("the horde's worker record");
    const figures = document.querySelectorAll('dl.stats .stat');
    expect(figures.length).toBeGreaterThan(5);
    for (const f of figures) expect(f.querySelector('.hint')?.textContent?.length ?? 0).toBeGreaterThan(10);
  });
});
