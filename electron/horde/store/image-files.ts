import { mkdirSync, readFileSync, rmSync, writeFileSync, renameSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Images of image requests (sources, masks and results) live as files in a
 * folder beside the database, not as rows: a batch of twenty 1024² WebPs
 * would otherwise bloat every backup and vacuum of the ledger. Names are
 * made by the horde (request or job id + a fixed suffix), never taken from a
 * client, and files are written to a temp name then renamed, so a reader
 * never sees half an image.
 */
export class ImageFiles {
  private made = false;

  /** The folder is made on the first write. */
  constructor(readonly dir: string) {}

  private path(name: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) {
      throw new RangeError(`not an image file name of this horde: ${name}`);
    }
    return join(this.dir, name);
  }

  write(name: string, bytes: Uint8Array): void {
    const final = this.path(name);
    if (!this.made) mkdirSync(this.dir, { recursive: true });
    this.made = true;
    const tmp = `${final}.part`;
    try {
      writeFileSync(tmp, bytes);
      renameSync(tmp, final);
    } catch (err) {
      // A full disk leaves no half image behind.
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  read(name: string): Uint8Array | undefined {
    try {
      return readFileSync(this.path(name));
    } catch {
      return undefined;
    }
  }

  remove(name: string | null | undefined): void {
    if (!name) return;
    rmSync(this.path(name), { force: true });
  }

  /** Files whose names the `keep` test rejects: leftovers of a crash between the rename and the row update. */
  prune(keep: (name: string) => boolean): number {
    let removed = 0;
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return 0;
    }
    for (const name of names) {
      if (keep(name)) continue;
      rmSync(join(this.dir, name), { force: true });
      removed++;
    }
    return removed;
  }
}
