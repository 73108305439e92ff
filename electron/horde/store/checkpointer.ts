import { Worker } from 'node:worker_threads';

/** The flags the server and the thread share: a commit since the last pass, and stop. */
const COMMITTED = 0;
const STOP = 1;

/**
 * The checkpointer thread's whole program, run as a CommonJS script (`eval`), so that it needs no
 * file of its own beside a bundle: its own connection to the horde's file, and a passive
 * checkpoint `everyMs` after the server commits. A passive checkpoint copies the WAL's committed
 * pages into the database file and syncs both, without taking the write lock, so the server's
 * writes go on meanwhile. The thread sleeps in `Atomics.wait` until a commit wakes it, so an idle
 * horde costs nothing (a timer every 100 ms took a volunteer's idle `serve` from 0.08 % to 0.8 %
 * of a core). It keeps no read transaction open between passes, which would stop the WAL from
 * restarting.
 */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const flags = new Int32Array(workerData.flags);
const db = new DatabaseSync(workerData.file, { timeout: 0 });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
for (;;) {
  Atomics.wait(flags, ${COMMITTED}, 0);
  if (Atomics.load(flags, ${STOP}) === 1) break;
  // The commits of the next moment join this pass; a stop cuts the wait short.
  Atomics.wait(flags, ${STOP}, 0, workerData.everyMs);
  if (Atomics.load(flags, ${STOP}) === 1) break;
  Atomics.store(flags, ${COMMITTED}, 0);
  try {
    parentPort.postMessage({ pass: checkpoint.get() });
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
}
db.close();
`;

/** How often the thread checkpoints by default. */
export const CHECKPOINT_EVERY_MS = 100;

/** A thread that has not ended this long after it was asked to (a pass stuck on the disk) is ended. */
const STOP_TIMEOUT_MS = 5000;

/** What one pass reported (SQLite's `wal_checkpoint` row). */
export interface CheckpointPass {
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Of those, the frames now in the database file. */
  checkpointed: number;
}

/**
 * Checkpoints a WAL database from a thread of its own (`HordeDb.checkpointInBackground`). A
 * checkpoint syncs the WAL and the database file to disk, and on the thread that commits it
 * made every 1000th page's commit wait for that: half of what a commit cost flat out
 * (960 against 528 µs a group in process at 100k queued, bench/horde's load).
 */
export class Checkpointer {
  private readonly worker: Worker;
  private stopping: Promise<void> | undefined;
  /** The last pass's figures, for tests and diagnostics. */
  last: CheckpointPass | undefined;
  /** The last pass's error; the server's own checkpoints still bound the WAL meanwhile. */
  lastError: string | undefined;
  private passCount = 0;
  private exited = false;
  private readonly flags = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  private waiters: (() => void)[] = [];

  constructor(file: string, everyMs = CHECKPOINT_EVERY_MS) {
    this.worker = new Worker(PROGRAM, {
      eval: true,
      workerData: { file, everyMs, flags: this.flags.buffer },
    });
    // A server that is done must not be kept alive by its checkpointer.
    this.worker.unref();
    this.worker.on('message', (m: { pass?: CheckpointPass; error?: string }) => {
      if (m.pass) {
        this.last = m.pass;
        this.lastError = undefined;
      }
      if (m.error !== undefined) this.lastError = m.error;
      if (m.pass || m.error !== undefined) {
        this.passCount++;
        for (const w of this.waiters.splice(0)) w();
      }
    });
    this.worker.on('error', (err) => {
      this.lastError = String(err);
    });
    this.worker.once('exit', () => {
      this.exited = true;
    });
  }

  /** Passes so far, errors included. */
  get passes(): number {
    return this.passCount;
  }

  /** Tells the thread the server committed: it checkpoints `everyMs` later. Two atomics, no message. */
  committed(): void {
    if (Atomics.load(this.flags, COMMITTED) === 1) return;
    Atomics.store(this.flags, COMMITTED, 1);
    Atomics.notify(this.flags, COMMITTED);
  }

  /** Resolves after the next pass (tests). */
  nextPass(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Closes the thread's connection and ends the thread; resolves once it has. */
  stop(): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.stopping ??= new Promise<void>((resolve) => {
      // Held again while it stops: unreferenced, the process could end before the thread's exit.
      this.worker.ref();
      const stuck = setTimeout(() => void this.worker.terminate(), STOP_TIMEOUT_MS);
      this.worker.once('exit', () => {
        clearTimeout(stuck);
        resolve();
      });
      Atomics.store(this.flags, STOP, 1);
      Atomics.store(this.flags, COMMITTED, 1);
      Atomics.notify(this.flags, COMMITTED);
      Atomics.notify(this.flags, STOP);
    });
    return this.stopping;
  }
}
