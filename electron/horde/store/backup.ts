import { backup, DatabaseSync } from 'node:sqlite';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * The embedded horde's database file and its rolling backups. Backups are SQLite's online
 * backup (`node:sqlite` `backup()`), taken while the horde serves, written under a temporary
 * name and renamed into `<db>.backups/`, so a crash never leaves half a backup that looks whole.
 * The last `keep` stay; older ones are removed.
 *
 * The horde never starts over on a file it did not just create: `checkHordeDatabase` tells an
 * empty (0-byte) or damaged file apart, `startHorde` refuses both with DamagedHordeDatabase, and
 * the user chooses `restoreHordeBackup` or `startNewHorde`. Either keeps the old file beside,
 * renamed, never overwritten or deleted.
 *
 * The image files of image requests live beside the database (`horde.sqlite.images/`); each
 * backup carries the ones its snapshot refers to in `horde-<time>.sqlite.images/` beside it, and a
 * restore puts them back with the database (see `backupHordeDatabase`).
 *
 * The owner screens (club) can call `listHordeBackups`, `backupHordeNow` (through the running
 * horde: `horde.backup()`) and `restoreHordeBackup` (with the horde closed) from here.
 */

/** One backup file, newest first in `listHordeBackups`. */
export interface HordeBackup {
  file: string;
  /** When it was taken (epoch ms), from its name. */
  takenAt: number;
  bytes: number;
  /** How many image files (sources, masks, results of image requests) the backup carries. */
  images: number;
}

export type DatabaseState =
  { state: 'missing' } | { state: 'ok' } | { state: 'empty' } | { state: 'damaged'; why: string };

/** How many backups stay, and how often a running horde takes one. */
export interface BackupPolicy {
  keep: number;
  everyMs: number;
}

export const DEFAULT_BACKUP_POLICY: BackupPolicy = { keep: 5, everyMs: 6 * 60 * 60 * 1000 };

const SQLITE_HEADER = 'SQLite format 3\0';
const NAME = /^horde-(\d{8}T\d{6}\d{3}Z)(?:-(\d+))?\.sqlite$/;

/** Backups of `horde.sqlite` live in `horde.sqlite.backups/`, beside it in the data folder. */
export function backupsDirFor(dbPath: string): string {
  return `${dbPath}.backups`;
}

function stamp(at: number): string {
  return new Date(at).toISOString().replace(/[-:.]/g, '');
}

function parseStamp(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(s);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, se, ms] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, se!, ms!);
}

/** A database file's image folder: `horde.sqlite` → `horde.sqlite.images/` (the horde's and each backup's). */
export function imagesDirBeside(dbFile: string): string {
  return `${dbFile}.images`;
}

function countFiles(dir: string): number {
  try {
    return readdirSync(dir).length;
  } catch {
    return 0;
  }
}

/** The image file names the database `file` refers to (none when it has no image tables). */
function referencedImages(file: string): string[] {
  // Read-write on purpose: a read-only connection to a WAL database leaves its -wal and -shm
  // files behind, which the last read-write connection's close removes.
  const db = new DatabaseSync(file);
  try {
    const rows = db
      .prepare(
        `SELECT source_file AS f FROM image_requests WHERE source_file IS NOT NULL
         UNION SELECT mask_file FROM image_requests WHERE mask_file IS NOT NULL
         UNION SELECT file FROM image_jobs WHERE file IS NOT NULL`,
      )
      .all() as { f: string }[];
    return rows.map((r) => r.f);
  } catch {
    return [];
  } finally {
    db.close();
  }
}

/**
 * Puts `names` from the folder `from` into the new folder `to`. Image files are never changed in
 * place (a write is a new file renamed over the name), so a hard link is a faithful copy that
 * costs no space; a plain copy where links are not possible (another file system). Returns how
 * many of the names were missing.
 */
function linkImages(from: string, to: string, names: Iterable<string>): number {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  let missing = 0;
  for (const name of names) {
    const src = path.join(from, name);
    const dst = path.join(to, name);
    try {
      linkSync(src, dst);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ENOENT') {
        missing++;
        continue;
      }
      copyFileSync(src, dst);
    }
  }
  return missing;
}

/** Whether the file is a readable horde database, empty, damaged, or not there at all. */
export function checkHordeDatabase(dbPath: string): DatabaseState {
  if (!existsSync(dbPath)) return { state: 'missing' };
  const size = statSync(dbPath).size;
  // A 0-byte file with a WAL beside it may still hold committed pages; SQLite reads them below.
  const wal = `${dbPath}-wal`;
  if (size === 0 && !(existsSync(wal) && statSync(wal).size > 0)) return { state: 'empty' };
  if (size > 0) {
    const fd = openSync(dbPath, 'r');
    try {
      const head = Buffer.alloc(16);
      const n = readSync(fd, head, 0, head.length, 0);
      if (n < 16 || head.toString('latin1') !== SQLITE_HEADER)
        return { state: 'damaged', why: 'it is not an SQLite database' };
    } finally {
      closeSync(fd);
    }
  }
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(dbPath, { readOnly: true });
    const check = db.prepare('PRAGMA quick_check(1)').get() as Record<string, unknown> | undefined;
    const verdict = check ? String(Object.values(check)[0]) : 'no answer';
    if (verdict !== 'ok') return { state: 'damaged', why: `SQLite's check says: ${verdict}` };
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      .all();
    const any = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as {
      n: number;
    };
    if (tables.length === 0)
      return any.n === 0
        ? { state: 'empty' }
        : { state: 'damaged', why: 'it holds tables but not those of a horde' };
    return { state: 'ok' };
  } catch (err) {
    return {
      state: 'damaged',
      why: `SQLite cannot read it (${err instanceof Error ? err.message : String(err)})`,
    };
  } finally {
    if (db?.isOpen) db.close();
  }
}

/** The backups of `dbPath`, newest first. */
export function listHordeBackups(dbPath: string): HordeBackup[] {
  const dir = backupsDirFor(dbPath);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: HordeBackup[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    out.push({
      file,
      takenAt: parseStamp(m[1]!),
      bytes: statSync(file).size,
      images: countFiles(imagesDirBeside(file)),
    });
  }
  return out.sort((a, b) => b.takenAt - a.takenAt || b.file.localeCompare(a.file));
}

/**
 * Takes one online backup of the open database `db` (the file `dbPath`) into its backups folder
 * and removes all but the newest `keep`. Safe while the horde serves: SQLite copies a consistent
 * snapshot page by page.
 *
 * The image files that snapshot refers to are linked into the backup's own image folder in the
 * same turn of the event loop as the snapshot's last step (no await in between), so no request
 * handler of this horde can add or remove an image between the two: the folder matches the
 * snapshot. (The CLI's `backup` from another process has no such guarantee against the server's
 * writes; an image removed meanwhile is counted in `imagesMissing`.) The image folder is in place
 * before the database file gets its final name, so a listed backup always has its images.
 */
export async function backupHordeDatabase(
  db: DatabaseSync,
  dbPath: string,
  o: { keep?: number; now?: number } = {},
): Promise<HordeBackup & { imagesMissing?: number }> {
  const keep = Math.max(1, o.keep ?? DEFAULT_BACKUP_POLICY.keep);
  const at = o.now ?? Date.now();
  const dir = backupsDirFor(dbPath);
  await mkdir(dir, { recursive: true });
  let name = `horde-${stamp(at)}.sqlite`;
  for (let i = 1; existsSync(path.join(dir, name)); i++) name = `horde-${stamp(at)}-${i}.sqlite`;
  const file = path.join(dir, name);
  const tmp = `${file}.tmp`;
  const imagesTmp = `${imagesDirBeside(file)}.tmp`;
  let imagesMissing: number;
  try {
    await backup(db, tmp);
    const names = referencedImages(tmp);
    imagesMissing = linkImages(imagesDirBeside(dbPath), imagesTmp, names);
    syncFile(tmp);
    renameSync(imagesTmp, imagesDirBeside(file));
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    await rm(imagesTmp, { recursive: true, force: true }).catch(() => undefined);
    await rm(imagesDirBeside(file), { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  for (const old of listHordeBackups(dbPath).slice(keep)) {
    await rm(old.file, { force: true });
    await rm(imagesDirBeside(old.file), { recursive: true, force: true });
  }
  return {
    file,
    takenAt: at,
    bytes: statSync(file).size,
    images: countFiles(imagesDirBeside(file)),
    ...(imagesMissing > 0 ? { imagesMissing } : {}),
  };
}

function syncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Moves the database, its WAL/SHM and (with `images`) its image folder aside as
 * `<db>.<why>-<time>` so that nothing is lost, and returns the new name of the main file
 * (undefined when there was none).
 */
function moveAside(dbPath: string, why: string, at: number, images = true): string | undefined {
  if (!existsSync(dbPath)) return undefined;
  const kept = `${dbPath}.${why}-${stamp(at)}`;
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(dbPath + suffix)) renameSync(dbPath + suffix, kept + suffix);
  }
  if (images && existsSync(imagesDirBeside(dbPath)))
    renameSync(imagesDirBeside(dbPath), imagesDirBeside(kept));
  renameSync(dbPath, kept);
  return kept;
}

/**
 * Starts a new, empty horde on `dbPath`: the old file (and its WAL) is kept beside it, renamed
 * `<db>.damaged-<time>`. Call with the horde closed.
 */
export function startNewHorde(dbPath: string, now = Date.now()): { keptAs?: string } {
  const keptAs = moveAside(dbPath, 'damaged', now);
  return keptAs ? { keptAs } : {};
}

/**
 * Puts a backup back as the horde's database (the newest when `backupFile` is not given). The
 * backup is checked first; the current file is kept beside, renamed `<db>.replaced-<time>`. Call
 * with the horde closed (the owner screen closes the embedded horde, restores, starts it again).
 */
export async function restoreHordeBackup(
  dbPath: string,
  backupFile?: string,
  now = Date.now(),
): Promise<{ restored: HordeBackup; keptAs?: string }> {
  const chosen = backupFile
    ? (listHordeBackups(dbPath).find((b) => path.resolve(b.file) === path.resolve(backupFile)) ??
      (existsSync(backupFile)
        ? {
            file: backupFile,
            takenAt: statSync(backupFile).mtimeMs,
            bytes: statSync(backupFile).size,
            images: countFiles(imagesDirBeside(backupFile)),
          }
        : undefined))
    : listHordeBackups(dbPath)[0];
  if (!chosen)
    throw new NoHordeBackup(
      dbPath,
      backupFile ? `there is no backup ${backupFile}` : 'there is no backup yet',
    );
  const state = checkHordeDatabase(chosen.file);
  if (state.state !== 'ok')
    throw new NoHordeBackup(
      dbPath,
      `the backup ${path.basename(chosen.file)} is ${state.state === 'damaged' ? `damaged: ${state.why}` : state.state}`,
    );
  const current = checkHordeDatabase(dbPath);
  mkdirSync(path.dirname(dbPath), { recursive: true });
  const tmp = `${dbPath}.restore.tmp`;
  await copyFile(chosen.file, tmp);
  syncFile(tmp);
  // The backup's images come back with it; a backup made before backups carried images has no
  // folder, and then the horde's current images stay (they hold what that database refers to).
  const withImages = existsSync(imagesDirBeside(chosen.file));
  const imagesTmp = `${imagesDirBeside(dbPath)}.restore.tmp`;
  if (withImages) {
    const from = imagesDirBeside(chosen.file);
    linkImages(from, imagesTmp, readdirSync(from));
  }
  const why = current.state === 'ok' ? 'replaced' : 'damaged';
  const keptAs = moveAside(dbPath, why, now, withImages);
  if (withImages) {
    // Images without their database (the file was gone): kept beside too, never overwritten.
    if (existsSync(imagesDirBeside(dbPath)))
      renameSync(imagesDirBeside(dbPath), `${imagesDirBeside(dbPath)}.${why}-${stamp(now)}`);
    renameSync(imagesTmp, imagesDirBeside(dbPath));
  }
  await rename(tmp, dbPath);
  return keptAs ? { restored: chosen, keptAs } : { restored: chosen };
}

/** Nothing to restore from: no backup, or the one asked for is not a readable horde database. */
export class NoHordeBackup extends Error {
  readonly rc = 'NoBackup';
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`Cannot restore the horde's database ${path.basename(file)} in ${path.dirname(file)}: ${why}.`);
    this.name = 'NoHordeBackup';
  }
}

/**
 * The horde's database file is empty or damaged and was not just created: the horde does not
 * start on it. The message names the file and both ways on; the file stays as it is.
 */
export class DamagedHordeDatabase extends Error {
  readonly rc = 'DamagedHordeDatabase';
  readonly hint: string;
  constructor(
    readonly file: string,
    readonly why: string,
    readonly backups: HordeBackup[],
  ) {
    const newest = backups[0];
    super(
      `The embedded horde's database ${path.basename(file)} in ${path.dirname(file)} is ${why}. ` +
        `The horde did not start, so that its users, kudos and history are not replaced by an empty horde.`,
    );
    this.name = 'DamagedHordeDatabase';
    this.hint = newest
      ? `Restore the newest backup (taken ${new Date(newest.takenAt).toISOString()}), or start a new horde. ` +
        `Either way the damaged file is kept beside it, renamed.`
      : `There is no backup to restore. Start a new horde (the damaged file is kept beside it, renamed), ` +
        `or put back a copy of ${path.basename(file)} from your own backup.`;
  }
}

/** Why a state is refused, in words for the message. */
export function describeState(s: DatabaseState): string | undefined {
  if (s.state === 'empty') return 'empty (0 bytes or no tables)';
  if (s.state === 'damaged') return `damaged: ${s.why}`;
  return undefined;
}
