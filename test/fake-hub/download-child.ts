/**
 * Runs one download in its own process, for the tests that kill it or give it a
 * small disk: `tsx test/fake-hub/download-child.ts '<json>'`. Prints `progress N`
 * lines and one `result {json}` line at the end.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { downloadModel } from '../../electron/worker/models/download/downloader';
import { scanModels } from '../../electron/worker/models/scan';

interface Args {
  cacheDir: string;
  hubUrl: string;
  repo: string;
  revision: string;
  files: string[];
  reserveBytes?: number;
  /** Once this many bytes are in, write a file of `bytes` next to the cache (another program filling the disk). */
  fill?: { afterBytes: number; bytes: number };
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
let filled = false;
let filling: Promise<void> = Promise.resolve();
try {
  const report = await downloadModel(
    { repo: args.repo, revision: args.revision, files: args.files },
    {
      cacheDir: args.cacheDir,
      hub: { hubUrl: args.hubUrl, offline: false },
      ...(args.reserveBytes !== undefined ? { reserveBytes: args.reserveBytes } : {}),
      onProgress: (p) => {
        console.log(`progress ${p.bytesDone}`);
        if (args.fill && !filled && p.bytesDone >= args.fill.afterBytes) {
          filled = true;
          filling = writeFile(path.join(args.cacheDir, 'filler.bin'), Buffer.alloc(args.fill.bytes)).catch(
            () => undefined,
          );
        }
      },
    },
  );
  console.log(`result ${JSON.stringify({ ok: true, report })}`);
} catch (e) {
  await filling;
  const err = e as { code?: string; message?: string };
  const scan = await scanModels(args.cacheDir);
  console.log(
    `result ${JSON.stringify({ ok: false, code: err.code, message: err.message, scan: scan.map((m) => m.name) })}`,
  );
}
