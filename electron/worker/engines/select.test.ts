import { describe, expect, it } from 'vitest';
import type { BrowserHost } from './browser/protocol';
import { selectTextEngine, type EngineLoaders, type TextEngineRequest } from './select';
import type { Backend, TextEngine } from './types';

function fakeEngine(backend: Backend, extra: object = {}): TextEngine & { disposed: boolean } {
  const engine = {
    backend,
    modelName: 'm',
    disposed: false,
    generate: () => Promise.reject(new Error('not used')),
    dispose: async () => {
      engine.disposed = true;
    },
    ...extra,
  };
  return engine;
}

const host: BrowserHost = { evaluate: () => Promise.reject(new Error('not used')) };
const base: TextEngineRequest = { preference: 'auto', modelsDir: '/m', modelName: 'm' };

function loaders(browser: ReturnType<typeof fakeEngine> | Error, failNode: string[] = []): EngineLoaders {
  return {
    node: async (_r, device) => {
      if (failNode.includes(device)) throw new Error(`${device} provider missing`);
      return fakeEngine(device);
    },
    browser: async () => {
      if (browser instanceof Error) throw browser;
      return browser;
    },
  };
}

describe('selectTextEngine', () => {
  it('uses WebGPU on a real GPU adapter', async () => {
    const gpu = fakeEngine('webgpu', { adapterIsFallback: false });
    const picked = await selectTextEngine({ ...base, openBrowser: async () => host }, loaders(gpu));
    expect(picked.engine).toBe(gpu);
    expect(picked.notes).toEqual([]);
  });

  it('prefers the CPU over a software WebGPU adapter or WASM, and says why', async () => {
    const swiftshader = fakeEngine('webgpu', { adapterIsFallback: true });
    const a = await selectTextEngine({ ...base, openBrowser: async () => host }, loaders(swiftshader));
    expect(a.engine.backend).toBe('cpu');
    expect(swiftshader.disposed).toBe(true);
    expect(a.notes[0]).toMatch(/software adapter/);

    const wasm = fakeEngine('wasm', { fallbackReason: 'WebGPU offers no adapter' });
    const b = await selectTextEngine({ ...base, openBrowser: async () => host }, loaders(wasm));
    expect(b.engine.backend).toBe('cpu');
    expect(b.notes[0]).toMatch(/no adapter/);
  });

  it('runs on the CPU when there is no browser context or it fails', async () => {
    expect((await selectTextEngine(base, loaders(new Error('x')))).engine.backend).toBe('cpu');
    const failed = await selectTextEngine(
      { ...base, openBrowser: async () => host },
      loaders(new Error('crashed')),
    );
    expect(failed.engine.backend).toBe('cpu');
    expect(failed.notes[0]).toMatch(/crashed/);
  });

  it('honours an explicit backend, falling back from CUDA/DirectML to the CPU', async () => {
    const wasm = fakeEngine('wasm');
    expect(
      (await selectTextEngine({ ...base, preference: 'wasm', openBrowser: async () => host }, loaders(wasm)))
        .engine,
    ).toBe(wasm);
    await expect(selectTextEngine({ ...base, preference: 'webgpu' }, loaders(wasm))).rejects.toThrow(
      /browser context/,
    );
    expect((await selectTextEngine({ ...base, preference: 'cuda' }, loaders(wasm))).engine.backend).toBe(
      'cuda',
    );
    const noDml = await selectTextEngine({ ...base, preference: 'dml' }, loaders(wasm, ['dml']));
    expect(noDml.engine.backend).toBe('cpu');
    expect(noDml.notes[0]).toMatch(/dml unavailable/);
  });
});
