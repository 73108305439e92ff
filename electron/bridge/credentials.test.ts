import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANONYMOUS_API_KEY } from '../../shared/api/common';
import { Credentials } from './credentials';
import { FileSecretStore } from './secret-store';

describe('API keys per horde', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'creds-'));
    file = path.join(dir, 'secrets.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('a key set for a custom horde is never sent to the embedded one, and each comes back after a restart', async () => {
    const creds = new Credentials(new FileSecretStore(file));
    await creds.load();
    await creds.setOwnerKey('owner-key-embedded');
    await creds.useHorde('custom', 'http://10.0.0.5:7001/api');
    await creds.setUserKey('club-key-1234');
    expect(creds.current()).toBe('club-key-1234');

    // Back to the embedded horde (on another port this run): its own owner key, not the club's.
    await creds.useHorde('embedded', 'http://127.0.0.1:45678/api');
    expect(creds.current()).toBe('owner-key-embedded');
    expect(creds.masked).toBeNull();

    await creds.useHorde('public', 'https://aihorde.net/api');
    expect(creds.current()).toBe(ANONYMOUS_API_KEY);

    const restarted = new Credentials(new FileSecretStore(file));
    await restarted.load();
    await restarted.useHorde('custom', 'http://10.0.0.5:7001/api/');
    expect(restarted.current()).toBe('club-key-1234');
    expect(restarted.masked).toBe('••••••1234');
  });

  it('moves the single key of earlier versions to the first non-embedded horde it is used with', async () => {
    const store = new FileSecretStore(file);
    await store.set('apiKey', 'old-single-key');
    const creds = new Credentials(store);
    await creds.load();
    await creds.useHorde('embedded', 'http://127.0.0.1:1/api');
    expect(creds.current()).toBe(ANONYMOUS_API_KEY);
    await creds.useHorde('public', 'https://aihorde.net/api');
    expect(creds.current()).toBe('old-single-key');
    expect(await store.get('apiKey')).toBeNull();
    expect(await store.get('apiKey@https://aihorde.net/api')).toBe('old-single-key');
  });
});
