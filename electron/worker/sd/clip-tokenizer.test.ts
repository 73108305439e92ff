import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClipTokenizer } from './clip-tokenizer';

/**
 * The slow CLIP tokenizer files of a diffusers export (vocab.json, merges.txt, no tokenizer.json):
 * a small vocabulary in CLIP's form, where `</w>` ends a word, read through the tokenizer.json we
 * describe for it.
 */
const VOCAB = {
  a: 0,
  c: 1,
  t: 2,
  'a</w>': 3,
  't</w>': 4,
  ca: 5,
  'cat</w>': 6,
  '<|startoftext|>': 7,
  '<|endoftext|>': 8,
  's</w>': 9,
  '!</w>': 10,
};
const MERGES = '#version: 0.2\nc a\nca t</w>\n';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clip-slow-'));
  await mkdir(path.join(dir, 'tokenizer'));
  await writeFile(path.join(dir, 'tokenizer', 'vocab.json'), JSON.stringify(VOCAB));
  await writeFile(path.join(dir, 'tokenizer', 'merges.txt'), MERGES);
  // As diffusers' export writes it: special tokens as AddedToken objects.
  await writeFile(
    path.join(dir, 'tokenizer', 'tokenizer_config.json'),
    JSON.stringify({
      bos_token: { __type: 'AddedToken', content: '<|startoftext|>' },
      eos_token: { __type: 'AddedToken', content: '<|endoftext|>' },
      pad_token: '<|endoftext|>',
      model_max_length: 77,
    }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the CLIP tokenizer from vocab.json and merges.txt', () => {
  it('lower-cases, splits words, ends each with </w>, merges by rank and pads with EOS to 77', async () => {
    const tokenize = await loadClipTokenizer(dir);
    const [row, plural, punct] = await tokenize(['A   Cat', 'cats', 'cat!']);
    expect([...row!.slice(0, 5)]).toEqual([7, 3, 6, 8, 8]);
    expect(row).toHaveLength(77);
    expect(row![76]).toBe(8);
    // "cats": c a t s</w> → ca t s</w>; "t s</w>" has no merge.
    expect([...plural!.slice(0, 5)]).toEqual([7, 5, 2, 9, 8]);
    // Punctuation is its own word.
    expect([...punct!.slice(0, 4)]).toEqual([7, 6, 10, 8]);
  });
});
