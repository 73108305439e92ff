import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Issue 15: the embedded horde does not start over on an empty or damaged database — neither
 * inside `serve` nor alone — and the user chooses (restore a backup, or a new horde) with the old
 * file kept. The CLI takes, lists and restores the rolling backups.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const URL_LINE = /^Horde Desktop is running at (http:\/\/127\.0\.0\.1:\d+\/)$/m;
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'records-db-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs serve until it prints its URL (then stops it with SIGINT) or exits by itself. */
function runServe(args: string[]): Promise<{ code: number | null; output: string; started: boolean }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'electron/serve.ts', '--no-worker', '--no-build', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let started = false;
  const take = (d: Buffer) => {
    output += d.toString('utf8');
    if (!started && URL_LINE.test(output)) {
      started = true;
      child.kill('SIGINT');
    }
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output, started })));
}

function horde(db: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/horde/cli.ts', '--db', db, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a damaged embedded horde database', () => {
  it('serve refuses a 0-byte horde.sqlite, naming it, and starts a new horde only when asked', async () => {
    const data = tempDir();
    const db = path.join(data, 'horde.sqlite');
    writeFileSync(db, '');
    const refused = await runServe(['--data', data]);
    expect(refused.started).toBe(false);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(`horde.sqlite in ${data} is empty`);
    expect(refused.output).toContain('--if-horde-damaged new');
    expect(readFileSync(db).length).toBe(0);

    const fresh = await runServe(['--data', data, '--if-horde-damaged', 'new']);
    expect(fresh.started).toBe(true);
    expect(fresh.code).toBe(0);
    const kept = readdirSync(data).filter((n) => n.startsWith('horde.sqlite.damaged-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(path.join(data, kept[0]!)).length).toBe(0);
  });

  it('the CLI backs up, lists and restores; a garbage file is refused until a backup is put back', () => {
    const dir = tempDir();
    const db = path.join(dir, 'horde.sqlite');
    const alice = JSON.parse(horde(db, 'user', 'add', 'alice').stdout) as { username: string };
    const taken = horde(db, 'backup', '--keep', '2');
    expect(taken.status).toBe(0);
    const backup = JSON.parse(taken.stdout) as { file: string; bytes: number };
    expect(existsSync(backup.file)).toBe(true);
    expect(path.dirname(backup.file)).toBe(`${db}.backups`);
    expect(JSON.parse(horde(db, 'backups').stdout)).toHaveLength(1);

    writeFileSync(db, Buffer.alloc(8192, 0x5a));
    const refused = horde(db, 'kudos', 'award', alice.username, '5', '--reason', 'test');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/horde\.sqlite in .* is damaged: it is not an SQLite database/);

    const restored = horde(db, 'restore');
    expect(restored.status).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ restored: { file: backup.file } });
    expect(horde(db, 'kudos', 'award', alice.username, '5', '--reason', 'after restore').status).toBe(0);
    expect(JSON.parse(horde(db, 'verify').stdout)).toMatchObject({ ok: true });
    expect(readdirSync(dir).some((n) => n.startsWith('horde.sqlite.damaged-'))).toBe(true);
  });
});
