import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryEntry } from '../../shared/bridge/contract';
import { toBridgeError } from '../../shared/bridge/errors';
import { fromKudos } from '../../shared/ledger/money';

/** A disk that fills up after `room` more bytes: writes past it fail with ENOSPC, as a full disk does. */
const disk = vi.hoisted(() => ({ room: Infinity }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      const writeFile = handle.writeFile.bind(handle);
      handle.writeFile = (async (data: string | Uint8Array, opts?: unknown) => {
        const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
        if (size > disk.room) {
          // A full disk takes what fits, then refuses the rest.
          await writeFile(String(data).slice(0, Math.max(0, disk.room)));
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        disk.room -= size;
        return writeFile(data, opts as never);
      }) as typeof handle.writeFile;
      return handle;
    },
  };
});

const { RequestHistory } = await import('./history');

const entry = (id: string): HistoryEntry => ({
  id,
  kind: 'text',
  submittedAt: 1,
  summary: `prompt ${id} `.repeat(20),
  models: [],
  kudos: fromKudos(1),
  state: 'waiting',
});

describe('a full disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'diskfull-'));
    disk.room = Infinity;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('says the disk is full and where, leaves no half-written file, and keeps the last save', async () => {
    const file = path.join(dir, 'requests.json');
    const h = new RequestHistory(file);
    await h.put(entry('a'));
    const before = await readFile(file, 'utf8');
    disk.room = 100;
    const err = await h.put(entry('b')).catch((e: unknown) => e);
    // What the window receives: a specific rc and a message naming the folder, not "Something went wrong".
    const shown = toBridgeError(err);
    expect(shown.rc).toBe('DiskFull');
    expect(shown.message).toBe(`The disk is full: could not save requests.json in ${dir}.`);
    expect(shown.hint).toMatch(/Free some space/);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await readFile(file, 'utf8')).toBe(before);

    disk.room = Infinity;
    await h.put(entry('c'));
    const reread = new RequestHistory(file);
    await reread.load();
    expect(reread.list().map((e) => e.id)).toEqual(['c', 'b', 'a']);
  });
});
