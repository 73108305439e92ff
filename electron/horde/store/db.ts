import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations';

/** SQLite values as node:sqlite hands them back. */
export type SqlValue = null | number | bigint | string | Uint8Array;
export type Row = Record<string, SqlValue>;

/**
 * The horde's database: one file, WAL so that the admin CLI can write while
 * the server runs, and a busy timeout so that either side waits its turn
 * instead of failing with SQLITE_BUSY.
 */
export class HordeDb {
  readonly sql: DatabaseSync;
  private depth = 0;
  /** Prepared statements by SQL text: preparing costs more than running most of our queries. */
  private readonly statements = new Map<string, StatementSync>();

  constructor(
    /** The file (or ':memory:'), for messages that say where. */
    readonly file: string,
    busyTimeoutMs = 5000,
  ) {
    const path = file;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.sql = new DatabaseSync(path, { timeout: busyTimeoutMs });
    this.sql.exec('PRAGMA journal_mode = WAL');
    this.sql.exec('PRAGMA synchronous = NORMAL');
    this.sql.exec('PRAGMA foreign_keys = ON');
    // SQLite's default page cache is 2 MiB. A queue of 100k requests and its indexes is far larger,
    // and every pop and status read walks them, so the pages they touch are kept (up to 64 MiB).
    this.sql.exec('PRAGMA cache_size = -65536');
    this.sql.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    this.migrate();
  }

  /**
   * Runs `fn` in one write transaction. BEGIN IMMEDIATE takes the write lock
   * up front, so a concurrent CLI process cannot interleave between our read
   * of a balance and the write that depends on it. Nested calls join the
   * outer transaction.
   */
  tx<T>(fn: () => T): T {
    if (this.depth > 0) {
      this.depth++;
      try {
        return fn();
      } finally {
        this.depth--;
      }
    }
    this.sql.exec('BEGIN IMMEDIATE');
    this.depth = 1;
    try {
      const out = fn();
      this.sql.exec('COMMIT');
      return out;
    } catch (err) {
      // SQLite rolls back by itself on some errors (SQLITE_FULL among them); a ROLLBACK then would
      // throw "no transaction is active" and hide the error that matters.
      if (this.sql.isTransaction) this.sql.exec('ROLLBACK');
      throw err;
    } finally {
      this.depth = 0;
    }
  }

  get<T = Row>(sql: string, ...params: SqlParam[]): T | undefined {
    return call(this.prepare(sql), 'get', params) as T | undefined;
  }

  all<T = Row>(sql: string, ...params: SqlParam[]): T[] {
    return call(this.prepare(sql), 'all', params) as T[];
  }

  run(sql: string, ...params: SqlParam[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return call(this.prepare(sql), 'run', params) as {
      changes: number | bigint;
      lastInsertRowid: number | bigint;
    };
  }

  prepare(sql: string): StatementSync {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.sql.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  close(): void {
    this.statements.clear();
    if (this.sql.isOpen) this.sql.close();
  }

  private migrate(): void {
    this.sql.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
    );
    this.tx(() => {
      const applied = new Set(
        this.all<{ version: number }>('SELECT version FROM schema_migrations').map((r) => r.version),
      );
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        this.sql.exec(m.sql);
        this.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', m.version, Date.now());
      }
    });
  }
}

/**
 * node:sqlite types named parameters (one leading object) and positional ones
 * as separate overloads; our callers pass either, so one loosely typed call
 * site bridges them.
 */
function call(st: StatementSync, method: 'get' | 'all' | 'run', params: SqlParam[]): unknown {
  const fn = st[method] as (...args: SqlParam[]) => unknown;
  return fn.apply(st, params);
}

export type SqlParam =
  null | number | bigint | string | Uint8Array | Record<string, null | number | bigint | string | Uint8Array>;
