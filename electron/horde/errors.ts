import { HordeError } from '../../shared/api/horde-error';

/**
 * The horde's refusals are the one wire error, `HordeError` (shared/api/horde-error.ts), with its
 * status and `rc` as the AI Horde raises them (horde/exceptions.py); the server's error handler
 * turns it into the `{"message", "rc"}` body. This file holds the storage check and the refusals
 * several routes raise alike.
 */

const SQLITE_FULL = 13;
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

/** SQLite's "database or disk is full", or a file write that found no space (or quota). */
export function isStorageFull(err: unknown): boolean {
  const e = err as { errcode?: unknown; code?: unknown } | null;
  if (typeof e !== 'object' || e === null) return false;
  // errcode is SQLite's extended code; its low byte is the primary one.
  if (typeof e.errcode === 'number' && (e.errcode & 0xff) === SQLITE_FULL) return true;
  return typeof e.code === 'string' && FULL_CODES.has(e.code);
}

/** The answer to a write that found the disk full: the transaction was rolled back, nothing kept. */
export const storageFull = (where?: string): HordeError =>
  new HordeError(
    'InsufficientStorage',
    `The horde's disk is full${where ? ` (the disk that holds ${where})` : ''}: nothing of this call was saved. ` +
      'Free some space there and send it again.',
  );

export const invalidApiKey = (): HordeError =>
  new HordeError('InvalidAPIKey', 'No user matching sent API Key. Ask the owner of this horde for a key.');

export const requestNotFound = (kind: string, id: string): HordeError =>
  new HordeError('RequestNotFound', `${kind} with ID '${id}' not found.`);

export const invalidJobId = (id: string): HordeError =>
  new HordeError('InvalidJobID', `Processing Job with ID ${id} does not exist.`);
