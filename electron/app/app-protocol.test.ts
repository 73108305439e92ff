import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_INDEX_URL, contentType, resolveAppFile } from './app-protocol';
import { isAppUrl } from './navigation';

const root = join('/opt', 'Horde Desktop', 'resources', 'app.asar', 'dist', 'renderer');

describe('app:// protocol', () => {
  it('serves the renderer files and index.html for routes', () => {
    expect(resolveAppFile(APP_INDEX_URL, root)).toBe(join(root, 'index.html'));
    expect(resolveAppFile('app://horde/assets/index-3f9a.js', root)).toBe(
      join(root, 'assets', 'index-3f9a.js'),
    );
    expect(resolveAppFile('app://horde/', root)).toBe(join(root, 'index.html'));
    expect(resolveAppFile('app://horde/settings', root)).toBe(join(root, 'index.html'));
  });

  it('never serves a file outside the renderer folder', () => {
    // The URL parser folds plain and %2e dot segments away: they stay inside the folder.
    expect(resolveAppFile('app://horde/../../../etc/passwd.txt', root)).toBe(join(root, 'etc', 'passwd.txt'));
    expect(resolveAppFile('app://horde/%2e%2e/%2e%2e/secrets.json', root)).toBe(join(root, 'secrets.json'));
    // An encoded slash survives parsing and would climb: refused.
    expect(resolveAppFile('app://horde/..%2f..%2fsecrets.json', root)).toBeUndefined();
    expect(resolveAppFile('app://horde/assets%2f..%2f..%2f..%2fapp.asar', root)).toBeUndefined();
    expect(resolveAppFile('app://horde/a%00.js', root)).toBeUndefined();
  });

  it('serves only its own host', () => {
    expect(resolveAppFile('app://elsewhere/index.html', root)).toBeUndefined();
    expect(resolveAppFile('file:///etc/passwd', root)).toBeUndefined();
  });

  it('labels scripts and wasm so the browser runs them', () => {
    expect(contentType('/x/index-3f9a.js')).toBe('text/javascript; charset=utf-8');
    expect(contentType('/x/ort-wasm-simd.wasm')).toBe('application/wasm');
    expect(contentType('/x/unknown.bin')).toBe('application/octet-stream');
  });

  it('counts app://horde pages as the app, and no other host or scheme', () => {
    expect(isAppUrl('app://horde/index.html#/earn', APP_INDEX_URL)).toBe(true);
    expect(isAppUrl('app://evil/index.html', APP_INDEX_URL)).toBe(false);
    expect(isAppUrl('http://horde/index.html', APP_INDEX_URL)).toBe(false);
  });
});
