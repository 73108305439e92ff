/**
 * A text model's own context window, read from its config.json, so the worker
 * never advertises a max_context_length the model cannot embed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** The config fields transformers.js models use for their position count, in the order they are tried. */
const CONTEXT_FIELDS = [
  'max_position_embeddings',
  'n_positions',
  'n_ctx',
  'seq_length',
  'max_seq_len',
] as const;

export function contextLimitOf(config: unknown): number | undefined {
  if (typeof config !== 'object' || config === null) return undefined;
  const fields = config as Record<string, unknown>;
  for (const key of CONTEXT_FIELDS) {
    const value = fields[key];
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}

/** `modelFolder` holds config.json (ModelInfo.path from the models scan); undefined when it says nothing. */
export async function readContextLimit(modelFolder: string): Promise<number | undefined> {
  try {
    return contextLimitOf(JSON.parse(await readFile(path.join(modelFolder, 'config.json'), 'utf8')));
  } catch {
    return undefined;
  }
}
