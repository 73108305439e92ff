import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHorde, type Horde, type StartHordeOptions } from '../index';
import {
  backupsDirFor,
  checkHordeDatabase,
  DamagedHordeDatabase,
  imagesDirBeside,
  listHordeBackups,
  restoreHordeBackup,
} from './backup';
import { seededWebp, stubImageWorker } from '../../../test/harness/stub-image-worker';

const dirs: string[] = [];
const hordes: Horde[] = [];

function tempDb(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'horde-backup-'));
  dirs.push(dir);
  return path.join(dir, 'horde.sqlite');
}

async function start(dbPath: string, o: Partial<StartHordeOptions> = {}): Promise<Horde> {
  const horde = await startHorde({ dbPath, port: 0, backups: { everyMs: 0 }, ...o });
  hordes.push(horde);
  return horde;
}

async function findUser(horde: Horde, apikey: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${horde.url}/v2/find_user`, { headers: { apikey } });
  return { status: res.status, body: await res.json() };
}

async function refusal(dbPath: string): Promise<DamagedHordeDatabase> {
  const err: unknown = await startHorde({ dbPath, port: 0 }).then(
    (h) => {
      hordes.push(h);
      throw new Error('the horde started on a damaged file');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DamagedHordeDatabase);
  return err as DamagedHordeDatabase;
}

afterEach(async () => {
  for (const h of hordes.splice(0)) await h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the embedded horde and its database file', () => {
  it('creates a missing file, but refuses a 0-byte one, naming it and keeping it as it is', async () => {
    const fresh = tempDb();
    expect(checkHordeDatabase(fresh).state).toBe('missing');
    await start(fresh);
    expect(checkHordeDatabase(fresh).state).toBe('ok');

    const empty = tempDb();
    writeFileSync(empty, '');
    const err = await refusal(empty);
    expect(err.message).toContain(`horde.sqlite in ${path.dirname(empty)} is empty`);
    expect(err.hint).toMatch(/no backup to restore\. Start a new horde/);
    expect(readFileSync(empty).length).toBe(0);
    expect(readdirSync(path.dirname(empty))).toEqual(['horde.sqlite']);
  });

  it('refuses a garbage file and a truncated database, and says a backup can be restored', async () => {
    const garbage = tempDb();
    writeFileSync(garbage, 'this is not a database, it is a shopping list\n'.repeat(100));
    expect((await refusal(garbage)).message).toMatch(/is damaged: it is not an SQLite database/);
    expect(readFileSync(garbage, 'utf8')).toMatch(/^this is not a database/);

    const truncated = tempDb();
    const horde = await start(truncated);
    for (let i = 0; i < 20; i++) horde.admin.addUser(`user${i}`);
    await horde.backup();
    await horde.close();
    const bytes = readFileSync(truncated);
    // Keep the header and cut the rest: SQLite sees pages that are not there.
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 3)));
    const err = await refusal(truncated);
    expect(err.message).toMatch(/horde\.sqlite in .* is damaged/);
    expect(err.hint).toMatch(/^Restore the newest backup \(taken \d{4}-/);
    expect(err.backups).toHaveLength(1);
  });

  it('restores the newest backup when the user chooses it, keeping the damaged file beside', async () => {
    const dbPath = tempDb();
    const horde = await start(dbPath);
    const before = horde.admin.addUser('kept');
    horde.admin.award(before.username, 40, 'before the backup');
    await horde.backup();
    const later = horde.admin.addUser('after-the-backup');
    await horde.close();
    writeFileSync(dbPath, '');

    const restored = await start(dbPath, { ifDamaged: 'restore' });
    expect(restored.admin.verify().ok).toBe(true);
    const names = readdirSync(path.dirname(dbPath));
    expect(names.some((n) => /^horde\.sqlite\.damaged-\d{8}T\d{9}Z$/.test(n))).toBe(true);
    // The user from before the backup is there with the kudos awarded; the later one is not.
    const kept = await findUser(restored, before.apikey);
    expect(kept.status).toBe(200);
    expect((kept.body as { kudos: number }).kudos).toBe(65);
    expect((await findUser(restored, later.apikey)).status).toBe(404);
  });

  it('starts a new horde when the user chooses it, and keeps the old file', async () => {
    const dbPath = tempDb();
    writeFileSync(dbPath, 'garbage'.repeat(1000));
    const horde = await start(dbPath, { ifDamaged: 'new' });
    expect(horde.admin.verify().ok).toBe(true);
    const kept = readdirSync(path.dirname(dbPath)).find((n) => n.startsWith('horde.sqlite.damaged-'));
    expect(kept).toBeDefined();
    expect(readFileSync(path.join(path.dirname(dbPath), kept!), 'utf8')).toBe('garbage'.repeat(1000));
  });

  it('keeps the newest K backups, one taken at start and the others on demand', async () => {
    const dbPath = tempDb();
    const first = await start(dbPath, { backups: { keep: 3, everyMs: 0 } });
    // A new file: nothing worth a backup at start yet.
    expect(first.backups()).toHaveLength(0);
    await first.close();
    const horde = await start(dbPath, { backups: { keep: 3, everyMs: 0 } });
    const taken = [];
    for (let i = 0; i < 5; i++) {
      horde.admin.addUser(`u${i}`);
      taken.push(await horde.backup());
    }
    const left = listHordeBackups(dbPath);
    expect(left).toHaveLength(3);
    expect(left.map((b) => b.file)).toEqual(
      taken
        .slice(-3)
        .map((b) => b.file)
        .reverse(),
    );
    expect(readdirSync(backupsDirFor(dbPath)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // Each kept backup has its image folder; a removed backup's folder went with it.
    expect(readdirSync(backupsDirFor(dbPath)).sort()).toEqual(
      left.flatMap((b) => [path.basename(b.file), path.basename(imagesDirBeside(b.file))]).sort(),
    );
    for (const b of left) expect(checkHordeDatabase(b.file).state).toBe('ok');
  });

  it('carries the image files its snapshot refers to, and a restore puts them back with the database', async () => {
    const dbPath = tempDb();
    const horde = await start(dbPath);
    const requester = horde.admin.addUser('painter');
    horde.admin.award(requester.username, 500, 'for images');
    const owner = horde.admin.addUser('gpu-owner');
    const worker = stubImageWorker({ url: horde.url, apikey: owner.apikey, name: 'stub-img-backup' });
    await worker.pop();
    const ask = async (seed: number): Promise<{ id: string; source: Buffer }> => {
      const source = await seededWebp(512, 512, seed);
      const res = await fetch(`${horde.url}/v2/generate/async`, {
        method: 'POST',
        headers: { apikey: requester.apikey, 'content-type': 'application/json' },
        body: JSON.stringify({
          prompt: `a lighthouse ${seed}`,
          models: ['stable_diffusion'],
          source_image: source.toString('base64'),
          params: { denoising_strength: 0.5 },
        }),
      });
      expect(res.status).toBe(202);
      return { id: ((await res.json()) as { id: string }).id, source };
    };
    const bytesAt = async (url: string): Promise<Buffer> => {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      return Buffer.from(await res.arrayBuffer());
    };
    // Before the backup: one img2img request, served, so its source and its result are files.
    const first = await ask(7);
    await worker.deliver(await worker.pop());
    const status = (await (await fetch(`${horde.url}/v2/generate/status/${first.id}`)).json()) as {
      generations: { img: string }[];
    };
    const resultUrl = status.generations[0]!.img;
    const result = await bytesAt(resultUrl);
    const sourceUrl = `${horde.url}/v2/r2/image-source/${first.id}`;
    expect((await bytesAt(sourceUrl)).equals(first.source)).toBe(true);

    const taken = await horde.backup();
    expect(taken.images).toBe(2);
    expect(readdirSync(imagesDirBeside(taken.file)).sort()).toEqual(
      readdirSync(imagesDirBeside(dbPath)).sort(),
    );
    expect(listHordeBackups(dbPath)[0]).toMatchObject({ file: taken.file, images: 2 });
    // After the backup: another request, whose source the backup does not have.
    const later = await ask(9);
    expect(readdirSync(imagesDirBeside(dbPath))).toHaveLength(3);
    await horde.close();

    const { keptAs } = await restoreHordeBackup(dbPath, taken.file);
    // The replaced database keeps its own images beside it: the later request's source is not lost.
    expect(readdirSync(imagesDirBeside(keptAs!))).toHaveLength(3);
    expect(readdirSync(imagesDirBeside(dbPath)).sort()).toEqual(
      readdirSync(imagesDirBeside(taken.file)).sort(),
    );
    const back = await start(dbPath, { port: Number(new URL(horde.url).port) });
    expect(back.admin.verify().ok).toBe(true);
    expect((await bytesAt(resultUrl)).equals(result)).toBe(true);
    expect((await bytesAt(sourceUrl)).equals(first.source)).toBe(true);
    expect((await fetch(`${back.url}/v2/r2/image-source/${later.id}`)).status).toBe(404);
  });
});
