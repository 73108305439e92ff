import { renameSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { clubDefaults, createAdmin, withClubSettings, type HordeAdmin } from './admin';
import { readClubSettings } from './store/club';
import { DEFAULT_LIMITS, makeContext, type HordeLimits } from './context';
import { buildServer } from './server';
import {
  backupHordeDatabase,
  checkHordeDatabase,
  DamagedHordeDatabase,
  DEFAULT_BACKUP_POLICY,
  describeState,
  imagesDirBeside,
  listHordeBackups,
  restoreHordeBackup,
  startNewHorde,
  type BackupPolicy,
  type HordeBackup,
} from './store/backup';
import { HordeDb } from './store/db';
import { sweep, type SweepReport } from './sweep';

export type { HordeAdmin } from './admin';
export type { HordeLimits } from './context';
export type { SweepReport } from './sweep';
export type { VerifyReport, LedgerDifference } from './store/ledger';
export type { NewUser } from './store/users';
export type { UserLedgerLine } from './store/user-ledger';
export type { FlagView, FlagCode } from './store/flags';
export type { AddUserOptions } from './admin';
export { DEFAULT_LIMITS } from './context';
export {
  backupsDirFor,
  checkHordeDatabase,
  DamagedHordeDatabase,
  listHordeBackups,
  NoHordeBackup,
  restoreHordeBackup,
  startNewHorde,
  type HordeBackup,
} from './store/backup';

/**
 * What to do when the database file is empty or damaged: refuse to start (the default, with
 * DamagedHordeDatabase), put the newest backup back, or start a new horde. The old file is kept
 * beside either way.
 */
export type DamagedDatabaseChoice = 'refuse' | 'restore' | 'new';

export interface StartHordeOptions {
  /** The SQLite file (created with its folder if missing). */
  dbPath: string;
  /** Default 127.0.0.1; with `lan` and no host, 0.0.0.0. */
  host?: string;
  /** 0 (default) picks a free port; `url` tells which. */
  port?: number;
  /** Serve the local network: anonymous use from other machines is refused. */
  lan?: boolean;
  /** Epoch milliseconds; tests pass a fake clock and call `sweep()` after moving it. */
  clock?: () => number;
  /** Fastify's request log on stdout. */
  logger?: boolean;
  limits?: Partial<HordeLimits>;
  /**
   * More `Host` names to answer to besides loopback (and, with `lan`, the bound
   * addresses and this machine's name): e.g. a reverse proxy's name.
   */
  allowedHosts?: string[];
  /** An empty or damaged database: refuse (default), restore the newest backup, or start a new horde. */
  ifDamaged?: DamagedDatabaseChoice;
  /**
   * Rolling online backups in `<db>.backups/`: one at start (of a file that was there) and one
   * every `everyMs`, keeping the newest `keep`. false: none (tests that do not need them).
   */
  backups?: Partial<BackupPolicy> | false;
}

export interface Horde {
  /** Base URL of the API, e.g. `http://127.0.0.1:7001/api` (routes under `/v2`). */
  url: string;
  /** The port it listens on (the one asked for, or the free one picked for port 0). */
  port: number;
  admin: HordeAdmin;
  /**
   * Applies the timeouts due by the clock now (job ttl, form ttl, request
   * expiry). The horde also does this before every pop, submit and status
   * read and every `limits.sweepIntervalMs`.
   */
  sweep(): SweepReport;
  /** Takes an online backup now (rotating the old ones), while the horde serves. */
  backup(): Promise<HordeBackup>;
  /** The backups there are, newest first. */
  backups(): HordeBackup[];
  close(): Promise<void>;
}

/** Image files live beside the database: `horde.db` → `horde.db.images/`. */
export function imagesDirFor(dbPath: string): string | undefined {
  return dbPath === ':memory:' ? undefined : imagesDirBeside(dbPath);
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Opens the horde's database, refusing a file that is empty or damaged unless `choice` says what
 * to do with it (restore the newest backup, or start a new horde). A file that is not there is
 * created; `existed` says whether it was there before.
 */
export async function openHordeDatabase(
  dbPath: string,
  choice: DamagedDatabaseChoice = 'refuse',
): Promise<{ db: HordeDb; existed: boolean }> {
  if (dbPath === ':memory:') return { db: new HordeDb(dbPath), existed: false };
  const state = checkHordeDatabase(dbPath);
  const problem = describeState(state);
  if (problem !== undefined) {
    if (choice === 'refuse') throw new DamagedHordeDatabase(dbPath, problem, listHordeBackups(dbPath));
    if (choice === 'restore') await restoreHordeBackup(dbPath);
    else startNewHorde(dbPath);
  }
  const existed = state.state === 'ok' || (problem !== undefined && choice === 'restore');
  // A new file is made whole under another name and renamed into place, so that a crash during
  // the first start cannot leave an empty horde.sqlite that the next start would refuse.
  if (!existed) {
    const making = `${dbPath}.creating`;
    for (const f of [making, `${making}-wal`, `${making}-shm`]) rmSync(f, { force: true });
    new HordeDb(making).close();
    renameSync(making, dbPath);
  }
  return { db: new HordeDb(dbPath), existed };
}

/**
 * The limits a horde runs with: the defaults, then what the owner saved for
 * the club (starting kudos, cap), then what the caller passes explicitly (a
 * CLI flag, a test).
 */
function limitsWithClub(db: HordeDb, explicit: Partial<HordeLimits> = {}): HordeLimits {
  const saved = readClubSettings(db, clubDefaults(DEFAULT_LIMITS));
  return { ...withClubSettings(DEFAULT_LIMITS, saved), ...explicit };
}

/** Starts the embedded horde on `dbPath` and resolves once it listens. */
export async function startHorde(opts: StartHordeOptions): Promise<Horde> {
  const { db, existed } = await openHordeDatabase(opts.dbPath, opts.ifDamaged);
  const policy: BackupPolicy | undefined =
    opts.backups === false || opts.dbPath === ':memory:'
      ? undefined
      : { ...DEFAULT_BACKUP_POLICY, ...opts.backups };
  // Ungrouped: the backup reads this connection's pages, and must not copy an uncommitted group.
  const takeBackup = (): Promise<HordeBackup> =>
    db.ungrouped(() =>
      backupHordeDatabase(db.sql, opts.dbPath, { keep: policy?.keep ?? DEFAULT_BACKUP_POLICY.keep }),
    );
  const ctx = makeContext(
    db,
    opts.clock ?? Date.now,
    limitsWithClub(db, opts.limits),
    opts.lan ?? false,
    imagesDirFor(opts.dbPath),
  );
  // The WAL's checkpoints (and their syncs to disk) on a thread of their own, off the requests' way.
  db.checkpointInBackground();
  const host = opts.host ?? (opts.lan ? '0.0.0.0' : '127.0.0.1');
  let app;
  try {
    app = await buildServer(ctx, {
      logger: opts.logger ?? false,
      bindHost: host,
      ...(opts.allowedHosts ? { extraHosts: opts.allowedHosts } : {}),
    });
    await app.listen({ host, port: opts.port ?? 0 });
  } catch (err) {
    await db.stopBackgroundCheckpoints();
    db.close();
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;
  const timer =
    ctx.limits.sweepIntervalMs > 0
      ? setInterval(() => {
          try {
            sweep(ctx);
          } catch (err) {
            app.log.error(err);
          }
        }, ctx.limits.sweepIntervalMs)
      : undefined;
  timer?.unref();
  // A backup of what was there before this run wrote anything, then one every few hours.
  let backingUp: Promise<unknown> = Promise.resolve();
  const rolling = (): void => {
    backingUp = backingUp
      .then(takeBackup)
      .catch((err: unknown) => app.log.error(err, 'the horde database backup failed'));
  };
  if (policy && existed) rolling();
  const backupTimer = policy && policy.everyMs > 0 ? setInterval(rolling, policy.everyMs) : undefined;
  backupTimer?.unref();
  let closed = false;
  return {
    url: `http://${urlHost(host)}:${port}/api`,
    port,
    admin: createAdmin(ctx),
    sweep: () => sweep(ctx, { force: true }),
    backup: () => {
      const next = backingUp.then(takeBackup);
      backingUp = next.catch(() => undefined);
      return next;
    },
    backups: () => listHordeBackups(opts.dbPath),
    close: async () => {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      if (backupTimer) clearInterval(backupTimer);
      await app.close();
      await backingUp;
      await db.stopBackgroundCheckpoints();
      db.close();
    },
  };
}

/** The admin side alone, on a database file, for the CLI: safe while a server uses the same file (WAL). */
export function openHordeAdmin(
  dbPath: string,
  clock: () => number = Date.now,
  limits: Partial<HordeLimits> = {},
): { admin: HordeAdmin; close(): void } {
  // The admin commands refuse an empty or damaged file too: they would otherwise create a new horde in it.
  const state = checkHordeDatabase(dbPath);
  const problem = describeState(state);
  if (problem !== undefined) throw new DamagedHordeDatabase(dbPath, problem, listHordeBackups(dbPath));
  const db = new HordeDb(dbPath);
  const ctx = makeContext(db, clock, limitsWithClub(db, limits), false, imagesDirFor(dbPath));
  return { admin: createAdmin(ctx), close: () => db.close() };
}

/**
 * One online backup of the database file, from another process than the server (the CLI's
 * `backup`): safe while a server uses the file (WAL). The damaged-file check applies.
 */
export async function backupHordeFile(dbPath: string, keep?: number): Promise<HordeBackup> {
  const { db } = await openHordeDatabase(dbPath);
  try {
    return await backupHordeDatabase(db.sql, dbPath, keep !== undefined ? { keep } : {});
  } finally {
    db.close();
  }
}
