import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/** Who holds a data folder, as the holder wrote it beside the lock. */
export interface LockHolder {
  pid: number;
  host: string;
  shell: string;
  since: number;
}

/** Another process runs on this data folder: this one must not start. */
export class DataFolderLocked extends Error {
  readonly rc = 'DataFolderLocked';

  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
  ) {
    const who = holder
      ? `process ${holder.pid} (${holder.shell} on ${holder.host}, since ${new Date(holder.since).toISOString()})`
      : 'another process';
    super(
      `The data folder ${dataDir} is in use by ${who}. Only one Horde Desktop may use a data folder at a time: ` +
        `close the other one (or give this one another folder with --data), then start again.`,
    );
    this.name = 'DataFolderLocked';
  }
}

export interface DataFolderLock {
  release(): Promise<void>;
}

const LOCK_NAME = 'app.lock';
const HOLDER_NAME = 'app.lock.json';
/** proper-lockfile refreshes the lock's mtime every stale/2; a lock not refreshed for this long is stale. */
const STALE_MS = 10_000;

/**
 * One process per data folder. The lock is proper-lockfile's (an atomic
 * mkdir, kept fresh by its mtime, so it works on network folders too); beside
 * it the holder writes its pid, so a second instance can say who holds it.
 * A lock left by a process that died (SIGKILL, power cut) on this machine is
 * taken over at once, when that pid no longer runs, rather than after the
 * stale time.
 */
export async function lockDataFolder(
  dataDir: string,
  who: { shell: string },
  log?: { warn(message: string, err?: unknown): void },
): Promise<DataFolderLock> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = path.join(dataDir, LOCK_NAME);
  const holderPath = path.join(dataDir, HOLDER_NAME);
  const options = {
    lockfilePath: lockPath,
    stale: STALE_MS,
    retries: 0,
    realpath: false,
    onCompromised: (err: Error) => log?.warn('the data folder lock was taken over by another process', err),
  };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, options);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
    const holder = await readHolder(holderPath);
    if (!holder || holder.host !== os.hostname() || isRunning(holder.pid))
      throw new DataFolderLocked(dataDir, holder);
    // The holder died without releasing it: the lock is ours to take.
    await rm(lockPath, { recursive: true, force: true });
    try {
      release = await lockfile.lock(dataDir, options);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'ELOCKED') throw again;
      throw new DataFolderLocked(dataDir, await readHolder(holderPath));
    }
  }
  const me: LockHolder = { pid: process.pid, host: os.hostname(), shell: who.shell, since: Date.now() };
  await writeFile(holderPath, `${JSON.stringify(me)}\n`, { mode: 0o644 });
  return {
    release: async () => {
      await rm(holderPath, { force: true });
      await release();
    },
  };
}

async function readHolder(file: string): Promise<LockHolder | null> {
  try {
    const raw = JSON.parse(await readFile(file, 'utf8')) as Partial<LockHolder>;
    if (typeof raw.pid !== 'number' || typeof raw.host !== 'string') return null;
    return {
      pid: raw.pid,
      host: raw.host,
      shell: typeof raw.shell === 'string' ? raw.shell : 'unknown',
      since: typeof raw.since === 'number' ? raw.since : 0,
    };
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
