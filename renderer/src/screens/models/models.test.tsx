// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DownloadProgress } from '../../../../shared/bridge/contract';
import * as fx from '../../test/fixtures';
import { renderWithBridge } from '../../test/render';
import { EarnScreen } from '../earn/EarnScreen';
import { ModelsScreen } from './ModelsScreen';

afterEach(cleanup);

const progress = (over: Partial<DownloadProgress>): DownloadProgress => ({
  id: 'modnet',
  repo: 'Xenova/modnet',
  state: 'downloading',
  bytesDone: 0,
  bytesTotal: 4 * 1024 * 1024,
  bytesPerSecond: 0,
  secondsLeft: null,
  resumedFromBytes: 0,
  refetchedBytes: 0,
  ...over,
});

describe('first run on the Earn screen', () => {
  it('offers the catalog when nothing is installed, with what each earns, and one click downloads', async () => {
    const { bridge } = renderWithBridge(<EarnScreen />, { 'models:installed': () => [] });
    const chooser = await screen.findByRole('region', { name: 'Choose what to earn with' });
    const modnet = await within(chooser).findByRole('listitem', { name: 'MODNet background removal' });
    expect(modnet.textContent).toContain('40 kudos of uptime per 10 minutes');
    expect(modnet.textContent).toContain('serves strip_background');
    // Entries this machine cannot run say why instead of offering a download.
    const qwen = within(chooser).getByRole('listitem', { name: 'Qwen2.5 0.5B Instruct (text)' });
    expect(qwen.textContent).toContain('Not for this machine: Needs about 1.0 GB of memory');
    expect(within(qwen).queryByRole('button', { name: 'Download and earn' })).toBeNull();

    fireEvent.click(within(modnet).getByRole('button', { name: 'Download and earn' }));
    await waitFor(() => expect(bridge.callsTo('models:download')).toEqual([{ id: 'modnet' }]));
    act(() =>
      bridge.emit(
        'models:download',
        progress({ bytesDone: 1024 * 1024, bytesPerSecond: 512 * 1024, secondsLeft: 6 }),
      ),
    );
    const bar = within(modnet).getByRole('progressbar', { name: 'Downloading MODNet background removal' });
    expect(Number(bar.getAttribute('value'))).toBeCloseTo(0.25, 2);
    expect(modnet.textContent).toContain('1.0 MB of 4.0 MB');
    expect(modnet.textContent).toContain('512 KB/s');
    fireEvent.click(within(modnet).getByRole('button', { name: 'Cancel download' }));
    await waitFor(() => expect(bridge.callsTo('models:cancelDownload')).toEqual([{ id: 'modnet' }]));
  }, 20_000);

  it('shows a failed download with its reason and a way to resume', async () => {
    const { bridge } = renderWithBridge(<EarnScreen />, { 'models:installed': () => [] });
    const chooser = await screen.findByRole('region', { name: 'Choose what to earn with' });
    const modnet = await within(chooser).findByRole('listitem', { name: 'MODNet background removal' });
    act(() =>
      bridge.emit(
        'models:download',
        progress({
          state: 'error',
          bytesDone: 100,
          error: {
            code: 'DiskFull',
            message: 'The disk filled up while downloading Xenova/modnet.',
            hint: 'Free some space.',
          },
        }),
      ),
    );
    expect(within(modnet).getByRole('alert').textContent).toContain('The disk filled up');
    fireEvent.click(within(modnet).getByRole('button', { name: 'Resume download' }));
    await waitFor(() => expect(bridge.callsTo('models:download')).toHaveLength(1));
  }, 20_000);

  it('says what earns where on the chosen horde, with its queue figures', async () => {
    renderWithBridge(<EarnScreen />);
    const card = await screen.findByRole('region', { name: 'What earns where' });
    await waitFor(() => expect(card.textContent).toContain('4 alchemy forms queued, 2 alchemists'));
    expect(card.textContent).toContain('validated backends');
    // Something is installed: no first-run chooser.
    expect(screen.queryByRole('region', { name: 'Choose what to earn with' })).toBeNull();
  }, 20_000);
});

describe('the Models screen', () => {
  it('lists installed models with what their name means for pay, and confirms a folder’s name', async () => {
    const { bridge } = renderWithBridge(<ModelsScreen />);
    const row = await screen.findByRole('listitem', { name: 'my-folder-model' });
    expect(row.textContent).toContain('in use');
    expect(row.textContent).toContain('pays an unknown model a fraction');
    fireEvent.click(within(row).getByRole('button', { name: 'Confirm what model this is' }));
    fireEvent.change(within(row).getByLabelText(/holds the weights of/), {
      target: { value: 'Qwen/Qwen2.5-0.5B-Instruct' },
    });
    fireEvent.click(within(row).getByRole('button', { name: 'Confirm' }));
    await waitFor(() =>
      expect(bridge.callsTo('models:confirmName')).toEqual([
        { name: 'my-folder-model', as: 'Qwen/Qwen2.5-0.5B-Instruct' },
      ]),
    );
    await waitFor(() =>
      expect(screen.getByRole('listitem', { name: 'my-folder-model' }).textContent).toContain(
        'Goes out as Qwen/Qwen2.5-0.5B-Instruct',
      ),
    );
  }, 20_000);

  it('deletes after a confirmation, re-checks files and adds a folder by path', async () => {
    const { bridge } = renderWithBridge(<ModelsScreen />);
    const row = await screen.findByRole('listitem', { name: 'my-folder-model' });
    fireEvent.click(within(row).getByRole('button', { name: 'Re-check files' }));
    await waitFor(() => expect(row.textContent).toContain('All 3 files match their hashes'));
    fireEvent.click(within(row).getByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('Its files are deleted from the models folder.');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(bridge.callsTo('models:delete')).toEqual([{ name: 'my-folder-model' }]));

    const form = screen.getByRole('form', { name: 'Add a model folder' });
    // serve mode: no native picker, a typed path.
    expect(within(form).queryByRole('button', { name: 'Choose…' })).toBeNull();
    fireEvent.change(within(form).getByLabelText('Folder'), { target: { value: '/home/me/model' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add folder' }));
    await waitFor(() => expect(bridge.callsTo('models:addFolder')).toEqual([{ path: '/home/me/model' }]));
    expect(fx.installedModel().name).toBe('my-folder-model');
  }, 20_000);
});
