/**
 * The SD model's CLIP tokenizer through transformers.js, built from the folder's tokenizer/ files
 * (no global model path involved): `tokenizer.json` when the export has one (Optimum), else the
 * slow tokenizer's `vocab.json` + `merges.txt` (diffusers' export script), described as the
 * `tokenizer.json` Hugging Face's CLIPTokenizerFast would write for them. Rows are cut and padded to
 * 77 by `clipRows` (shared/diffusion/clip-rows.ts), the rule the browser engine uses too.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CLIPTokenizer } from '@huggingface/transformers';
import { clipRows } from '../../../shared/diffusion/clip-rows';
import { SD_TOKENIZER_FILES } from '../models/sd-layout';

export type Tokenize = (texts: readonly string[]) => Promise<Int32Array[]>;

const BOS = '<|startoftext|>';
const EOS = '<|endoftext|>';

const readJson = async (file: string): Promise<Record<string, unknown> | null> =>
  readFile(file, 'utf8').then(
    (s) => JSON.parse(s) as Record<string, unknown>,
    () => null,
  );

/** A special token as tokenizer_config.json or special_tokens_map.json write it (a string or an AddedToken). */
function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return undefined;
}

/**
 * CLIPTokenizerFast's tokenizer.json for a slow CLIP vocabulary: lower-cased NFC text with runs of
 * whitespace as one space, split by CLIP's word pattern, byte-level BPE with `</w>` ending a word,
 * `<|startoftext|>` … `<|endoftext|>` around each text.
 */
export function clipTokenizerJson(vocab: Record<string, number>, mergesText: string): object {
  const merges = mergesText
    .split('\n')
    .filter((line, i) => line.trim() !== '' && !(i === 0 && line.startsWith('#version')));
  const id = (token: string): number => {
    const v = vocab[token];
    if (v === undefined) throw new Error(`the CLIP vocabulary has no ${token}`);
    return v;
  };
  const special = (content: string) => ({
    id: id(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: true,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(BOS), special(EOS)],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [EOS, id(EOS)],
      cls: [BOS, id(BOS)],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: EOS,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

async function readTokenizerFiles(dir: string): Promise<{ json: object; config: Record<string, unknown> }> {
  const config = {
    ...((await readJson(path.join(dir, 'special_tokens_map.json'))) ?? {}),
    ...((await readJson(path.join(dir, 'tokenizer_config.json'))) ?? {}),
  };
  const fast = await readJson(path.join(dir, path.basename(SD_TOKENIZER_FILES.fast[0])));
  if (fast) return { json: fast, config };
  const vocab = await readJson(path.join(dir, 'vocab.json'));
  const merges = await readFile(path.join(dir, 'merges.txt'), 'utf8').catch(() => null);
  if (!vocab || merges === null)
    throw new Error(`${dir} has neither tokenizer.json nor vocab.json and merges.txt`);
  // The slow config names its special tokens as objects; transformers.js wants the strings.
  const named: Record<string, unknown> = { ...config, tokenizer_class: 'CLIPTokenizer' };
  for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
    const text = tokenText(config[key]);
    if (text !== undefined) named[key] = text;
  }
  return { json: clipTokenizerJson(vocab as Record<string, number>, merges), config: named };
}

export async function loadClipTokenizer(modelDir: string): Promise<Tokenize> {
  const dir = path.join(modelDir, 'tokenizer');
  const { json, config } = await readTokenizerFiles(dir);
  const tokenizer = new CLIPTokenizer(json, config);
  const eos = tokenizer.eos_token_id;
  const pad = tokenizer.pad_token_id ?? eos;
  if (eos === undefined || pad === undefined)
    throw new Error(`${dir}: the tokenizer has no end-of-text token`);
  return async (texts) => texts.map((text) => clipRows(tokenizer.encode(text), eos, pad));
}
