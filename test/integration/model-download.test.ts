/**
 * Downloads from the fake hub on loopback through @huggingface/hub: the model loads
 * from the hub cache the downloader filled and the worker serves a job with it; a
 * download killed or cut off resumes from the bytes on disk; a corrupted byte is
 * refused and fetched again; a full disk is a clear error and leaves nothing usable.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHorde, type Horde } from '../../electron/horde/index';
import { encodePng } from '../../electron/worker/engines/images';
import { loadAlchemyEngine, loadTextEngine } from '../../electron/worker/engines/node';
import { downloadModel, type DownloadTarget } from '../../electron/worker/models/download/downloader';
import { DownloadError } from '../../electron/worker/models/download/errors';
import { blobPath, snapshotDir } from '../../electron/worker/models/download/hf-cache';
import { scanModels } from '../../electron/worker/models/scan';
import { HordeWorker } from '../../electron/worker/worker';
import { fixtureRepos } from '../fake-hub/fixture-catalog';
import type { FakeRepo } from '../fake-hub/repos';
import { startFakeHub, type FakeHub } from '../fake-hub/server';
import { FIXTURE_MODELS_DIR, generateFixtures } from '../fixtures/generate';
import { hordeJson } from '../harness/horde-json';

const ROOT = path.resolve(import.meta.dirname, '../..');

let hub: FakeHub;
let repos: Map<string, FakeRepo>;
let dir: string;
let cacheDir: string;

const target = (name: string): DownloadTarget => {
  const repo = repos.get(name)!;
  return { repo: repo.id, revision: repo.commit, files: repo.files.map((f) => f.path) };
};
const hubOpts = () => ({ cacheDir, hub: { hubUrl: hub.url, offline: false } });
const weights = (name: string) => repos.get(name)!.files.find((f) => f.path.endsWith('.onnx'))!;
const served = (p: string) => hub.bytesServed.get(p) ?? 0;

beforeAll(async () => {
  await generateFixtures(FIXTURE_MODELS_DIR, { only: ['tiny-gpt2', 'tiny-caption', 'tiny-nsfw'] });
  const list = await fixtureRepos(['tiny-gpt2', 'tiny-caption', 'tiny-nsfw']);
  repos = new Map(list.map((r) => [r.id.split('/')[1]!, r]));
  hub = await startFakeHub(list);
  dir = mkdtempSync(path.join(tmpdir(), 'hd-download-'));
});

beforeEach(() => {
  cacheDir = mkdtempSync(path.join(dir, 'cache-'));
  hub.bytesServed.clear();
  Object.assign(hub.knobs, {
    throttleBytesPerSecond: 0,
    corruptOnce: null,
    corruptAlways: null,
    dropOnce: null,
    ignoreRange: false,
  });
});

afterAll(async () => {
  await hub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a download from the fake hub', () => {
  it('fills the hub cache; the model loads from it and the worker serves a job with it', async () => {
    const progress: number[] = [];
    const report = await downloadModel(target('tiny-gpt2'), {
      ...hubOpts(),
      onProgress: (p) => progress.push(p.bytesDone),
    });
    const repo = repos.get('tiny-gpt2')!;
    const total = repo.files.reduce((s, f) => s + f.bytes.length, 0);
    expect(report).toMatchObject({
      commit: repo.commit,
      bytesTotal: total,
      fetchedBytes: total,
      fromCache: false,
    });
    expect(progress.at(-1)).toBe(total);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // The snapshot's files are links to blobs named by the hub's hashes.
    const onnx = weights('tiny-gpt2');
    expect(
      path.basename(statSync(blobPath(cacheDir, repo.id, onnx.lfs!.oid)).isFile() ? onnx.lfs!.oid : ''),
    ).toBe(onnx.lfs!.oid);
    const [found] = await scanModels(cacheDir);
    expect(found).toMatchObject({ name: repo.id, kind: 'text', source: 'hf-cache' });

    // A second call finds everything in the cache and asks the hub nothing.
    const before = hub.requests.length;
    expect((await downloadModel(target('tiny-gpt2'), hubOpts())).fromCache).toBe(true);
    expect(hub.requests.length).toBe(before);

    const horde: Horde = await startHorde({ dbPath: path.join(dir, 'horde.sqlite'), port: 0 });
    const requester = horde.admin.addUser('requester');
    horde.admin.award(requester.username, 1000, 'budget');
    const owner = horde.admin.addUser('volunteer');
    const engine = await loadTextEngine({
      modelsDir: cacheDir,
      modelName: repo.id,
      device: 'cpu',
      threads: 1,
    });
    const worker = new HordeWorker({
      hordeUrl: horde.url,
      apiKey: owner.apikey,
      name: 'downloaded-worker',
      textEngine: engine,
      limits: { maxLength: 32, maxContextLength: 256 },
    });
    const earned: number[] = [];
    worker.onJobDone((j) => j.state === 'ok' && earned.push(j.reward));
    worker.start();
    try {
      const queued = await hordeJson(horde.url, 'POST', '/v2/generate/text/async', requester.apikey, {
        prompt: 'Downloaded models earn',
        params: { max_length: 16, max_context_length: 128 },
        models: [repo.id],
      });
      const end = Date.now() + 60_000;
      let status: Record<string, unknown> = {};
      while (Date.now() < end && status.done !== true) {
        await new Promise((r) => setTimeout(r, 200));
        status = await hordeJson(
          horde.url,
          'GET',
          `/v2/generate/text/status/${String(queued.id)}`,
          requester.apikey,
        );
      }
      // It failed once in a full run (not done within 60 s); say what the worker saw if it does again.
      expect(status.done, JSON.stringify({ status, worker: worker.stats() })).toBe(true);
      expect((status.generations as { worker_name: string }[])[0]?.worker_name).toBe('downloaded-worker');
      expect(earned[0]).toBeGreaterThan(0);
    } finally {
      await worker.stop();
      await engine.dispose();
      await horde.close();
    }
  }, 120_000);

  it('alchemy models download too and serve their forms', async () => {
    await downloadModel(target('tiny-caption'), hubOpts());
    await downloadModel(target('tiny-nsfw'), hubOpts());
    const names = (await scanModels(cacheDir)).map((m) => m.name);
    const engine = await loadAlchemyEngine({ modelsDir: cacheDir, models: names, device: 'cpu', threads: 1 });
    try {
      expect([...engine.forms].sort()).toEqual(['caption', 'nsfw']);
      const image = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(128) };
      expect(encodePng(image).length).toBeGreaterThan(0);
      const out = await engine.run('nsfw', image);
      expect(out.kind).toBe('text');
    } finally {
      await engine.dispose();
    }
  }, 60_000);

  it('resumes after the process is killed mid-download, fetching only the rest', async () => {
    const onnx = weights('tiny-gpt2');
    hub.knobs.throttleBytesPerSecond = 200 * 1024;
    const t = target('tiny-gpt2');
    const child = spawn(
      process.execPath,
      [
        // In this process (not under the tsx CLI, which runs the script in a child): the kill must reach it.
        '--import',
        'tsx',
        'test/fake-hub/download-child.ts',
        JSON.stringify({ cacheDir, hubUrl: hub.url, ...t, files: [...t.files] }),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const incomplete = `${blobPath(cacheDir, t.repo, onnx.lfs!.oid)}.incomplete`;
    const killAt = Math.floor(onnx.bytes.length / 3);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (!existsSync(incomplete) || statSync(incomplete).size < killAt))
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    const onDisk = statSync(incomplete).size;
    expect(onDisk).toBeGreaterThanOrEqual(killAt);
    expect(onDisk).toBeLessThan(onnx.bytes.length);
    // Killed before every file was in: nothing in the snapshot, nothing the scan would load.
    expect(await scanModels(cacheDir)).toEqual([]);

    hub.knobs.throttleBytesPerSecond = 0;
    hub.bytesServed.clear();
    const report = await downloadModel(t, hubOpts());
    const refetched = served(onnx.path);
    console.log(
      `resume after kill: ${onDisk} of ${onnx.bytes.length} bytes of ${onnx.path} on disk; the rerun fetched ${refetched} bytes of it (${report.fetchedBytes} in all, ${report.resumedFromBytes} resumed)`,
    );
    expect(refetched).toBe(onnx.bytes.length - onDisk);
    expect(report.resumedFromBytes).toBeGreaterThanOrEqual(onDisk);
    expect((await scanModels(cacheDir)).map((m) => m.name)).toEqual([t.repo]);
  }, 120_000);

  it('resumes after a lost connection: the first try says so, the next one fetches only the rest', async () => {
    const onnx = weights('tiny-gpt2');
    const cut = 300_000;
    hub.knobs.dropOnce = { path: onnx.path, bytes: cut };
    const t = target('tiny-gpt2');
    const error = await downloadModel(t, hubOpts()).catch((e: unknown) => e);
    if (!(error instanceof DownloadError)) console.log('lost connection gave', error);
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).code).toBe('NoNetwork');
    expect((error as DownloadError).message).toMatch(/connection|reach/i);
    const incomplete = `${blobPath(cacheDir, t.repo, onnx.lfs!.oid)}.incomplete`;
    // The hub sent `cut` bytes before it dropped the socket; what reached the disk is kept, whatever it is.
    const onDisk = statSync(incomplete).size;
    expect(onDisk).toBeGreaterThan(0);
    expect(onDisk).toBeLessThanOrEqual(cut);

    hub.bytesServed.clear();
    await downloadModel(t, hubOpts());
    console.log(`resume after a cut connection: ${onDisk} bytes kept, ${served(onnx.path)} fetched again`);
    expect(served(onnx.path)).toBe(onnx.bytes.length - onDisk);
  }, 60_000);

  it('refuses a file with one corrupted byte, deletes it and fetches it again', async () => {
    const onnx = weights('tiny-gpt2');
    hub.knobs.corruptOnce = { path: onnx.path, offset: Math.floor(onnx.bytes.length / 2) };
    const report = await downloadModel(target('tiny-gpt2'), hubOpts());
    console.log(
      `corrupted byte: ${onnx.path} (${onnx.bytes.length} bytes) failed its SHA-256, fetched again: ${report.refetchedBytes} bytes re-fetched, ${served(onnx.path)} served`,
    );
    expect(report.refetchedBytes).toBe(onnx.bytes.length);
    expect(served(onnx.path)).toBe(2 * onnx.bytes.length);
    expect((await scanModels(cacheDir)).map((m) => m.name)).toEqual([target('tiny-gpt2').repo]);
  });

  it('gives up with a Checksum error when the bytes never match, and keeps nothing of the file', async () => {
    const onnx = weights('tiny-nsfw');
    hub.knobs.corruptAlways = onnx.path;
    const t = target('tiny-nsfw');
    const error = (await downloadModel(t, hubOpts()).catch((e: unknown) => e)) as DownloadError;
    expect(error).toBeInstanceOf(DownloadError);
    expect(error.code).toBe('Checksum');
    expect(error.message).toContain(onnx.path);
    const blob = blobPath(cacheDir, t.repo, onnx.lfs!.oid);
    expect(existsSync(blob) || existsSync(`${blob}.incomplete`)).toBe(false);
    expect(existsSync(snapshotDir(cacheDir, t.repo, t.revision))).toBe(false);
    expect(await scanModels(cacheDir)).toEqual([]);
  });

  it('says which repo or file is missing (404), and that the hub cannot be reached', async () => {
    const missing = await downloadModel(
      { repo: 'nobody/nothing', revision: 'main', files: ['config.json'] },
      hubOpts(),
    ).catch((e: unknown) => e as DownloadError);
    expect(missing).toMatchObject({ code: 'NotFound' });
    const t = target('tiny-nsfw');
    const noFile = await downloadModel({ ...t, files: ['onnx/model_fp16.onnx'] }, hubOpts()).catch(
      (e: unknown) => e as DownloadError,
    );
    expect(noFile).toMatchObject({ code: 'NotFound' });
    expect((noFile as DownloadError).message).toContain('onnx/model_fp16.onnx');
    const closed = await startFakeHub([]);
    const url = closed.url;
    await closed.close();
    const offline = await downloadModel(t, { cacheDir, hub: { hubUrl: url, offline: false } }).catch(
      (e: unknown) => e as DownloadError,
    );
    expect(offline).toMatchObject({ code: 'NoNetwork' });
    expect((offline as DownloadError).message).toContain(url);
  });

  it('checks free space first: a download larger than the disk is refused before any byte is written', async () => {
    const t = target('tiny-gpt2');
    const error = (await downloadModel(t, { ...hubOpts(), freeBytes: async () => 100_000 }).catch(
      (e: unknown) => e,
    )) as DownloadError;
    expect(error.code).toBe('DiskFull');
    expect(error.message).toMatch(/needs .* MiB of free space .* is free/);
    expect(served(weights('tiny-gpt2').path)).toBe(0);
  });
});

/** A real small disk: a tmpfs in a private mount namespace (unshare), where the kernel says ENOSPC. */
const canUnshare =
  process.platform === 'linux' &&
  spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /tmp && true'], {
    timeout: 10_000,
  }).status === 0;

describe.runIf(canUnshare)('a download onto a disk that fills up', () => {
  function runOnSmallDisk(sizeKb: number, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const mount = mkdtempSync(path.join(dir, 'tmpfs-'));
    const json = JSON.stringify({ cacheDir: mount, hubUrl: hub.url, ...args });
    const script = `mount -t tmpfs -o size=${sizeKb}k tmpfs "$1" && exec "$2" --import tsx test/fake-hub/download-child.ts "$3"`;
    const child = spawn('unshare', ['-rm', 'sh', '-c', script, 'sh', mount, process.execPath, json], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('exit', () => {
        clearTimeout(timer);
        const line = out.split('\n').find((l) => l.startsWith('result '));
        if (!line) reject(new Error(`no result from the child:\n${out}`));
        else resolve(JSON.parse(line.slice('result '.length)) as Record<string, unknown>);
      });
    });
  }

  it('refuses up front when the disk is too small (statfs on a 512 KiB tmpfs)', async () => {
    const t = target('tiny-gpt2');
    const r = await runOnSmallDisk(512, { ...t, files: [...t.files], reserveBytes: 0 });
    console.log(`disk full up front: ${String(r.message)}`);
    expect(r).toMatchObject({ ok: false, code: 'DiskFull', scan: [] });
    expect(served(weights('tiny-gpt2').path)).toBe(0);
  }, 90_000);

  it('stops with DiskFull when another program fills the disk mid-download; nothing half-written is used', async () => {
    hub.knobs.throttleBytesPerSecond = 400 * 1024;
    const t = target('tiny-gpt2');
    const total = repos.get('tiny-gpt2')!.files.reduce((s, f) => s + f.bytes.length, 0);
    const r = await runOnSmallDisk(Math.ceil(total / 1024) + 128, {
      ...t,
      files: [...t.files],
      reserveBytes: 0,
      fill: { afterBytes: Math.floor(total / 4), bytes: total },
    });
    console.log(
      `disk filled mid-download: ${String(r.message)} (scan afterwards: ${JSON.stringify(r.scan)})`,
    );
    expect(r).toMatchObject({ ok: false, code: 'DiskFull', scan: [] });
    expect(String(r.message)).toMatch(/disk filled up/);
  }, 90_000);
});
