import { describe, expect, it } from 'vitest';
import {
  buildTextModelReference,
  guessSizeFromName,
  isKnownTextModel,
  modelSizeBillions,
  textModelMultiplier,
} from './models';

describe('modelSizeBillions', () => {
  it('knows reference models by their published names', () => {
    expect(modelSizeBillions('Gryphe/MythoMax-L2-13b')).toBe(13);
    expect(modelSizeBillions('gpt2')).toBe(0.124);
    expect(modelSizeBillions('mistralai/Mixtral-8x7B-Instruct-v0.1')).toBe(28);
  });

  it('accepts the backend-prefixed forms the reference publishes', () => {
    expect(modelSizeBillions('aphrodite/Gryphe/MythoMax-L2-13b')).toBe(13);
    expect(modelSizeBillions('koboldcpp/MythoMax-L2-13b')).toBe(13);
  });

  it('finds a user variant ("model::user") and a quantised name as the server does', () => {
    expect(modelSizeBillions('Gryphe/MythoMax-L2-13b::alice#12')).toBe(13);
    expect(modelSizeBillions('koboldcpp/MythoMax-L2-13b-GGUF-Q5_K_M')).toBe(13);
    expect(modelSizeBillions('koboldcpp/MythoMax-L2-13b.i1-Q4_K_S')).toBe(13);
  });

  it('treats names missing from the reference as unknown, whatever size they spell', () => {
    expect(modelSizeBillions('tiny-gpt2')).toBeUndefined();
    expect(modelSizeBillions('my-own-13B')).toBeUndefined();
    expect(isKnownTextModel('tiny-gpt2')).toBe(false);
    expect(textModelMultiplier('tiny-gpt2')).toBe(1);
  });

  it('can be given another reference (e.g. a horde that adds local models)', () => {
    const ref = buildTextModelReference([['local/tiny-gpt2', 0.001]]);
    expect(modelSizeBillions('local/tiny-gpt2', ref)).toBe(0.001);
    expect(modelSizeBillions('koboldcpp/tiny-gpt2', ref)).toBe(0.001);
    expect(modelSizeBillions('Gryphe/MythoMax-L2-13b', ref)).toBeUndefined();
  });
});

describe('guessSizeFromName (display only)', () => {
  it.each([
    ['llama-13B', 13],
    ['mistral-7b-instruct', 7],
    ['TinyLlama-1.1B-Chat', 1.1],
    ['Mixtral-8x7B', 56],
    ['bloom-560m', 0.56],
  ])('%s → %s', (name, size) => {
    expect(guessSizeFromName(name)).toBeCloseTo(size, 9);
  });

  it('gives nothing for names without a size', () => {
    expect(guessSizeFromName('tiny-gpt2')).toBeUndefined();
    expect(guessSizeFromName('gpt2')).toBeUndefined();
  });
});
