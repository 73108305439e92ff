import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryEntry, Settings } from '../../shared/bridge/contract';
import { SERVE_IDLE_POLICY } from '../../shared/worker/stats';
import { RequestHistory } from './history';
import { DamagedRecordError } from './record-file';
import { FileSecretStore } from './secret-store';
import { SettingsStore } from './settings-store';
import { fromKudos } from '../../shared/ledger/money';

/**
 * Issue 15: a file the app owns is never reset silently. Each damage a crash,
 * a full disk or another program can do — cut short, garbage, 0 bytes, gone
 * between the two renames of a save — is repaired from the last good copy, or
 * the load stops with a message that names the file.
 */

const DEFAULTS: Settings = {
  horde: { mode: 'embedded' },
  workerName: 'w',
  modelsDir: '/models',
  threads: 0,
  memoryMb: 0,
  lanSharing: false,
  lanPort: null,
  idle: SERVE_IDLE_POLICY,
  theme: 'system',
};

const entry = (id: string, prompt = `prompt ${id}`): HistoryEntry => ({
  id,
  kind: 'text',
  submittedAt: 1_700_000_000_000,
  summary: prompt,
  models: ['tiny-gpt2'],
  kudos: fromKudos(1.5),
  state: 'waiting',
});

const DAMAGE: readonly (readonly [string, (good: string) => string])[] = [
  ['cut short', (good) => good.slice(0, Math.floor(good.length / 2))],
  ['garbage', () => '\u0000\u0013garbage{{{'],
  ['0 bytes', () => ''],
];

describe('the files the app owns', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'records-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  describe('requests.json', () => {
    for (const [what, damage] of DAMAGE) {
      it(`${what}: restored from the last good copy, the damaged file kept beside it`, async () => {
        const file = path.join(dir, 'requests.json');
        const h = new RequestHistory(file);
        await h.load();
        await h.put(entry('a'));
        await h.put(entry('b'));
        const good = await readFile(file, 'utf8');
        await writeFile(file, damage(good));

        const again = new RequestHistory(file);
        const loaded = await again.load();
        // The backup is the save before the last: the request put last is the one a crash could cost.
        expect(again.list().map((e) => e.id)).toEqual(['a']);
        expect(loaded.restored?.why).toBeTruthy();
        const names = await readdir(dir);
        expect(names.some((n) => n.startsWith('requests.json.damaged-'))).toBe(true);
        expect(
          await readFile(
            path.join(
              dir,
              names.find((n) => n.includes('damaged'))!,
            ),
            'utf8',
          ),
        ).toBe(damage(good));
      });

      it(`${what} with no good copy: stops with a message naming the file, and leaves it alone`, async () => {
        const file = path.join(dir, 'requests.json');
        await writeFile(file, damage(JSON.stringify([entry('a')])));
        const err = await new RequestHistory(file).load().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DamagedRecordError);
        expect((err as Error).message).toContain(`requests.json in ${dir}`);
        expect((err as Error).message).toContain('request history');
        expect((err as Error).message).toMatch(/Move it away/);
        expect(await readFile(file, 'utf8')).toBe(damage(JSON.stringify([entry('a')])));
      });
    }

    it('a crash between the two renames of a save (file gone, backup there) loses nothing saved before', async () => {
      const file = path.join(dir, 'requests.json');
      const h = new RequestHistory(file);
      await h.put(entry('a'));
      await h.put(entry('b'));
      await rm(file);
      const again = new RequestHistory(file);
      await again.load();
      expect(again.list().map((e) => e.id)).toEqual(['a']);
    });

    it('temporary files a crash left behind are removed on load', async () => {
      const file = path.join(dir, 'requests.json');
      await writeFile(`${file}.0123456789ab.tmp`, '[{"half":');
      await new RequestHistory(file).load();
      expect(await readdir(dir)).toEqual([]);
    });
  });

  describe('settings.json', () => {
    it('garbage is restored from the last good copy, not replaced by the defaults', async () => {
      const file = path.join(dir, 'settings.json');
      const s = new SettingsStore(file, DEFAULTS);
      await s.load();
      await s.update({ theme: 'dark' });
      await s.update({ workerName: 'my worker' });
      await writeFile(file, '{"theme": "da');
      const again = new SettingsStore(file, DEFAULTS);
      const loaded = await again.load();
      expect(loaded.theme).toBe('dark');
      expect(again.restored).toBeDefined();
    });

    it('0 bytes with no good copy stops the start with a message naming settings.json', async () => {
      const file = path.join(dir, 'settings.json');
      await writeFile(file, '');
      await expect(new SettingsStore(file, DEFAULTS).load()).rejects.toThrow(
        /settings\.json in .* is damaged \(empty\).*your settings/,
      );
    });
  });

  describe('secrets.json', () => {
    for (const [what, damage] of DAMAGE) {
      it(`${what}: the API key comes back from the last good copy`, async () => {
        const file = path.join(dir, 'secrets.json');
        const store = new FileSecretStore(file);
        await store.set('apiKey@https://aihorde.net/api', 'key-of-the-public-horde');
        const good = await readFile(file, 'utf8');
        await writeFile(file, damage(good));
        expect(await new FileSecretStore(file).get('apiKey@https://aihorde.net/api')).toBe(
          'key-of-the-public-horde',
        );
      });
    }

    it('damaged with no good copy: the key is not silently forgotten, the read stops naming the file', async () => {
      const file = path.join(dir, 'secrets.json');
      await writeFile(file, '{"apiKey@https://aihorde.net/api": "ab');
      await expect(new FileSecretStore(file).get('ownerApiKey')).rejects.toThrow(
        /secrets\.json .*damaged.*API keys/,
      );
    });

    it('a cleared key is gone from the backup too', async () => {
      const file = path.join(dir, 'secrets.json');
      const store = new FileSecretStore(file);
      await store.set('apiKey@embedded', 'secret-one-1234');
      await store.set('ownerApiKey', 'owner-5678');
      await store.set('apiKey@embedded', null);
      for (const name of await readdir(dir))
        expect(await readFile(path.join(dir, name), 'utf8')).not.toContain('secret-one-1234');
    });
  });
});
