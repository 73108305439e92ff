import { describe, expect, it } from 'vitest';
import { readAlchemyResult } from './alchemy-results';

describe('readAlchemyResult', () => {
  it('reads a caption as text and an NSFW answer as a verdict, as string or boolean', () => {
    expect(readAlchemyResult('caption', { caption: ' a small cat ' })).toEqual({ caption: 'a small cat' });
    expect(readAlchemyResult('nsfw', { nsfw: false })).toEqual({ nsfw: false });
    expect(readAlchemyResult('nsfw', { nsfw: 'true' })).toEqual({ nsfw: true });
    // Anything else is not a verdict: shown as a plain value, never read as "safe".
    expect(readAlchemyResult('nsfw', { nsfw: 'maybe' })).toEqual({ other: { nsfw: 'maybe' } });
  });

  it("reads this app's interrogation tags best first, with scores 0..1", () => {
    const r = readAlchemyResult('interrogation', {
      interrogation: {
        tags: [
          { text: 'cat', confidence: 0.2 },
          { text: 'animal', confidence: 0.7 },
        ],
      },
    });
    expect(r.tags).toEqual([
      { text: 'animal', confidence: 0.7 },
      { text: 'cat', confidence: 0.2 },
    ]);
  });

  it("reads the AI Horde CLIP interrogator's categories and percentages", () => {
    const r = readAlchemyResult('interrogation', {
      interrogation: {
        artists: [{ text: 'Monet', confidence: 21.5 }],
        mediums: [{ text: 'oil painting', confidence: 33 }, { text: '' }, 'junk'],
      },
    });
    expect(r.tags).toEqual([
      { text: 'oil painting', confidence: 0.33, category: 'mediums' },
      { text: 'Monet', confidence: 0.215, category: 'artists' },
    ]);
  });

  it('leaves out what it cannot read and keeps plain values of unknown forms', () => {
    expect(readAlchemyResult('interrogation', { interrogation: 42 })).toEqual({
      other: { interrogation: '42' },
    });
    expect(readAlchemyResult('interrogation', { interrogation: 'cat, dog' }).tags).toEqual([
      { text: 'cat', confidence: Number.NaN },
      { text: 'dog', confidence: Number.NaN },
    ]);
    expect(readAlchemyResult('describe', { describe: 'a scene', url: 'https://r2.example/x' })).toEqual({
      other: { describe: 'a scene' },
    });
    expect(readAlchemyResult('caption', null)).toEqual({});
  });
});
