import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { DiskFullError, isDiskFull } from './disk-full';

/**
 * Replace a file so that a crash leaves either the old or the new content,
 * never half of one: write a temporary file beside it, flush it, rename.
 * With `keepLast`, the content being replaced is kept as `<file>.bak` (the
 * last good copy `readRecord` falls back to): the old file is renamed to the
 * backup and the new one into place, so a crash between the two renames
 * leaves the backup, which the next start restores.
 *
 * A full disk (ENOSPC, EDQUOT) throws DiskFullError naming the file, and the
 * temporary file is removed: nothing half-written stays behind.
 */
export async function writeFileAtomic(
  file: string,
  data: string,
  mode = 0o644,
  opts: { keepLast?: boolean } = {},
): Promise<void> {
  const dir = path.dirname(file);
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(tmp, 'w', mode);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (opts.keepLast) {
      try {
        await rename(file, backupOf(file));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    await rename(tmp, file);
    await syncDir(dir);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    if (isDiskFull(e)) throw new DiskFullError(file, e);
    throw e;
  }
}

/** Where `writeFileAtomic(..., { keepLast: true })` keeps the previous content. */
export function backupOf(file: string): string {
  return `${file}.bak`;
}

/** Temporary files a crash left beside `file` (`<file>.<hex>.tmp`): removed on load. */
export async function removeStaleTemps(file: string): Promise<void> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const stale = new RegExp(`^${escapeRe(base)}\\.[0-9a-f]{12}\\.tmp$`);
  await Promise.all(
    names
      .filter((n) => stale.test(n))
      .map((n) => rm(path.join(dir, n), { force: true }).catch(() => undefined)),
  );
}

/** The rename is durable only once the folder itself is flushed (POSIX); Windows cannot open a folder. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename still happened.
  } finally {
    await handle.close();
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs async jobs one after another, so two saves never interleave. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job, job);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
