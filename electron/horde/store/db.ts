import { AsyncLocalStorage } from 'node:async_hooks';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
// Node's own, not the global: a test's fake timers replace the global, and a group left open
// until a fake clock moves would hold the write lock.
import { setImmediate } from 'node:timers';
import { Checkpointer } from './checkpointer';
import { MIGRATIONS } from './migrations';

/** SQLite values as node:sqlite hands them back. */
export type SqlValue = null | number | bigint | string | Uint8Array;
export type Row = Record<string, SqlValue>;

/**
 * How long a group may stay open while its turn goes on, by default (`commitIfDue`). Four
 * transactions a group already took most of what grouping saves (0.72 → 0.36 ms a job in
 * process, eight or sixteen no better), and 2 ms of handling holds about that many. Without the
 * bound, 200 workers at a worker's pace had a pop p50 of 33-62 ms against 11-13 ms ungrouped;
 * with it, 8-11 ms.
 */
const GROUP_COMMIT_MS = 2;

/** What the WAL file is cut back to once it restarts (`journal_size_limit`). */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** SQLite's own auto-checkpoint, in WAL pages: what the server's connection goes back to without the thread. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

/**
 * With the checkpointer thread on, the WAL size (in pages) at which a commit here checkpoints
 * after all, SQLite's own auto-checkpoint (`SQLITE_AUTOCHECKPOINT_PAGES` without the thread). By then the thread has
 * copied nearly every page, so this checkpoint copies a few and lets the WAL restart: a WAL only
 * restarts at a write that finds every frame copied, which the thread, between two of the
 * server's writes, cannot see to. It also bounds the WAL (32 MiB) if the thread stops.
 */
const CHECKPOINT_FALLBACK_PAGES = 8000;

/**
 * The horde's database: one file, WAL so that the admin CLI can write while
 * the server runs, and a busy timeout so that either side waits its turn
 * instead of failing with SQLITE_BUSY.
 */
export class HordeDb {
  readonly sql: DatabaseSync;
  private depth = 0;
  /** Set once group commit is on (`groupCommits`): the answer each async context belongs to. */
  private answers: AsyncLocalStorage<Answer> | undefined;
  /** The group whose transaction is open now, committed at the end of this event-loop turn. */
  private open: CommitGroup | undefined;
  /** How long a group may stay open while its turn goes on (`commitIfDue`). */
  private maxOpenMs = GROUP_COMMIT_MS;
  /** While above 0 (a backup runs), every transaction commits at once. */
  private ungroupedDepth = 0;
  /** The thread that checkpoints the WAL, once `checkpointInBackground` started it. */
  private checkpointer: Checkpointer | undefined;
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
    // Each answer of a commit group is a savepoint, and SQLite keeps the first copy of every page a
    // savepoint changes in a statement journal, a temporary file past its first 64 KiB: a pop and
    // a submit change more than that. In memory, a queue row's delete took 39-53 µs instead of
    // 96-103 (bench/horde's load in process, 100k queued). Temporary tables and sorts live there
    // too; the horde's largest is a GROUP BY over the queued requests (tens of MiB at 1M).
    this.sql.exec('PRAGMA temp_store = MEMORY');
    // SQLite's default page cache is 2 MiB. A queue of 100k requests and its indexes is far larger,
    // and every pop and status read walks them, so the pages they touch are kept (up to 64 MiB).
    this.sql.exec('PRAGMA cache_size = -65536');
    this.sql.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    // SQLite reuses the WAL file from its start after each checkpoint, but never shrinks it: one
    // large transaction (a restore, a bulk import) would leave its size on disk for good.
    this.sql.exec(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    this.migrate();
  }

  /**
   * Runs `fn` in one write transaction. BEGIN IMMEDIATE takes the write lock
   * up front, so a concurrent CLI process cannot interleave between our read
   * of a balance and the write that depends on it. Nested calls join the
   * outer transaction. Inside an answer (`inAnswer`, with group commit on) the
   * transaction is a savepoint of the turn's group instead, made durable with
   * the group.
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
    const answer = this.liveAnswer();
    if (answer) return this.grouped(answer.groups, fn);
    // A write outside any answer (the sweep's timer, an admin call, a backup), or after its answer
    // was sent, commits before it returns, as its caller expects; the open group commits first.
    this.commitGroup();
    this.control('BEGIN IMMEDIATE');
    this.depth = 1;
    try {
      const out = fn();
      this.control('COMMIT');
      this.checkpointer?.committed();
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

  /**
   * Group commit, for the server: from now on a transaction run inside `inAnswer` joins the group
   * of its event-loop turn, and the group commits once, when the turn ends (setImmediate), for
   * every answer that wrote in it. A commit writes every page a transaction changed to the WAL,
   * and concurrent pops and submits change the same pages (the queue's indexes, the ledger's
   * tail, the worker rows). One commit for a turn's writes (or for its first `maxOpenMs`) took
   * flat-out settlements up by 17-25 % at 50 and 200 workers on a 100k queue (bench/horde, both
   * servers side by side), and halved the store's own time in process with four jobs a group. An
   * answer waits for its groups (`answered`) before it is sent, so nothing is reported done
   * before it is committed.
   */
  groupCommits(o: { maxOpenMs?: number } = {}): void {
    this.answers ??= new AsyncLocalStorage();
    if (o.maxOpenMs !== undefined) this.maxOpenMs = o.maxOpenMs;
  }

  /**
   * Runs `fn`, the start of the handling of one API call, as an answer: every transaction in it
   * and in what it goes on to run (its async continuations) joins its turn's group. Without
   * group commit, just `fn`.
   */
  inAnswer<T>(fn: () => T): T {
    return this.answers ? this.answers.run({ groups: new Set(), sent: false }, fn) : fn();
  }

  /**
   * Resolves once every group the answer in progress wrote to has committed, and the group open
   * now, whose writes it may have read; rejects with the commit's error when one could not
   * commit: then nothing the answer wrote there was kept, and it must not say otherwise.
   * Outside an answer, only the open group.
   */
  async answered(): Promise<void> {
    this.commitIfDue();
    const answer = this.answers?.getStore();
    const groups = new Set(answer?.groups);
    if (this.open) groups.add(this.open);
    if (answer) {
      // Once: the error answer sent after a failed commit passes through here again.
      answer.groups.clear();
      answer.sent = true;
    }
    await Promise.all([...groups].map((g) => g.done));
  }

  /**
   * Moves the WAL's checkpoints (the copy of committed pages into the database file, and the two
   * syncs to disk) to a thread of their own, for the server (`Checkpointer`). Nothing changes in
   * what is durable when: commits are the same, and a checkpoint is the same operation on another
   * connection. No-op for ':memory:' or when it runs already.
   */
  checkpointInBackground(o: { everyMs?: number; fallbackPages?: number } = {}): Checkpointer | undefined {
    if (this.file === ':memory:') return undefined;
    if (!this.checkpointer) {
      this.checkpointer = new Checkpointer(this.file, o.everyMs);
      this.sql.exec(
        `PRAGMA wal_autocheckpoint = ${Math.trunc(o.fallbackPages ?? CHECKPOINT_FALLBACK_PAGES)}`,
      );
    }
    return this.checkpointer;
  }

  /** Ends the checkpointer thread (its connection closed) and goes back to SQLite's own checkpoints. */
  async stopBackgroundCheckpoints(): Promise<void> {
    const c = this.checkpointer;
    if (!c) return;
    this.checkpointer = undefined;
    if (this.sql.isOpen) this.sql.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    await c.stop();
  }

  /**
   * Runs `fn` with every transaction committing on its own, the open group committed first: an
   * online backup reads this connection's pages from another thread, and must not copy what a
   * group has not committed yet.
   */
  async ungrouped<T>(fn: () => Promise<T>): Promise<T> {
    this.commitGroup();
    this.ungroupedDepth++;
    try {
      return await fn();
    } finally {
      this.ungroupedDepth--;
    }
  }

  /** The answer a write here belongs to: one in progress and not yet sent, while not ungrouped. */
  private liveAnswer(): Answer | undefined {
    const answer = this.ungroupedDepth === 0 ? this.answers?.getStore() : undefined;
    return answer && !answer.sent ? answer : undefined;
  }

  private grouped<T>(answer: Set<CommitGroup>, fn: () => T): T {
    let group = this.open;
    if (!group) {
      this.control('BEGIN IMMEDIATE');
      const made = new CommitGroup();
      this.open = group = made;
      setImmediate(() => {
        // Unless it was committed (or failed) already and another group is open now.
        if (this.open === made) this.commitGroup();
      });
    }
    answer.add(group);
    this.control('SAVEPOINT answer');
    this.depth = 1;
    let out: T;
    try {
      out = fn();
      this.control('RELEASE answer');
    } catch (err) {
      if (this.sql.isTransaction) {
        // Only this transaction's writes go; the rest of the group stays.
        this.sql.exec('ROLLBACK TO answer');
        this.sql.exec('RELEASE answer');
      } else {
        // SQLite rolled the whole transaction back (SQLITE_FULL, an I/O error): every write of
        // the group is gone, and each answer that made one hears it.
        this.open = undefined;
        group.settle(err);
      }
      throw err;
    } finally {
      this.depth = 0;
    }
    this.commitIfDue();
    return out;
  }

  /**
   * Commits the open group now once it has been open `maxOpenMs`. A turn that handles a burst
   * (200 workers popping at once) runs for tens of ms before its end, and holding every answer
   * of it until then made each wait for the whole burst instead of its place in it.
   */
  private commitIfDue(): void {
    if (this.open && performance.now() - this.open.openedAt >= this.maxOpenMs) this.commitGroup();
  }

  /** Commits the open group, if any, and tells its answers. */
  private commitGroup(): void {
    const group = this.open;
    if (!group) return;
    this.open = undefined;
    try {
      this.control('COMMIT');
      this.checkpointer?.committed();
      group.settle();
    } catch (err) {
      if (this.sql.isTransaction) this.sql.exec('ROLLBACK');
      group.settle(err);
    }
  }

  get<T = Row>(sql: string, ...params: SqlParam[]): T | undefined {
    return call(this.prepare(sql), 'get', params) as T | undefined;
  }

  all<T = Row>(sql: string, ...params: SqlParam[]): T[] {
    return call(this.prepare(sql), 'all', params) as T[];
  }

  run(sql: string, ...params: SqlParam[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    // A write outside `tx` while a group is open lands in the group's transaction: the answer it
    // belongs to waits for that group, and a write of no answer commits the group at once.
    if (this.depth === 0 && this.open) {
      const answer = this.liveAnswer();
      if (answer) answer.groups.add(this.open);
      else this.commitGroup();
    }
    const out = call(this.prepare(sql), 'run', params) as {
      changes: number | bigint;
      lastInsertRowid: number | bigint;
    };
    // A write of its own (autocommit) committed as it ran.
    if (this.checkpointer && !this.sql.isTransaction) this.checkpointer.committed();
    return out;
  }

  /**
   * Runs a transaction-control statement (BEGIN, COMMIT, SAVEPOINT, RELEASE), prepared once: every
   * answer runs two or three of them, and `exec` parses the text anew each time.
   */
  private control(sql: 'BEGIN IMMEDIATE' | 'COMMIT' | 'SAVEPOINT answer' | 'RELEASE answer'): void {
    this.prepare(sql).run();
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
    // The thread's connection closes on its own; await `stopBackgroundCheckpoints` first to know
    // it has, as the last connection to close is the one that removes the WAL file.
    void this.stopBackgroundCheckpoints();
    if (this.sql.isOpen) this.commitGroup();
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

/** One API call's handling (`HordeDb.inAnswer`): the groups it wrote to, and whether it was sent. */
interface Answer {
  groups: Set<CommitGroup>;
  /** Set by `answered`: a write made after that has no answer to wait for it, and commits at once. */
  sent: boolean;
}

/** The writes of one event-loop turn's answers, committed together (`HordeDb.groupCommits`). */
export class CommitGroup {
  readonly openedAt = performance.now();
  /** Resolves once the group's transaction is committed; rejects with the error if it was not. */
  readonly done: Promise<void>;
  private finish!: (err?: unknown) => void;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.finish = (err) => (err === undefined ? resolve() : reject(err));
    });
    // Answers that wrote here await it; one that failed on its own before waiting does not.
    this.done.catch(() => undefined);
  }

  settle(err?: unknown): void {
    this.finish(err);
  }
}
