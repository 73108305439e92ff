import { TOKEN_LENGTH } from './pipeline';

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
