// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from './App';
import { formatKudos } from './format';
import * as fx from './test/fixtures';
import { renderWithBridge } from './test/render';
import { fromKudos } from '../../shared/ledger/money';

beforeAll(() => import('./screens/ledger/EarnedSpentChart'), 60_000);

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

describe('app shell', () => {
  it('renders each screen from its tab', async () => {
    renderWithBridge(<App />);
    expect(await screen.findByRole('region', { name: 'Worker state' })).toBeTruthy();
    fireEvent.click(screen.getByRole('tab', { name: 'Request' }));
    expect(screen.getByRole('form', { name: 'Text request' })).toBeTruthy();
    fireEvent.click(screen.getByRole('tab', { name: 'Ledger' }));
    expect(await screen.findByRole('form', { name: 'Transfer kudos' })).toBeTruthy();
    fireEvent.click(screen.getByRole('tab', { name: 'Settings' }));
    expect(await screen.findByRole('form', { name: 'Settings' })).toBeTruthy();
    fireEvent.click(screen.getByRole('tab', { name: 'Models' }));
    expect(await screen.findByRole('form', { name: 'Add a model folder' })).toBeTruthy();
    // Five screens and their stores on two shared cores: more than the default 5 s.
  }, 20_000);

  it('shows whether the chosen horde answers', async () => {
    renderWithBridge(<App />);
    expect((await screen.findByLabelText('Horde connection')).textContent).toContain('Embedded horde online');
    cleanup();
    renderWithBridge(<App />, {
      'horde:health': () => ({ mode: 'public', url: 'https://aihorde.net/api', online: false, checkedAt: 1 }),
    });
    expect((await screen.findByLabelText('Horde connection')).textContent).toContain('AI Horde offline');
  });

  it('follows the #hash: a link or Back opens the screen it names', async () => {
    renderWithBridge(<App />);
    fireEvent.click(screen.getByRole('tab', { name: 'Ledger' }));
    expect(window.location.hash).toBe('#ledger');
    window.location.hash = '#settings';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await waitFor(() =>
      expect(screen.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected')).toBe('true'),
    );
  });

  it('shows the kudos held in evaluation and the cap, once reached, beside the balance', async () => {
    renderWithBridge(<App />, {
      'account:get': () =>
        fx.account({
          kudos: fromKudos(500),
          available: fromKudos(480),
          evaluatingKudos: fromKudos(7.5),
          kudosCap: fromKudos(500),
        }),
    });
    const header = await waitFor(() => {
      const text = document.querySelector('.header-balance')?.textContent ?? '';
      expect(text).toContain('in evaluation');
      return text;
    });
    expect(header).toContain(`${formatKudos(fromKudos(7.5))} in evaluation`);
    expect(header).toContain(`at the cap of ${formatKudos(fromKudos(500))}`);
    cleanup();
    renderWithBridge(<App />, {
      'account:get': () =>
        fx.account({ kudos: fromKudos(499), evaluatingKudos: fromKudos(0), kudosCap: fromKudos(500) }),
    });
    await waitFor(() =>
      expect(document.querySelector('.header-balance')?.textContent).toContain('available'),
    );
    expect(document.querySelector('.header-balance')?.textContent).not.toMatch(/cap|evaluation/);
  });

  it('moves between tabs with the arrow keys', () => {
    renderWithBridge(<App />);
    const earn = screen.getByRole('tab', { name: 'Earn' });
    expect(earn.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(earn, { key: 'ArrowRight' });
    const request = screen.getByRole('tab', { name: 'Request' });
    expect(request.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(request);
    fireEvent.keyDown(request, { key: 'ArrowRight' });
    const image = screen.getByRole('tab', { name: 'Image' });
    expect(image.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(image, { key: 'ArrowRight' });
    expect(screen.getByRole('tab', { name: 'Models' }).getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(screen.getByRole('tab', { name: 'Models' }), { key: 'End' });
    expect(screen.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected')).toBe('true');
  });

  it('keeps a half-written request when the user looks at another screen', async () => {
    renderWithBridge(<App />);
    fireEvent.click(screen.getByRole('tab', { name: 'Request' }));
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'Dear diary' } });
    fireEvent.change(screen.getByLabelText('Max length (tokens)'), { target: { value: '120' } });
    fireEvent.click(screen.getByRole('tab', { name: 'Earn' }));
    fireEvent.click(screen.getByRole('tab', { name: 'Request' }));
    expect((screen.getByLabelText('Prompt') as HTMLTextAreaElement).value).toBe('Dear diary');
    expect((screen.getByLabelText('Max length (tokens)') as HTMLInputElement).value).toBe('120');
  });

  it('shows the available kudos in the header', async () => {
    renderWithBridge(<App />);
    await waitFor(() =>
      expect(screen.getByRole('banner').textContent).toContain(formatKudos(fx.account().available)),
    );
  });
});
