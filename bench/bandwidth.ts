/**
 * Memory read bandwidth, measured in the same run as the text benchmark: the
 * ceiling a decoder that streams its weights once per token can reach
 * (tokens/s ≤ bandwidth ÷ weight bytes per token). One worker thread per core
 * (ONNX Runtime's intra-op pool uses them all) each scans its own buffer with
 * `Buffer.indexOf` of a byte it does not hold, which is memchr: a read-only
 * stream at SIMD speed. The buffers together are far larger than any cache.
 * Runs in its own child process, so the memory is returned when it ends.
 */
import { Worker } from 'node:worker_threads';

export interface BandwidthAnswer {
  /** Best pass (what the memory allows), bytes/s. */
  bytesPerSecond: number;
  /** Every pass, bytes/s. */
  passes: number[];
  totalBytes: number;
  threads: number;
}

// Plain JavaScript: the thread is started from source, outside the TypeScript loader.
const SCANNER = `
const { parentPort, workerData } = require('node:worker_threads');
const buf = Buffer.alloc(workerData.bytes, 1);
parentPort.on('message', (m) => {
  if (m !== 'go') return process.exit(0);
  let found = 0;
  for (let i = 0; i < workerData.reads; i++) found += buf.indexOf(0);
  parentPort.postMessage(found);
});
parentPort.postMessage('ready');
`;

export async function measureBandwidth(
  totalMiB: number,
  threads: number,
  passes: number,
): Promise<BandwidthAnswer> {
  const bytes = Math.floor((totalMiB * 2 ** 20) / threads);
  // Several reads per pass so one pass lasts well past the messages' latency.
  const reads = 4;
  const workers = Array.from(
    { length: threads },
    () => new Worker(SCANNER, { eval: true, workerData: { bytes, reads } }),
  );
  const next = (w: Worker): Promise<unknown> =>
    new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  try {
    await Promise.all(workers.map(next));
    const rates: number[] = [];
    for (let p = 0; p < passes; p++) {
      const done = workers.map(next);
      const t0 = performance.now();
      for (const w of workers) w.postMessage('go');
      await Promise.all(done);
      const seconds = (performance.now() - t0) / 1000;
      rates.push((bytes * threads * reads) / seconds);
    }
    return { bytesPerSecond: Math.max(...rates), passes: rates, totalBytes: bytes * threads, threads };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
