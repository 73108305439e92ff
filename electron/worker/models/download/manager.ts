/**
 * The downloads the window started: one at a time per catalog entry, progress pushed
 * (at most a few times a second), cancel, and a bounded retry when the connection
 * drops (each retry resumes from the bytes on disk).
 */
import type { CatalogEntry } from '../../../../shared/catalog/schema';
import type { DownloadProgress } from '../../../../shared/bridge/models';
import { downloadModel, type DownloadOptions, type DownloadReport, type Progress } from './downloader';
import { DownloadError } from './errors';
import type { HubConfig } from './hub-config';

export interface DownloadManagerOptions {
  cacheDir: () => string;
  hub: () => HubConfig;
  onProgress: (p: DownloadProgress) => void;
  /** A model's files are all in and checked. */
  onInstalled: (entry: CatalogEntry, report: DownloadReport) => void;
  fetch?: typeof fetch;
  freeBytes?: DownloadOptions['freeBytes'];
  /** Waits before retry 1, 2, … after a lost connection; default 1 s, 3 s, 9 s. */
  retryDelaysMs?: number[];
  now?: () => number;
}

const PUSH_EVERY_MS = 250;

export class DownloadManager {
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly latest = new Map<string, DownloadProgress>();

  constructor(private readonly o: DownloadManagerOptions) {}

  /** Progress of every download this run started (finished ones included, until the next start). */
  list(): DownloadProgress[] {
    return [...this.latest.values()].map((p) => ({ ...p }));
  }

  get(id: string): DownloadProgress | undefined {
    const p = this.latest.get(id);
    return p && { ...p };
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Starts (or joins) the download of `entry`; resolves with its first progress. */
  start(entry: CatalogEntry): DownloadProgress {
    const existing = this.running.get(entry.id);
    if (existing) return this.get(entry.id)!;
    const abort = new AbortController();
    this.set(
      entry,
      {
        state: 'checking',
        bytesDone: 0,
        bytesTotal: 0,
        bytesPerSecond: 0,
        secondsLeft: null,
        resumedFromBytes: 0,
        refetchedBytes: 0,
      },
      true,
    );
    const done = this.run(entry, abort.signal).finally(() => this.running.delete(entry.id));
    this.running.set(entry.id, { abort, done });
    return this.get(entry.id)!;
  }

  cancel(id: string): DownloadProgress | undefined {
    this.running.get(id)?.abort.abort();
    return this.get(id);
  }

  /** Waits for a download to end (tests, shutdown). */
  async settled(id: string): Promise<DownloadProgress | undefined> {
    await this.running.get(id)?.done;
    return this.get(id);
  }

  async stop(): Promise<void> {
    for (const r of this.running.values()) r.abort.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private async run(entry: CatalogEntry, signal: AbortSignal): Promise<void> {
    const delays = this.o.retryDelaysMs ?? [1000, 3000, 9000];
    let lastPush = 0;
    // Bytes fetched again in earlier attempts of this download (each attempt reports its own).
    let refetched = 0;
    let resumed: number | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const report = await downloadModel(
          { repo: entry.repo, revision: entry.revision, files: entry.files.map((f) => f.path) },
          {
            cacheDir: this.o.cacheDir(),
            hub: this.o.hub(),
            signal,
            ...(this.o.fetch ? { fetch: this.o.fetch } : {}),
            ...(this.o.freeBytes ? { freeBytes: this.o.freeBytes } : {}),
            ...(this.o.now ? { now: this.o.now } : {}),
            onProgress: (p: Progress) => {
              resumed ??= p.state === 'downloading' ? p.resumedFromBytes : undefined;
              const now = (this.o.now ?? Date.now)();
              const force = p.state !== this.latest.get(entry.id)?.state;
              if (!force && now - lastPush < PUSH_EVERY_MS) return;
              lastPush = now;
              this.set(
                entry,
                {
                  ...p,
                  resumedFromBytes: resumed ?? p.resumedFromBytes,
                  refetchedBytes: refetched + p.refetchedBytes,
                },
                true,
              );
            },
          },
        );
        this.set(
          entry,
          {
            state: 'done',
            bytesDone: report.bytesTotal || (this.latest.get(entry.id)?.bytesTotal ?? 0),
            bytesTotal: report.bytesTotal || (this.latest.get(entry.id)?.bytesTotal ?? 0),
            bytesPerSecond: 0,
            secondsLeft: 0,
            resumedFromBytes: resumed ?? report.resumedFromBytes,
            refetchedBytes: refetched + report.refetchedBytes,
          },
          true,
        );
        this.o.onInstalled(entry, report);
        return;
      } catch (e) {
        const err = e instanceof DownloadError ? e : new DownloadError('HubError', String(e));
        refetched = this.latest.get(entry.id)?.refetchedBytes ?? refetched;
        const delay = delays[attempt];
        if (err.code === 'NoNetwork' && delay !== undefined && !signal.aborted) {
          await new Promise((r) => setTimeout(r, delay));
          if (!signal.aborted) continue;
        }
        const last = this.latest.get(entry.id);
        const base = last ?? { bytesDone: 0, bytesTotal: 0, resumedFromBytes: 0, refetchedBytes: 0 };
        this.set(
          entry,
          {
            bytesDone: base.bytesDone,
            bytesTotal: base.bytesTotal,
            resumedFromBytes: base.resumedFromBytes,
            refetchedBytes: base.refetchedBytes,
            bytesPerSecond: 0,
            secondsLeft: null,
            state: signal.aborted || err.code === 'Cancelled' ? 'cancelled' : 'error',
            ...(signal.aborted || err.code === 'Cancelled' ? {} : { error: err.toFailure() }),
          },
          true,
        );
        return;
      }
    }
  }

  private set(entry: CatalogEntry, p: Omit<DownloadProgress, 'id' | 'repo'>, push: boolean): void {
    const next: DownloadProgress = { id: entry.id, repo: entry.repo, ...p };
    if (next.error === undefined) delete next.error;
    this.latest.set(entry.id, next);
    if (push) this.o.onProgress({ ...next });
  }
}
