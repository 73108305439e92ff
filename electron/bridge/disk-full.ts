import path from 'node:path';

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

/** ENOSPC (no space left) or EDQUOT (quota exceeded): the same thing to the user. */
export function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && DISK_FULL_CODES.has(code);
}

/**
 * A save failed because the disk is full. It carries a bridge rc, so the
 * window shows this message (naming the folder) instead of a generic error.
 */
export class DiskFullError extends Error {
  readonly rc = 'DiskFull';
  readonly hint: string;

  constructor(
    readonly file: string,
    cause?: unknown,
  ) {
    super(`The disk is full: could not save ${path.basename(file)} in ${path.dirname(file)}.`, { cause });
    this.name = 'DiskFullError';
    this.hint = `Free some space on the disk that holds ${path.dirname(file)}, then try again. Nothing was half-written: the last saved copy is intact.`;
  }
}
