/**
 * Downloads a model's files from the Hugging Face hub into the hub cache layout with
 * @huggingface/hub (modelInfo → listFiles at the commit → downloadFile per file), adding
 * what the library leaves out: resume from the bytes already on disk (its blob's
 * `slice` asks for the rest with a Range), each file's hash checked against the hub's
 * LFS SHA-256 (or git SHA-1) before it is used, a free-space check first, progress,
 * cancel, and one error per failure. Files are linked into the snapshot only when all
 * of them are complete and checked, so a half-written model is never seen by the scan.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { downloadFile, listFiles, modelInfo, type ListFileEntry } from '@huggingface/hub';
import type { DownloadState } from '../../../../shared/bridge/models';
import { DownloadError, toDownloadError } from './errors';
import {
  blobPath,
  fileSize,
  blobHash,
  hashPrefix,
  hashKindOf,
  linkBlob,
  readRef,
  repoDir,
  snapshotDir,
} from './hf-cache';
import type { HubConfig } from './hub-config';
import { RateMeter } from './rate';

export interface DownloadTarget {
  repo: string;
  /** A branch, or a 40-hex commit. */
  revision: string;
  /** Paths inside the repo to fetch (the rest of the repo is left alone). */
  files: readonly string[];
}

export interface Progress {
  state: DownloadState;
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond: number;
  secondsLeft: number | null;
  file?: string;
  resumedFromBytes: number;
  refetchedBytes: number;
}

export interface DownloadReport {
  commit: string;
  snapshotDir: string;
  bytesTotal: number;
  /** Bytes that came over the network in this run. */
  fetchedBytes: number;
  /** Bytes already on disk before this run (complete blobs and partial ones). */
  resumedFromBytes: number;
  /** Bytes fetched a second time in this run (checksum failures, refused resumes). */
  refetchedBytes: number;
  /** True when everything was in the cache and the hub was not asked. */
  fromCache: boolean;
}

export interface DownloadOptions {
  cacheDir: string;
  hub: HubConfig;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Free bytes on the disk holding `dir` (statfs by default). */
  freeBytes?: (dir: string) => Promise<number>;
  /** Space to leave free beyond the download itself. */
  reserveBytes?: number;
  now?: () => number;
}

const COMMIT = /^[0-9a-f]{40}$/;
const DEFAULT_RESERVE = 32 * 1024 * 1024;
/** A file that fails its hash is fetched once more before the download is refused. */
const HASH_ATTEMPTS = 2;

interface PlannedFile {
  path: string;
  etag: string;
  size: number;
  blob: string;
}

export async function diskFreeBytes(dir: string): Promise<number> {
  let at = path.resolve(dir);
  for (;;) {
    try {
      const s = await statfs(at);
      return s.bavail * s.bsize;
    } catch (e) {
      const parent = path.dirname(at);
      if (parent === at) throw e;
      at = parent;
    }
  }
}

/** The snapshot, when every wanted file is there: no hub call needed. */
async function cachedSnapshot(o: DownloadOptions, t: DownloadTarget): Promise<string | null> {
  const commit = COMMIT.test(t.revision) ? t.revision : await readRef(o.cacheDir, t.repo, t.revision);
  if (!commit) return null;
  const dir = snapshotDir(o.cacheDir, t.repo, commit);
  for (const f of t.files) if ((await fileSize(path.join(dir, f))) === null) return null;
  return commit;
}

export async function downloadModel(t: DownloadTarget, o: DownloadOptions): Promise<DownloadReport> {
  const what = t.repo;
  try {
    return await run(t, o);
  } catch (e) {
    if (o.signal?.aborted) throw new DownloadError('Cancelled', `The download of ${what} was cancelled.`);
    throw toDownloadError(e, what, o.hub.hubUrl, o.hub.accessToken !== undefined);
  }
}

async function run(t: DownloadTarget, o: DownloadOptions): Promise<DownloadReport> {
  const now = o.now ?? Date.now;
  const cached = await cachedSnapshot(o, t);
  if (cached) {
    return {
      commit: cached,
      snapshotDir: snapshotDir(o.cacheDir, t.repo, cached),
      bytesTotal: 0,
      fetchedBytes: 0,
      resumedFromBytes: 0,
      refetchedBytes: 0,
      fromCache: true,
    };
  }
  if (o.hub.offline)
    throw new DownloadError(
      'NoNetwork',
      `${t.repo} is not in the models folder and HF_HUB_OFFLINE is set.`,
      'Unset HF_HUB_OFFLINE to download it.',
    );

  // Every network call goes through here: cancel, and the failure the library turns into a bare string.
  let lastFailure: unknown;
  const baseFetch = o.fetch ?? fetch;
  const hubFetch: typeof fetch = async (input, init) => {
    try {
      const res = await baseFetch(input, { ...init, ...(o.signal ? { signal: o.signal } : {}) });
      const range = new Headers(init?.headers).get('range');
      if (range && !/^bytes=0-/.test(range) && res.status === 200) {
        await res.body?.cancel();
        throw new ResumeRefused();
      }
      return res;
    } catch (e) {
      lastFailure = e;
      throw e;
    }
  };
  const credentials = {
    hubUrl: o.hub.hubUrl,
    fetch: hubFetch,
    ...(o.hub.accessToken ? { accessToken: o.hub.accessToken } : {}),
  };
  const progress: Progress = {
    state: 'checking',
    bytesDone: 0,
    bytesTotal: 0,
    bytesPerSecond: 0,
    secondsLeft: null,
    resumedFromBytes: 0,
    refetchedBytes: 0,
  };
  const meter = new RateMeter(now);
  const emit = (patch: Partial<Progress> = {}) => {
    Object.assign(progress, patch);
    meter.add(progress.bytesDone);
    progress.bytesPerSecond = meter.bytesPerSecond();
    progress.secondsLeft = meter.secondsLeft(progress.bytesTotal - progress.bytesDone);
    o.onProgress?.({ ...progress });
  };
  emit();

  const commit = COMMIT.test(t.revision)
    ? t.revision
    : (await modelInfo({ name: t.repo, revision: t.revision, additionalFields: ['sha'], ...credentials }))
        .sha;
  if (typeof commit !== 'string' || !COMMIT.test(commit))
    throw new DownloadError('HubError', `The hub gave no commit for ${t.repo}@${t.revision}.`);

  const listed = new Map<string, ListFileEntry>();
  for await (const entry of listFiles({ repo: t.repo, revision: commit, recursive: true, ...credentials }))
    if (entry.type === 'file') listed.set(entry.path, entry);
  const plan: PlannedFile[] = t.files.map((p) => {
    const entry = listed.get(p);
    if (!entry)
      throw new DownloadError(
        'NotFound',
        `${t.repo} has no file ${p} at ${commit.slice(0, 8)}.`,
        'The catalog entry is out of date.',
      );
    const etag = entry.lfs?.oid ?? entry.oid ?? entry.xetHash;
    if (!etag) throw new DownloadError('HubError', `The hub listed ${p} of ${t.repo} without a hash.`);
    const size = entry.lfs?.size ?? entry.size;
    return { path: p, etag, size, blob: blobPath(o.cacheDir, t.repo, etag) };
  });

  let onDisk = 0;
  const have = new Map<PlannedFile, number>();
  for (const f of plan) {
    const complete = (await fileSize(f.blob)) === f.size;
    const partial = complete ? f.size : Math.min((await fileSize(`${f.blob}.incomplete`)) ?? 0, f.size);
    have.set(f, partial);
    onDisk += partial;
  }
  const bytesTotal = plan.reduce((s, f) => s + f.size, 0);
  const needed = bytesTotal - onDisk;
  await mkdir(path.join(repoDir(o.cacheDir, t.repo), 'blobs'), { recursive: true });
  const free = await (o.freeBytes ?? diskFreeBytes)(o.cacheDir);
  const reserve = o.reserveBytes ?? DEFAULT_RESERVE;
  if (free < needed + reserve)
    throw new DownloadError(
      'DiskFull',
      `${t.repo} needs ${mib(needed + reserve)} of free space (with ${mib(reserve)} to spare); ${mib(free)} is free in ${o.cacheDir}.`,
      'Free some space or choose another models folder in Settings.',
    );

  let fetchedBytes = 0;
  emit({ state: 'downloading', bytesTotal, bytesDone: onDisk, resumedFromBytes: onDisk });
  for (const f of plan) {
    if ((await fileSize(f.blob)) === f.size) continue;
    for (let attempt = 1; ; attempt++) {
      lastFailure = undefined;
      const before = progress.bytesDone;
      let digest: string | null;
      // A resumed file's hash starts with reading what is on disk: "verifying" until bytes come.
      if (((await fileSize(`${f.blob}.incomplete`)) ?? 0) > 0) emit({ state: 'verifying', file: f.path });
      try {
        const fetched = await fetchBlob(f, t, commit, credentials, o.signal, (n) =>
          emit({ state: 'downloading', bytesDone: progress.bytesDone + n, file: f.path }),
        );
        fetchedBytes += fetched.bytes;
        digest = fetched.digest;
      } catch (e) {
        const cause = lastFailure ?? e;
        if (cause instanceof ResumeRefused) {
          // The hub sent the whole file to a Range request: start the file over.
          await rm(`${f.blob}.incomplete`, { force: true });
          emit({
            bytesDone: before - (have.get(f) ?? 0),
            refetchedBytes: progress.refetchedBytes + (have.get(f) ?? 0),
          });
          have.set(f, 0);
          if (attempt < HASH_ATTEMPTS) continue;
        }
        throw cause;
      }
      // An id that is no hash we know (a Xet hash): the size check is all there is.
      if (digest === null || digest === f.etag) {
        await rename(`${f.blob}.incomplete`, f.blob);
        emit({ state: 'downloading' });
        break;
      }
      await rm(`${f.blob}.incomplete`, { force: true });
      emit({
        state: 'downloading',
        bytesDone: progress.bytesDone - f.size,
        refetchedBytes: progress.refetchedBytes + f.size,
      });
      have.set(f, 0);
      if (attempt >= HASH_ATTEMPTS)
        throw new DownloadError(
          'Checksum',
          `${f.path} of ${t.repo} does not match the hub's hash, twice; it was deleted and is not used.`,
          'The hub or a proxy on the way may be damaging files; try again later.',
        );
    }
  }

  // All blobs are complete and checked: only now does the model appear in the snapshot.
  const snap = snapshotDir(o.cacheDir, t.repo, commit);
  for (const f of plan) await linkBlob(f.blob, path.join(snap, f.path));
  const refs = path.join(repoDir(o.cacheDir, t.repo), 'refs');
  await mkdir(refs, { recursive: true });
  await writeFile(path.join(refs, 'main'), commit);
  if (!COMMIT.test(t.revision) && t.revision !== 'main') await writeFile(path.join(refs, t.revision), commit);
  emit({ state: 'done', bytesDone: bytesTotal });
  return {
    commit,
    snapshotDir: snap,
    bytesTotal,
    fetchedBytes,
    resumedFromBytes: onDisk,
    refetchedBytes: progress.refetchedBytes,
    fromCache: false,
  };
}

class ResumeRefused extends Error {
  constructor() {
    super('the hub ignored the Range of a resumed download');
  }
}

/**
 * Appends the rest of the file to `<blob>.incomplete`; returns the bytes fetched and the hash of
 * the whole file (`null` for an id that is no hash we know). The hash is taken from the bytes as
 * they are written, after the part already on disk, so the file is not read again to check it.
 */
async function fetchBlob(
  f: PlannedFile,
  t: DownloadTarget,
  commit: string,
  credentials: { hubUrl: string; fetch: typeof fetch; accessToken?: string },
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<{ bytes: number; digest: string | null }> {
  const incomplete = `${f.blob}.incomplete`;
  let start = (await fileSize(incomplete)) ?? 0;
  if (start > f.size) {
    await rm(incomplete, { force: true });
    start = 0;
  }
  const kind = hashKindOf(f.etag);
  const hash = kind ? blobHash(kind, f.size) : undefined;
  if (hash && start > 0) await hashPrefix(hash, incomplete);
  if (start === f.size) return { bytes: 0, digest: hash ? hash.digest('hex') : null };
  const remote = await downloadFile({ repo: t.repo, path: f.path, revision: commit, ...credentials });
  if (!remote) throw new DownloadError('NotFound', `${t.repo} has no file ${f.path}.`);
  const body = (start > 0
    ? remote.slice(start)
    : remote
  ).stream() as unknown as WebReadableStream<Uint8Array>;
  let fetched = 0;
  const bytes = Readable.fromWeb(body);
  // A listener beside the pipe sees each chunk as it goes to the file; a Transform stage between
  // them would add its own buffering and callbacks to every chunk.
  bytes.on('data', (chunk: Buffer) => {
    fetched += chunk.length;
    hash?.update(chunk);
    onBytes(chunk.length);
  });
  await pipeline(
    bytes,
    createWriteStream(incomplete, { flags: start > 0 ? 'a' : 'w' }),
    ...(signal ? [{ signal }] : []),
  );
  const got = (await fileSize(incomplete)) ?? 0;
  if (got < f.size)
    throw new DownloadError(
      'NoNetwork',
      `The connection ended after ${got} of ${f.size} bytes of ${f.path}.`,
      'Download again: it resumes from the bytes already fetched.',
    );
  return { bytes: fetched, digest: hash ? hash.digest('hex') : null };
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
