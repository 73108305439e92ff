import { TOKEN_LENGTH } from './pipeline';

// The CLIP tokenizer's rules that are not files: the 77-id rows the text encoder takes, and the
// tokenizer.json Hugging Face's CLIPTokenizerFast would write for a slow vocabulary. Pure, so the
// Node engine (electron/worker/sd/clip-tokenizer.ts) and the browser page use the same ones.

const BOS = '<|startoftext|>';
const EOS = '<|endoftext|>';

/** The tokenizer/ files of an SD folder, as read (null: absent). */
export interface ClipTokenizerFiles {
  tokenizerJson: Record<string, unknown> | null;
  tokenizerConfig: Record<string, unknown> | null;
  specialTokensMap: Record<string, unknown> | null;
  vocab: Record<string, number> | null;
  merges: string | null;
}

/** What transformers.js' CLIPTokenizer is built from: tokenizer.json when there is one, else ours for the slow files. */
export function clipTokenizerInputs(files: ClipTokenizerFiles): {
  json: object;
  config: Record<string, unknown>;
} {
  const config = { ...(files.specialTokensMap ?? {}), ...(files.tokenizerConfig ?? {}) };
  if (files.tokenizerJson) return { json: files.tokenizerJson, config };
  if (!files.vocab || files.merges === null)
    throw new Error('the tokenizer has neither tokenizer.json nor vocab.json and merges.txt');
  // The slow config names its special tokens as AddedToken objects; transformers.js wants the strings.
  const named: Record<string, unknown> = { ...config, tokenizer_class: 'CLIPTokenizer' };
  for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
    const text = tokenText(config[key]);
    if (text !== undefined) named[key] = text;
  }
  return { json: clipTokenizerJson(files.vocab, files.merges), config: named };
}

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

/**
 * One prompt's token ids as the text encoder takes them: 77 ids, BOS, tokens, EOS, then padding.
 * A long prompt is cut to 75 tokens and keeps its EOS, as the Python tokenizers diffusers uses do
 * (transformers.js alone would cut after adding the specials and lose the EOS). Node and browser
 * engines both call this.
 */
export function clipRows(ids: readonly number[], eos: number, pad: number): Int32Array {
  const row = new Int32Array(TOKEN_LENGTH).fill(pad);
  if (ids.length > TOKEN_LENGTH) {
    row.set(ids.slice(0, TOKEN_LENGTH - 1));
    row[TOKEN_LENGTH - 1] = eos;
  } else {
    row.set(ids);
  }
  return row;
}
