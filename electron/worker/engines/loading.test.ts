import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../models/scan';
import { localModelLocation, progressReporter } from './loading';

const info = (name: string, folder: string, source: ModelInfo['source']): ModelInfo => ({
  name,
  path: folder,
  source,
  kind: 'text',
  forms: [],
  task: 'text-generation',
  modelType: 'gpt2',
  sizeBytes: 1,
});

describe('localModelLocation', () => {
  it('keeps org/name as the id for folder models', () => {
    const folder = path.join('/models', 'Xenova', 'gpt2');
    expect(localModelLocation(info('Xenova/gpt2', folder, 'folder'))).toEqual({
      root: `${path.sep}models${path.sep}`,
      id: 'Xenova/gpt2',
    });
  });

  it('points at the snapshot folder for the hub cache', () => {
    const folder = path.join('/hub', 'models--Xenova--gpt2', 'snapshots', 'abc123');
    expect(localModelLocation(info('Xenova/gpt2', folder, 'hf-cache'))).toEqual({
      root: `${path.join('/hub', 'models--Xenova--gpt2', 'snapshots')}${path.sep}`,
      id: 'abc123',
    });
  });
});

describe('progressReporter', () => {
  it('reports the bytes read of all files and a fraction that never goes back', () => {
    const seen: { fraction: number; loadedBytes?: number; totalBytes?: number }[] = [];
    const report = progressReporter((p) => seen.push(p));
    const MB = 1024 * 1024;
    report({ status: 'progress', file: 'onnx/model.onnx', loaded: 10 * MB, total: 100 * MB } as never);
    report({ status: 'progress', file: 'tokenizer.json', loaded: 1 * MB, total: 2 * MB } as never);
    report({ status: 'progress', file: 'onnx/model.onnx', loaded: 5 * MB, total: 100 * MB } as never);
    report({ status: 'progress', file: 'onnx/model.onnx', loaded: 100 * MB, total: 100 * MB } as never);
    report({ status: 'ready' } as never);
    expect(seen[0]).toMatchObject({ loadedBytes: 10 * MB, totalBytes: 100 * MB });
    expect(seen[1]).toMatchObject({ loadedBytes: 11 * MB, totalBytes: 102 * MB });
    // The model file's count went back (a re-read): the fraction does not, so that event is not passed on.
    expect(seen.map((p) => p.fraction)).toEqual([...seen.map((p) => p.fraction)].sort((a, b) => a - b));
    expect(seen.at(-2)).toMatchObject({ loadedBytes: 101 * MB, totalBytes: 102 * MB });
    expect(seen.at(-1)).toEqual({ fraction: 1 });
  });
});
