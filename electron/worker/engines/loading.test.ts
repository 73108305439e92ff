import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../models/scan';
import { localModelLocation } from './loading';

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
