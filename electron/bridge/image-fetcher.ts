import type { FetchLike } from '../client/http';

const MAX_BYTES = 20 * 1024 * 1024;
const CACHE_SIZE = 16;

/**
 * Turns an image form's result URL into a data: URL, so the window shows it
 * without loading anything from another origin (its CSP forbids that). The
 * last few are cached: the window polls the same status repeatedly.
 */
export class ImageFetcher {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly fetch: FetchLike = (input, init) => globalThis.fetch(input, init),
    private readonly timeoutMs = 30_000,
  ) {}

  async dataUrl(url: string): Promise<string | undefined> {
    const hit = this.cache.get(url);
    if (hit) return hit;
    try {
      const res = await this.fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) return undefined;
      const type = (res.headers.get('content-type') ?? 'image/webp').split(';')[0]?.trim() ?? 'image/webp';
      if (!/^image\/(png|jpeg|webp|gif)$/.test(type)) return undefined;
      const bytes = Buffer.from(await res.arrayBuffer());
      if (bytes.length > MAX_BYTES) return undefined;
      const data = `data:${type};base64,${bytes.toString('base64')}`;
      this.cache.set(url, data);
      if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
      return data;
    } catch {
      return undefined;
    }
  }
}
