import { describe, expect, it } from 'vitest';
import { estimatedMemoryMb, planModelLoads } from './memory-budget';
import type { ModelInfo } from './scan';

const MB = 1024 * 1024;
const model = (name: string, kind: 'text' | 'alchemy', sizeMb: number) =>
  ({ name, kind, sizeBytes: sizeMb * MB }) as ModelInfo;

describe('the memory cap', () => {
  const text = model('gpt', 'text', 400);
  const caption = model('caption', 'alchemy', 100);
  const nsfw = model('nsfw', 'alchemy', 20);

  it('loads everything when there is no cap', () => {
    expect(planModelLoads([caption, text, nsfw], 0).load.map((m) => m.name)).toEqual([
      'caption',
      'gpt',
      'nsfw',
    ]);
  });

  it('puts the text model first and leaves out what would go over the cap, saying why', () => {
    const cap = estimatedMemoryMb(text) + estimatedMemoryMb(nsfw);
    const plan = planModelLoads([caption, text, nsfw], cap);
    expect(plan.load.map((m) => m.name)).toEqual(['gpt', 'nsfw']);
    expect(plan.skipped.map((s) => s.model.name)).toEqual(['caption']);
    expect(plan.skipped[0]?.reason).toContain(`over the memory cap of ${cap} MB`);
  });

  it('loads nothing when even the smallest model does not fit', () => {
    const plan = planModelLoads([text, nsfw], estimatedMemoryMb(nsfw) - 1);
    expect(plan.load).toEqual([]);
    expect(plan.skipped).toHaveLength(2);
  });
});
