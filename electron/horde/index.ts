import type { AddressInfo } from 'node:net';
import { createAdmin, type HordeAdmin } from './admin';
import { DEFAULT_LIMITS, makeContext, type HordeLimits } from './context';
import { buildServer } from './server';
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
}

export interface Horde {
  /** Base URL of the API, e.g. `http://127.0.0.1:7001/api` (routes under `/v2`). */
  url: string;
  admin: HordeAdmin;
  /**
   * Applies the timeouts due by the clock now (job ttl, form ttl, request
   * expiry). The horde also does this before every pop, submit and status
   * read and every `limits.sweepIntervalMs`.
   */
  sweep(): SweepReport;
  close(): Promise<void>;
}

/** Image files live beside the database: `horde.db` → `horde.db.images/`. */
export function imagesDirFor(dbPath: string): string | undefined {
  return dbPath === ':memory:' ? undefined : `${dbPath}.images`;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts the embedded horde on `dbPath` and resolves once it listens. */
export async function startHorde(opts: StartHordeOptions): Promise<Horde> {
  const db = new HordeDb(opts.dbPath);
  const limits: HordeLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const ctx = makeContext(db, opts.clock ?? Date.now, limits, opts.lan ?? false, imagesDirFor(opts.dbPath));
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
    db.close();
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;
  const timer =
    limits.sweepIntervalMs > 0
      ? setInterval(() => {
          try {
            sweep(ctx);
          } catch (err) {
            app.log.error(err);
          }
        }, limits.sweepIntervalMs)
      : undefined;
  timer?.unref();
  let closed = false;
  return {
    url: `http://${urlHost(host)}:${port}/api`,
    admin: createAdmin(ctx),
    sweep: () => sweep(ctx),
    close: async () => {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      await app.close();
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
  const db = new HordeDb(dbPath);
  const ctx = makeContext(db, clock, { ...DEFAULT_LIMITS, ...limits }, false, imagesDirFor(dbPath));
  return { admin: createAdmin(ctx), close: () => db.close() };
}
