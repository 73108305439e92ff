/**
 * A fake Hugging Face hub on loopback: the subset of the hub's API and file URLs
 * that @huggingface/hub and transformers.js call (see shared/DOWNLOAD-NOTES.md),
 * serving repos built from local folders, with knobs for the failure tests: a
 * throttle, a dropped connection, a corrupted byte, a Range ignored.
 */
import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeRepo, RepoFile } from './repos';

export interface FakeHubKnobs {
  /** Bytes per second for file bodies; 0 = as fast as possible. */
  throttleBytesPerSecond: number;
  /** The next body of this file is sent with one byte flipped at `offset` (then the knob clears). */
  corruptOnce: { path: string; offset: number } | null;
  /** Every body of this file is corrupted (a checksum that never passes). */
  corruptAlways: string | null;
  /** The next body of this file is cut off (socket destroyed) after `bytes` (then the knob clears). */
  dropOnce: { path: string; bytes: number } | null;
  /** Answer Range requests with the whole file (200), as some proxies do. */
  ignoreRange: boolean;
  /** Tokens accepted for gated repos. */
  tokens: string[];
}

export interface FakeHub {
  url: string;
  knobs: FakeHubKnobs;
  /** Body bytes sent per file path, over the hub's life. */
  bytesServed: Map<string, number>;
  /** "METHOD path" of every request, in order. */
  requests: string[];
  addRepo(repo: FakeRepo): void;
  close(): Promise<void>;
}

const CHUNK = 16 * 1024;

export async function startFakeHub(repos: FakeRepo[] = []): Promise<FakeHub> {
  const byId = new Map(repos.map((r) => [r.id, r]));
  const knobs: FakeHubKnobs = {
    throttleBytesPerSecond: 0,
    corruptOnce: null,
    corruptAlways: null,
    dropOnce: null,
    ignoreRange: false,
    tokens: [],
  };
  const bytesServed = new Map<string, number>();
  const requests: string[] = [];

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };
  const authorized = (req: IncomingMessage, repo: FakeRepo) =>
    !repo.gated || knobs.tokens.some((t) => req.headers.authorization === `Bearer ${t}`);

  /** `org/name` + rest of the path, for the repo ids this hub knows. */
  const findRepo = (parts: string[]): { repo: FakeRepo | undefined; id: string; rest: string[] } => {
    const id = `${parts[0] ?? ''}/${parts[1] ?? ''}`;
    return { repo: byId.get(id), id, rest: parts.slice(2) };
  };
  const resolveRev = (repo: FakeRepo, rev: string) =>
    rev === 'main' || rev === 'HEAD' || rev === repo.commit ? repo.commit : null;

  const treeEntry = (f: RepoFile) => ({
    type: 'file',
    oid: f.oid,
    size: f.lfs ? f.lfs.size : f.bytes.length,
    path: f.path,
    ...(f.lfs ? { lfs: f.lfs } : {}),
  });

  async function sendBody(req: IncomingMessage, res: ServerResponse, f: RepoFile): Promise<void> {
    const size = f.bytes.length;
    let start = 0;
    let end = size - 1;
    const range = knobs.ignoreRange ? undefined : req.headers.range;
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      ETag: `"${f.lfs?.oid ?? f.oid}"`,
      'X-Linked-Etag': `"${f.lfs?.oid ?? f.oid}"`,
      'X-Repo-Commit': '',
      'Accept-Ranges': 'bytes',
    };
    let status = 200;
    if (range) {
      const m = /^bytes=(\d+)-(\d*)$/.exec(range);
      if (!m) return json(res, 416, { error: 'bad range' });
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      if (start >= size || start > end) {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` });
        return void res.end();
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    let body = f.bytes.subarray(start, end + 1);
    const probe = range !== undefined && start === 0 && end === 0;
    if (!probe) {
      const corrupt =
        knobs.corruptAlways === f.path
          ? { offset: 0 }
          : knobs.corruptOnce?.path === f.path
            ? knobs.corruptOnce
            : null;
      if (corrupt && corrupt.offset >= start && corrupt.offset <= end) {
        body = Buffer.from(body);
        body[corrupt.offset - start] = (body[corrupt.offset - start] ?? 0) ^ 0xff;
        if (knobs.corruptAlways !== f.path) knobs.corruptOnce = null;
      }
    }
    headers['Content-Length'] = String(body.length);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') return void res.end();
    const drop = !probe && knobs.dropOnce?.path === f.path ? knobs.dropOnce.bytes : null;
    if (drop !== null) knobs.dropOnce = null;
    let sent = 0;
    const started = Date.now();
    while (sent < body.length) {
      if (res.destroyed) return;
      let n = Math.min(CHUNK, body.length - sent);
      if (drop !== null && sent + n > drop) n = Math.max(0, drop - sent);
      if (n > 0) {
        const ok = res.write(body.subarray(sent, sent + n));
        sent += n;
        if (!probe) bytesServed.set(f.path, (bytesServed.get(f.path) ?? 0) + n);
        if (!ok) await drainedOrClosed(res);
      }
      if (drop !== null && sent >= drop) {
        res.destroy();
        return;
      }
      const rate = knobs.throttleBytesPerSecond;
      if (rate > 0) {
        const due = started + (sent / rate) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://hub');
    requests.push(`${req.method} ${url.pathname}`);
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'api' && parts[1] === 'models') {
      const { repo, rest } = findRepo(parts.slice(2));
      if (!repo || !authorized(req, repo))
        return json(res, 401, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
      const [verb, rev] = rest;
      if (verb === undefined) return json(res, 200, modelJson(repo));
      const commit = resolveRev(repo, rev ?? 'main');
      if (!commit) return json(res, 404, { error: 'Invalid rev id' }, { 'X-Error-Code': 'RevisionNotFound' });
      if (verb === 'revision') return json(res, 200, modelJson(repo));
      if (verb === 'tree') {
        const dirs = new Set<string>();
        for (const f of repo.files) {
          const segs = f.path.split('/');
          for (let i = 1; i < segs.length; i++) dirs.add(segs.slice(0, i).join('/'));
        }
        return json(res, 200, [
          ...[...dirs].map((d) => ({ type: 'directory', oid: '0'.repeat(40), size: 0, path: d })),
          ...repo.files.map(treeEntry),
        ]);
      }
      if (verb === 'paths-info' && req.method === 'POST') {
        let raw = '';
        for await (const chunk of req) raw += String(chunk);
        const wanted = (JSON.parse(raw || '{}') as { paths?: string[] }).paths ?? [];
        return json(
          res,
          200,
          repo.files
            .filter((f) => wanted.includes(f.path))
            .map((f) => ({
              ...treeEntry(f),
              lastCommit: { id: commit, title: 'fixtures', date: '2026-01-01T00:00:00.000Z' },
            })),
        );
      }
      return json(res, 404, { error: 'not found' });
    }
    const { repo, rest } = findRepo(parts);
    if (repo && rest[0] === 'resolve' && rest.length >= 3) {
      if (!authorized(req, repo))
        return json(res, 401, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
      const commit = resolveRev(repo, rest[1] ?? '');
      const file = commit ? repo.files.find((f) => f.path === rest.slice(2).join('/')) : undefined;
      if (!file) return json(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
      return sendBody(req, res, file);
    }
    return json(
      res,
      404,
      { error: 'not found' },
      { 'X-Error-Code': repo ? 'EntryNotFound' : 'RepoNotFound' },
    );
  }

  const modelJson = (repo: FakeRepo) => ({
    _id: repo.commit.slice(0, 24),
    id: repo.id,
    sha: repo.commit,
    private: false,
    gated: repo.gated ? 'manual' : false,
    downloads: 0,
    likes: 0,
    lastModified: '2026-01-01T00:00:00.000Z',
    pipeline_tag: 'image-to-text',
  });

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { error: String(e) });
      else res.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    knobs,
    bytesServed,
    requests,
    addRepo: (r) => void byId.set(r.id, r),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Waits for `res` to drain or close; both listeners go once either fires, none is left behind. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
