import { describe, expect, it } from 'vitest';
import { servedTextLimits } from './handlers';

describe('what the serving workers offer', () => {
  it('is, per model, the most any online worker out of maintenance takes', () => {
    const w = (over: object) => ({
      online: true,
      maintenance_mode: false,
      models: ['a'],
      max_length: 80,
      max_context_length: 1024,
      ...over,
    });
    const limits = servedTextLimits([
      w({ max_length: 240, max_context_length: 256 }),
      w({ models: ['a', 'b'], max_length: 120, max_context_length: 2048 }),
      w({ online: false, max_length: 4096, max_context_length: 8192 }),
      w({ maintenance_mode: true, max_length: 4096, max_context_length: 8192 }),
    ]);
    expect(Object.fromEntries(limits)).toEqual({
      a: { maxLength: 240, maxContextLength: 2048 },
      b: { maxLength: 120, maxContextLength: 2048 },
    });
  });
});
