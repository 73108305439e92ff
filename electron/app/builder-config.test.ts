import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

interface TargetEntry {
  target: string;
}
interface BuilderConfig {
  appId: string;
  productName: string;
  icon: string;
  files: string[];
  asarUnpack: string[];
  publish: unknown;
  linux: { target: string[]; icon: string; category: string; maintainer: string };
  win: { target: TargetEntry[]; icon: string };
  mac: { target: TargetEntry[]; icon: string };
}

function loadConfig(env: Record<string, string | undefined> = {}): BuilderConfig {
  const path = require.resolve(join(root, 'electron-builder.config.cjs'));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    delete require.cache[path];
    return require(path) as BuilderConfig;
  } finally {
    process.env = saved;
  }
}

// The schema validation itself (slow: electron-builder's schema is large) is in
// test/integration/electron-builder-config.test.ts.
describe('electron-builder configuration', () => {
  const config = loadConfig();

  it('names the app and builds AppImage + deb, NSIS and DMG', () => {
    expect(config.productName).toBe('Horde Desktop');
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z]+)+$/);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.maintainer).toMatch(/<.+@.+>/);
    expect(config.win.target.map((t) => t.target)).toEqual(['nsis']);
    expect(config.mac.target.map((t) => t.target)).toEqual(['dmg']);
  });

  it('points at icons that exist and are large enough for every platform', () => {
    const pngSize = (path: string) => {
      const bytes = readFileSync(join(root, path));
      expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
      return bytes.readUInt32BE(16);
    };
    expect(pngSize(config.icon)).toBeGreaterThanOrEqual(512);
    expect(pngSize(config.mac.icon)).toBeGreaterThanOrEqual(512);
    expect(pngSize(config.win.icon)).toBeGreaterThanOrEqual(256);
    expect(statSync(join(root, config.linux.icon)).isDirectory()).toBe(true);
    expect(pngSize(join(config.linux.icon, '512x512.png'))).toBe(512);
  });

  it('ships the main bundle package.json points at, and unpacks the ONNX Runtime binaries', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string };
    expect(config.files).toContain('dist/electron/**/*');
    expect(pkg.main.startsWith('dist/electron/')).toBe(true);
    expect(config.asarUnpack).toContain('node_modules/onnxruntime-node/**/*');
    expect(existsSync(join(root, 'node_modules/onnxruntime-node'))).toBe(true);
  });

  it('has tray icons for light and dark menus and macOS templates for every tray state', () => {
    for (const state of ['earning', 'waiting', 'paused', 'alert']) {
      for (const file of [`light/${state}`, `dark/${state}`, `template/${state}Template`]) {
        expect(existsSync(join(root, 'assets/tray', `${file}.png`)), file).toBe(true);
        expect(existsSync(join(root, 'assets/tray', `${file}@2x.png`)), file).toBe(true);
      }
    }
  });

  it('keeps publishing and auto-update off unless a release is explicitly requested', () => {
    expect(config.publish).toBeNull();
    expect(loadConfig({ HORDE_DESKTOP_PUBLISH: '1' }).publish).toEqual([
      expect.objectContaining({ provider: 'github' }),
    ]);
  });
});
