/**
 * Download throughput: a model's files fetched through the app's downloader
 * (@huggingface/hub listing + Range-capable blob download, SHA-256 check, cache
 * layout) against a plain `fetch` of the same files streamed to disk, both from
 * the fake hub on loopback. Rounds alternate, each into a fresh folder.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { downloadModel } from '../electron/worker/models/download/downloader';
import { makeRepo, repoFile } from '../test/fake-hub/repos';
import { startFakeHub } from '../test/fake-hub/server';
import { row, type BenchResult } from './report';
import { summarize } from './stats';

export interface DownloadBenchOptions {
  /** Size of the weights file. */
  megabytes: number;
  rounds: number;
  log: (line: string) => void;
}

export async function benchDownload(o: DownloadBenchOptions): Promise<BenchResult> {
  const t0 = performance.now();
  const repo = makeRepo('bench/synthetic', [
    repoFile(
      'config.json',
      Buffer.from(JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] })),
    ),
    repoFile('onnx/model.onnx', randomBytes(o.megabytes * 1024 * 1024)),
  ]);
  const total = repo.files.reduce((s, f) => s + f.bytes.length, 0);
  const hub = await startFakeHub([repo]);
  const root = await mkdtemp(path.join(os.tmpdir(), 'bench-download-'));
  const app: number[] = [];
  const plain: number[] = [];
  try {
    for (let round = 0; round < o.rounds; round++) {
      const dir = await mkdtemp(path.join(root, 'round-'));
      // Alternate which goes first, so neither always gets the warm page cache.
      const order = round % 2 === 0 ? ['app', 'plain'] : ['plain', 'app'];
      for (const which of order) {
        const start = performance.now();
        if (which === 'app') {
          await downloadModel(
            { repo: repo.id, revision: repo.commit, files: repo.files.map((f) => f.path) },
            { cacheDir: path.join(dir, 'cache'), hub: { hubUrl: hub.url, offline: false } },
          );
        } else {
          for (const f of repo.files) {
            const res = await fetch(`${hub.url}/${repo.id}/resolve/${repo.commit}/${f.path}`);
            if (!res.ok || !res.body) throw new Error(`plain fetch of ${f.path}: ${res.status}`);
            await pipeline(
              Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
              createWriteStream(path.join(dir, f.path.replace(/\//g, '_'))),
            );
          }
        }
        const mbps = total / (1024 * 1024) / ((performance.now() - start) / 1000);
        (which === 'app' ? app : plain).push(mbps);
      }
      o.log(
        `  round ${round + 1}: app ${app.at(-1)?.toFixed(0)} MB/s, plain fetch ${plain.at(-1)?.toFixed(0)} MB/s`,
      );
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    await hub.close();
    await rm(root, { recursive: true, force: true });
  }
  const project = summarize(app);
  const reference = summarize(plain);
  const r = row({
    bench: 'download',
    metric: `throughput, ${o.megabytes} MiB model from the fake hub`,
    unit: 'MB/s',
    project,
    referenceLabel: 'plain fetch of the same files to disk',
    reference,
    target: {
      text: '≥ 0.7× plain fetch (the app also hashes every byte)',
      pass: project.median / reference.median >= 0.7,
    },
    note: 'the app adds the hub API calls (revision, tree, a 0-0 probe per file), SHA-256 of each file, and the cache layout',
  });
  return {
    name: 'download',
    rows: [r],
    details: { bytes: total, rounds: o.rounds },
    seconds: (performance.now() - t0) / 1000,
  };
}
