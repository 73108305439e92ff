/**
 * The SD model's CLIP tokenizer through transformers.js, built from the folder's tokenizer/ files
 * (no global model path involved). Rows are 77 ids: BOS, tokens, EOS, then padding; a long prompt
 * is cut to 75 tokens and keeps its EOS, as the Python tokenizers diffusers uses do (transformers.js
 * alone would cut after adding the specials and lose the EOS).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CLIPTokenizer } from '@huggingface/transformers';
import { TOKEN_LENGTH } from '../../../shared/diffusion/pipeline';

export type Tokenize = (texts: readonly string[]) => Promise<Int32Array[]>;

export async function loadClipTokenizer(modelDir: string): Promise<Tokenize> {
  const dir = path.join(modelDir, 'tokenizer');
  const [json, config] = await Promise.all([
    readFile(path.join(dir, 'tokenizer.json'), 'utf8').then((s) => JSON.parse(s) as object),
    readFile(path.join(dir, 'tokenizer_config.json'), 'utf8').then((s) => JSON.parse(s) as object),
  ]);
  const tokenizer = new CLIPTokenizer(json, config);
  const eos = tokenizer.eos_token_id;
  const pad = tokenizer.pad_token_id ?? eos;
  if (eos === undefined || pad === undefined)
    throw new Error(`${dir}: the tokenizer has no end-of-text token`);
  return async (texts) =>
    texts.map((text) => {
      const ids = tokenizer.encode(text);
      const row = new Int32Array(TOKEN_LENGTH).fill(pad);
      if (ids.length > TOKEN_LENGTH) {
        row.set(ids.slice(0, TOKEN_LENGTH - 1));
        row[TOKEN_LENGTH - 1] = eos;
      } else {
        row.set(ids);
      }
      return row;
    });
}
