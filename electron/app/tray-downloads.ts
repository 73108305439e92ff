/**
 * Model downloads as the tray shows them: one line per download that is running or failed,
 * with its percent and bytes, so a volunteer sees a large download move without the window.
 * Pure: main feeds it the 'models:download' events and hands its lines to the tray model.
 */
import type { DownloadProgress } from '../../shared/bridge/models';
import { formatBytes, formatPercent } from '../../shared/format/bytes';

export interface TrayDownload {
  /** Status line for the menu, e.g. "Downloading org/model: 42 % (12 MB of 29 MB)". */
  line: string;
  /** Short form for the tooltip, e.g. "downloading 42 %". */
  short: string;
}

const RUNNING = new Set<DownloadProgress['state']>(['checking', 'downloading', 'verifying']);

/** The downloads the tray mentions, by catalog id; finished and cancelled ones leave it. */
export class TrayDownloads {
  private readonly shown = new Map<string, DownloadProgress>();

  /** Returns whether the tray should be redrawn. */
  update(progress: DownloadProgress): boolean {
    const before = this.shown.get(progress.id);
    if (RUNNING.has(progress.state) || progress.state === 'error') this.shown.set(progress.id, progress);
    else this.shown.delete(progress.id);
    if (!before) return this.shown.has(progress.id);
    const after = this.shown.get(progress.id);
    // Redraw only when what the tray says changes: a tray menu rebuilt on every chunk flickers.
    return after === undefined || trayDownload(after).line !== trayDownload(before).line;
  }

  list(): TrayDownload[] {
    return [...this.shown.values()].map(trayDownload);
  }
}

export function trayDownload(p: DownloadProgress): TrayDownload {
  const name = p.repo;
  if (p.state === 'error')
    return { line: `Download of ${name} failed: open the window to resume it`, short: 'a download failed' };
  if (p.state === 'checking')
    return { line: `Preparing the download of ${name}`, short: 'preparing a download' };
  const percent = formatPercent(p.bytesDone, p.bytesTotal);
  const bytes = p.bytesTotal > 0 ? ` (${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)})` : '';
  if (p.state === 'verifying')
    return { line: `Checking ${name}: ${percent}${bytes}`, short: `checking a download, ${percent}` };
  return { line: `Downloading ${name}: ${percent}${bytes}`, short: `downloading ${percent}` };
}
