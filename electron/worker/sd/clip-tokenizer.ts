/**
 * The SD model's CLIP tokenizer through transformers.js, built from the folder's tokenizer/ files
 * (no global model path involved): `tokenizer.json` when the export has one (Optimum), else the
 * slow tokenizer's `vocab.json` + `merges.txt` (diffusers' export script), described as the
 * `tokenizer.json` Hugging Face's CLIPTokenizerFast would write for them. Both, and the 77-id rows,
 * are shared/diffusion/clip-tokenizer.ts, which the browser engine uses too.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CLIPTokenizer } from '@huggingface/transformers';
import { clipRows, clipTokenizerInputs } from '../../../shared/diffusion/clip-tokenizer';

export type Tokenize = (texts: readonly string[]) => Promise<Int32Array[]>;
const readJson = async (file: string): Promise<Record<string, unknown> | null> =>
  readFile(file, 'utf8').then(
    (s) => JSON.parse(s) as Record<string, unknown>,
    () => null,
  );

export async function loadClipTokenizer(modelDir: string): Promise<Tokenize> {
  const dir = path.join(modelDir, 'tokenizer');
  const { json, config } = clipTokenizerInputs({
    tokenizerJson: await readJson(path.join(dir, 'tokenizer.json')),
    tokenizerConfig: await readJson(path.join(dir, 'tokenizer_config.json')),
    specialTokensMap: await readJson(path.join(dir, 'special_tokens_map.json')),
    vocab: (await readJson(path.join(dir, 'vocab.json'))) as Record<string, number> | null,
    merges: await readFile(path.join(dir, 'merges.txt'), 'utf8').catch(() => null),
  });
  const tokenizer = new CLIPTokenizer(json, config);
  const eos = tokenizer.eos_token_id;
  const pad = tokenizer.pad_token_id ?? eos;
  if (eos === undefined || pad === undefined)
    throw new Error(`${dir}: the tokenizer has no end-of-text token`);
  return async (texts) => texts.map((text) => clipRows(tokenizer.encode(text), eos, pad));
}
