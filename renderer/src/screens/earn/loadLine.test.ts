import { describe, expect, it } from 'vitest';
import { loadLine } from './LocalModels';

describe('a model loading on the Earn screen', () => {
  it('says the percent and the bytes read of the whole', () => {
    const MB = 1024 * 1024;
    expect(
      loadLine({ state: 'loading', fraction: 0.4275, bytesLoaded: 120 * MB, bytesTotal: 290 * MB }),
    ).toBe('42 % · 120 MB of 290 MB read');
  });

  it('says the percent alone when the loader gives no byte counts', () => {
    expect(loadLine({ state: 'loading', fraction: 0.999 })).toBe('99 %');
  });
});
