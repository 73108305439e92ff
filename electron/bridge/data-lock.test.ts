import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFolderLocked, lockDataFolder } from './data-lock';

describe('one process per data folder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lock-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('a second lock on the folder is refused, naming the pid that holds it; released, it can be taken', async () => {
    const first = await lockDataFolder(dir, { shell: 'serve' });
    const err = await lockDataFolder(dir, { shell: 'desktop' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFolderLocked);
    expect((err as Error).message).toContain(`process ${process.pid} (serve on ${os.hostname()}`);
    expect((err as Error).message).toContain(dir);
    await first.release();
    const second = await lockDataFolder(dir, { shell: 'desktop' });
    await second.release();
  });

  it('a lock held by another live process is refused with that process id', async () => {
    // A process that stays alive while the test looks, with its pid written as the holder.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      await mkdir(path.join(dir, 'app.lock'));
      await writeFile(
        path.join(dir, 'app.lock.json'),
        JSON.stringify({ pid: holder.pid, host: os.hostname(), shell: 'serve', since: Date.now() }),
      );
      await expect(lockDataFolder(dir, { shell: 'serve' })).rejects.toThrow(`process ${holder.pid} (serve`);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('a lock left by a process that was killed is taken over at once', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    await mkdir(path.join(dir, 'app.lock'));
    await writeFile(
      path.join(dir, 'app.lock.json'),
      JSON.stringify({ pid: dead, host: os.hostname(), shell: 'serve', since: Date.now() }),
    );
    const lock = await lockDataFolder(dir, { shell: 'serve' });
    expect(JSON.parse(await readFile(path.join(dir, 'app.lock.json'), 'utf8'))).toMatchObject({
      pid: process.pid,
    });
    await lock.release();
  });
});
