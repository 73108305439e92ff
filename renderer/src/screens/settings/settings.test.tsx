// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import * as fx from '../../test/fixtures';
import { renderWithBridge } from '../../test/render';
import type { LocalModel } from '../../../../shared/bridge/contract';
import { SettingsScreen } from './SettingsScreen';
import { fromKudos } from '../../../../shared/ledger/money';

afterEach(cleanup);

describe('settings screen', () => {
  it('saves the horde choice, worker name and caps', async () => {
    const { bridge } = renderWithBridge(<SettingsScreen />);
    const name = await screen.findByLabelText('Worker name');
    expect((name as HTMLInputElement).value).toBe(fx.settings().workerName);
    fireEvent.change(name, { target: { value: 'attic-pc' } });
    fireEvent.click(screen.getByRole('radio', { name: /Another horde/ }));
    fireEvent.change(screen.getByLabelText('Horde URL'), {
      target: { value: 'http://192.168.1.5:7001/api' },
    });
    fireEvent.change(screen.getByLabelText('Memory cap in MiB (0 = none)'), { target: { value: '3000' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Settings saved'));
    expect(bridge.callsTo('settings:set')[0]).toMatchObject({
      workerName: 'attic-pc',
      horde: { mode: 'custom', url: 'http://192.168.1.5:7001/api' },
      memoryMb: 3000,
    });
  });

  it('applies a new horde and LAN sharing at once: no restart asked, the horde line follows', async () => {
    let horde: { mode: 'embedded' | 'public' | 'custom'; url?: string } = { mode: 'embedded' };
    const { bridge } = renderWithBridge(<SettingsScreen />, {
      'settings:set': (patch) => {
        if (patch.horde) horde = patch.horde;
        return { ...fx.settings(), ...patch, idle: { ...fx.settings().idle, ...patch.idle } };
      },
      'app:info': () => ({
        version: '0.1.0',
        shell: 'serve',
        horde:
          horde.mode === 'custom'
            ? { mode: 'custom', url: horde.url! }
            : { mode: 'embedded', url: 'http://127.0.0.1:1/api' },
        username: 'owner#1',
        workerEnabled: true,
        dataDir: '/data',
      }),
    });
    fireEvent.click(await screen.findByRole('radio', { name: /Another horde/ }));
    fireEvent.change(screen.getByLabelText('Horde URL'), {
      target: { value: 'http://192.168.1.5:7001/api' },
    });
    fireEvent.click(screen.getByRole('switch', { name: /Share the embedded horde/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() =>
      expect(screen.getByRole('status').textContent).toBe(
        'Settings saved: this app uses the horde at http://192.168.1.5:7001/api.',
      ),
    );
    expect(bridge.callsTo('settings:set')[0]).toMatchObject({ lanSharing: true });
    expect(document.body.textContent).not.toMatch(/restart/i);
  });

  it('refuses a custom horde without a valid URL', async () => {
    const { bridge } = renderWithBridge(<SettingsScreen />);
    fireEvent.click(await screen.findByRole('radio', { name: /Another horde/ }));
    fireEvent.change(screen.getByLabelText('Horde URL'), { target: { value: 'not a url' } });
    expect(screen.getByRole('list', { name: 'Settings problems' }).textContent).toMatch(/full address/);
    expect(screen.getByRole('button', { name: 'Save settings' })).toHaveProperty('disabled', true);
    expect(bridge.callsTo('settings:set')).toHaveLength(0);
  });

  it('warns when LAN sharing is turned on (off by default)', async () => {
    renderWithBridge(<SettingsScreen />);
    const lan = await screen.findByRole('switch', { name: /Share the embedded horde/ });
    expect((lan as HTMLInputElement).checked).toBe(false);
    expect(screen.queryByRole('note')).toBeNull();
    fireEvent.click(lan);
    expect(screen.getByRole('note').textContent).toMatch(/never on public Wi-Fi/);
  });

  it('never shows the API key, only its masked form', async () => {
    const secret = 'abcdef0123456789wxyz';
    const { bridge } = renderWithBridge(<SettingsScreen />);
    const form = await screen.findByRole('form', { name: 'API key' });
    const input = within(form).getByLabelText('New API key') as HTMLInputElement;
    expect(input.type).toBe('password');
    fireEvent.change(input, { target: { value: secret } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save key' }));
    await waitFor(() => expect(within(form).getByLabelText('Current API key').textContent).toContain('wxyz'));
    await waitFor(() => expect(input.value).toBe(''));
    expect(document.body.textContent).not.toContain(secret);
    expect(bridge.callsTo('settings:setApiKey')).toEqual([{ apiKey: secret }]);

    fireEvent.click(within(form).getByRole('button', { name: 'Clear key' }));
    await waitFor(() =>
      expect(within(form).getByLabelText('Current API key').textContent).toMatch(/No key set/),
    );
  });

  it('explains a rejected key', async () => {
    renderWithBridge(<SettingsScreen />, {
      'settings:setApiKey': () => Promise.reject({ rc: 'InvalidAPIKey', message: 'bad key' }),
    });
    const form = await screen.findByRole('form', { name: 'API key' });
    fireEvent.change(within(form).getByLabelText('New API key'), { target: { value: 'nope-not-a-key' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save key' }));
    expect((await within(form).findByRole('alert')).textContent).toContain('did not accept your API key');
  });

  it('checks the key’s format as it is typed, before anything is sent', async () => {
    const { bridge } = renderWithBridge(<SettingsScreen />);
    const form = await screen.findByRole('form', { name: 'API key' });
    const input = within(form).getByLabelText('New API key');
    fireEvent.change(input, { target: { value: 'short' } });
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(form.textContent).toContain('at least 10 characters');
    fireEvent.change(input, { target: { value: '"abcdefghijkl mnop"' } });
    expect(form.textContent).toContain('check for spaces or quotes');
    expect(within(form).getByRole('button', { name: 'Save key' })).toHaveProperty('disabled', true);
    expect(within(form).getByRole('button', { name: 'Check key' })).toHaveProperty('disabled', true);
    fireEvent.change(input, { target: { value: 'abcdefghijklmnopqrstuv' } });
    expect(input.getAttribute('aria-invalid')).toBe('false');
    expect(within(form).getByRole('button', { name: 'Save key' })).toHaveProperty('disabled', false);
    expect(bridge.callsTo('settings:setApiKey')).toHaveLength(0);
  });

  it('"Check key" shows whose key it is and their kudos, and saves nothing', async () => {
    const { bridge } = renderWithBridge(<SettingsScreen />, {
      'settings:checkApiKey': () => ({ username: 'alice#12', kudos: fromKudos(1234.5) }),
    });
    const form = await screen.findByRole('form', { name: 'API key' });
    fireEvent.change(within(form).getByLabelText('New API key'), {
      target: { value: 'abcdefghijklmnopqrstuv' },
    });
    fireEvent.click(within(form).getByRole('button', { name: 'Check key' }));
    const found = await within(form).findByLabelText('Key check');
    expect(found.textContent).toContain('alice#12');
    expect(found.textContent).toContain('1,234.50 kudos');
    expect(bridge.callsTo('settings:checkApiKey')).toEqual([{ apiKey: 'abcdefghijklmnopqrstuv' }]);
    expect(bridge.callsTo('settings:setApiKey')).toHaveLength(0);
  });

  it('on the public AI Horde: the register link and what an anonymous worker cannot earn', async () => {
    renderWithBridge(<SettingsScreen />, {
      'settings:get': () => ({ ...fx.settings(), horde: { mode: 'public' } }),
    });
    const about = await screen.findByRole('note', { name: 'About the public AI Horde' });
    expect(about.textContent).toMatch(/does not accept anonymous\s+workers/);
    const links = screen.getAllByRole('link', { name: /register/i });
    expect(links.length).toBeGreaterThan(0);
    for (const a of links) expect(a.getAttribute('href')).toBe('https://aihorde.net/register');
  });

  it('renames the owner on the embedded horde, keeping the number, and refuses a name with #', async () => {
    const { bridge } = renderWithBridge(<SettingsScreen />, {
      'account:rename': ({ name }) => fx.account({ username: `${name}#1` }),
    });
    const form = await screen.findByRole('form', { name: 'Your name on this horde' });
    const input = (await within(form).findByLabelText('Your name on this horde')) as HTMLInputElement;
    expect(input.value).toBe('owner');
    const save = within(form).getByRole('button', { name: 'Save name' });
    expect(save).toHaveProperty('disabled', true);
    fireEvent.change(input, { target: { value: 'ada#2' } });
    expect(within(form).getByRole('alert').textContent).toMatch(/cannot contain “#”/);
    expect(save).toHaveProperty('disabled', true);
    fireEvent.change(input, { target: { value: ' Ada Lovelace ' } });
    fireEvent.click(save);
    await waitFor(() =>
      expect(within(form).getByRole('status').textContent).toBe(
        'Name saved: you are Ada Lovelace#1 on this horde.',
      ),
    );
    expect(bridge.callsTo('account:rename')).toEqual([{ name: 'Ada Lovelace' }]);
  });

  it('says where the idle policy is set: the Earn screen, linked', async () => {
    renderWithBridge(<SettingsScreen />);
    const link = await screen.findByRole('link', { name: /When to earn/ });
    expect(link.getAttribute('href')).toBe('#earn');
  });
});

describe('text model precision', () => {
  const models = (): LocalModel[] => [
    { ...fx.localModels()[0]!, dtypes: ['fp32', 'q8', 'q4'] },
    {
      name: 'tiny-nsfw',
      kind: 'alchemy',
      path: 'tiny-nsfw',
      sizeBytes: 1000,
      load: { state: 'found', fraction: 0 },
    },
  ];

  it('offers auto and every dtype, says what each text model ships and loads, and saves a forced one', async () => {
    const { bridge } = renderWithBridge(<SettingsScreen />, { 'models:local': models });
    const select = (await screen.findByLabelText('Text model precision')) as HTMLSelectElement;
    expect(select.value).toBe('auto');
    expect([...select.options].map((o) => o.value)).toEqual([
      'auto',
      'fp32',
      'q8',
      'int8',
      'uint8',
      'q4',
      'bnb4',
      'fp16',
      'q4f16',
    ]);
    const variants = await screen.findByRole('list', { name: 'Text model variants' });
    await waitFor(() =>
      expect(variants.textContent).toContain('tiny-gpt2 ships fp32, q8, q4; on the CPU it loads q8.'),
    );
    // Only text models have a precision to choose.
    expect(variants.textContent).not.toContain('tiny-nsfw');

    fireEvent.change(select, { target: { value: 'fp16' } });
    expect(variants.textContent).toContain('it has no fp16 variant, so it will not load');
    fireEvent.change(select, { target: { value: 'q4' } });
    expect(variants.textContent).toContain('on the CPU it loads q4.');
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Settings saved'));
    expect(bridge.callsTo('settings:set')[0]).toMatchObject({ textDtype: 'q4' });
  });

  it('does not send the precision when it was not changed (a new one reloads the model)', async () => {
    const { bridge } = renderWithBridge(<SettingsScreen />);
    fireEvent.change(await screen.findByLabelText('Worker name'), { target: { value: 'attic-pc' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Settings saved'));
    expect(bridge.callsTo('settings:set')[0]).not.toHaveProperty('textDtype');
  });
});
