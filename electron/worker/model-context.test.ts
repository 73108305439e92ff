import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contextLimitOf, readContextLimit } from './model-context';

describe('contextLimitOf', () => {
  it('reads the position count under the names models use', () => {
    expect(contextLimitOf({ model_type: 'gpt2', n_positions: 1024, n_ctx: 1024 })).toBe(1024);
    expect(contextLimitOf({ model_type: 'llama', max_position_embeddings: 4096 })).toBe(4096);
    expect(contextLimitOf({ model_type: 'odd', n_positions: 'many' })).toBeUndefined();
    expect(contextLimitOf(null)).toBeUndefined();
  });

  it('reads nothing from a folder without config.json', async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    expect(await readContextLimit(path.join(here, 'no-such-model'))).toBeUndefined();
  });
});
