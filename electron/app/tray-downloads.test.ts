import { describe, expect, it } from 'vitest';
import { fromKudos } from '../../shared/ledger/money';
import type { DownloadProgress } from '../../shared/bridge/models';
import { trayDownload, TrayDownloads } from './tray-downloads';
import { trayModel } from './tray-menu';

const MB = 1024 * 1024;

function progress(over: Partial<DownloadProgress> = {}): DownloadProgress {
  return {
    id: 'caption-vit-gpt2',
    repo: 'Xenova/vit-gpt2-image-captioning',
    state: 'downloading',
    bytesDone: 0,
    bytesTotal: 240 * MB,
    bytesPerSecond: 0,
    secondsLeft: null,
    resumedFromBytes: 0,
    refetchedBytes: 0,
    ...over,
  };
}

describe('downloads in the tray', () => {
  it('says the percent and the bytes of a running download, in the menu and the tooltip', () => {
    const downloads = new TrayDownloads();
    expect(downloads.update(progress({ bytesDone: 101 * MB }))).toBe(true);
    const model = trayModel({
      state: 'no_model',
      balanceKudos: fromKudos(25),
      locale: 'en-US',
      closeToTray: true,
      startAtLogin: false,
      downloads: downloads.list(),
    });
    const lines = model.items.flatMap((i) => (i.type === 'status' ? [i.label] : []));
    expect(lines).toContain('Downloading Xenova/vit-gpt2-image-captioning: 42 % (101 MB of 240 MB)');
    expect(model.tooltip).toMatch(/· downloading 42 %$/);
    expect(model.tooltip.length).toBeLessThanOrEqual(127);
  });

  it('never says 100 % before the last byte, and never more than 100 %', () => {
    expect(trayDownload(progress({ bytesDone: 240 * MB - 1 })).short).toBe('downloading 99 %');
    expect(trayDownload(progress({ bytesDone: 240 * MB })).short).toBe('downloading 100 %');
    expect(trayDownload(progress({ bytesDone: 300 * MB })).short).toBe('downloading 100 %');
    expect(trayDownload(progress({ bytesTotal: 0 })).line).toBe(
      'Downloading Xenova/vit-gpt2-image-captioning: —',
    );
  });

  it('redraws when the shown percent changes, not on every chunk', () => {
    const downloads = new TrayDownloads();
    downloads.update(progress({ bytesDone: 10 * MB }));
    expect(downloads.update(progress({ bytesDone: 10 * MB + 100 }))).toBe(false);
    expect(downloads.update(progress({ bytesDone: 20 * MB }))).toBe(true);
  });

  it('drops a finished or cancelled download, and keeps a failed one with what to do', () => {
    const downloads = new TrayDownloads();
    downloads.update(progress({ bytesDone: 10 * MB }));
    downloads.update(progress({ id: 'other', repo: 'org/other', bytesDone: 1 * MB }));
    expect(downloads.update(progress({ state: 'done', bytesDone: 240 * MB }))).toBe(true);
    expect(downloads.update(progress({ id: 'other', repo: 'org/other', state: 'error' }))).toBe(true);
    expect(downloads.list().map((d) => d.line)).toEqual([
      'Download of org/other failed: open the window to resume it',
    ]);
    downloads.update(progress({ id: 'other', repo: 'org/other', state: 'cancelled' }));
    expect(downloads.list()).toEqual([]);
  });
});
