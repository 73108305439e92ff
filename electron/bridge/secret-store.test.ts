import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore, maskApiKey } from './secret-store';

describe('FileSecretStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'secrets-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps keys in a file only the user can read, and forgets a cleared one', async () => {
    const file = path.join(dir, 'secrets.json');
    const store = new FileSecretStore(file);
    await store.set('apiKey', 'abcdefghij1234');
    await store.set('ownerApiKey', 'owner-key-5678');
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await new FileSecretStore(file).get('apiKey')).toBe('abcdefghij1234');
    await store.set('apiKey', null);
    expect(await store.get('apiKey')).toBeNull();
    expect(await readFile(file, 'utf8')).not.toContain('abcdefghij1234');
  });

  it('masks a key so the window never sees it whole', () => {
    expect(maskApiKey('abcdefghij1234')).toBe('••••••1234');
    expect(maskApiKey('short')).toBe('••••••');
    expect(maskApiKey(null)).toBeNull();
  });
});
