import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafeStorageSecretStore, type StringCipher } from './secret-store';

// Reversible but not plain text, like the OS keychain, so the file can be checked for leaks.
class FakeKeychain implements StringCipher {
  available = true;
  isEncryptionAvailable() {
    return this.available;
  }
  encryptString(plain: string) {
    return Buffer.from([...Buffer.from(plain, 'utf8')].map((b) => b ^ 0x5a));
  }
  decryptString(encrypted: Buffer) {
    return Buffer.from([...encrypted].map((b) => b ^ 0x5a)).toString('utf8');
  }
}

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secrets-'));
  file = join(dir, 'secrets.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('safeStorage secret store', () => {
  it('keeps the API key across restarts without writing it in clear', async () => {
    const keychain = new FakeKeychain();
    await new SafeStorageSecretStore(file, keychain).set('apiKey', 'my-horde-key-0123456789');
    const reopened = new SafeStorageSecretStore(file, keychain);
    expect(await reopened.get('apiKey')).toBe('my-horde-key-0123456789');
    expect(await readFile(file, 'utf8')).not.toContain('my-horde-key');
    expect(reopened.encrypted()).toBe(true);
  });

  it('is readable by the user only', async () => {
    await new SafeStorageSecretStore(file, new FakeKeychain()).set('apiKey', 'k');
    expect((await stat(file)).mode & 0o077).toBe(0);
  });

  it('forgets a key set to null and answers null for keys never set', async () => {
    const store = new SafeStorageSecretStore(file, new FakeKeychain());
    await store.set('apiKey', 'k1');
    await store.set('ownerApiKey', 'k2');
    await store.set('apiKey', null);
    expect(await store.get('apiKey')).toBeNull();
    expect(await store.get('ownerApiKey')).toBe('k2');
  });

  it('without an OS keychain still keeps the key (plain, user-only) and says it is not encrypted', async () => {
    const keychain = new FakeKeychain();
    keychain.available = false;
    const store = new SafeStorageSecretStore(file, keychain);
    await store.set('apiKey', 'plain-key');
    expect(store.encrypted()).toBe(false);
    expect(await store.get('apiKey')).toBe('plain-key');
  });

  it('treats a key the keychain can no longer decrypt as not set', async () => {
    const keychain = new FakeKeychain();
    await new SafeStorageSecretStore(file, keychain).set('apiKey', 'k');
    const broken: StringCipher = {
      ...keychain,
      isEncryptionAvailable: () => true,
      encryptString: (s) => keychain.encryptString(s),
      decryptString: () => {
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      },
    };
    expect(await new SafeStorageSecretStore(file, broken).get('apiKey')).toBeNull();
  });
});
