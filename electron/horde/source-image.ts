import type { FastifyRequest } from 'fastify';
import type { HordeContext } from './context';
import { HordeError } from '../../shared/api/horde-error';
import { isLoopbackName } from './host-guard';
import { decodeBase64Image, isHttpUrl } from './images';
import { getBlob } from './store/blobs';
import { interrogationById } from './store/interrogate-queue';
import { checkSourceUrl, fetchPublicImage } from './source-url';

/** Seconds the horde waits for a source image URL. */
const SOURCE_FETCH_TIMEOUT_MS = 10_000;

const notBase64 = (): HordeError =>
  new HordeError(
    'ImageValidationFailed',
    'Image validation failed. Please ensure the source image payload is either a URL containing an image or a valid base64 encoded image.',
  );

/**
 * The blob behind a URL of this horde's own image store (`/api/v2/r2/source/{id}`,
 * `/api/v2/r2/result/{id}`) when `url` names this horde as the caller reached it;
 * undefined for any other URL. Such images are read from the database, never fetched.
 */
function ownStoreImage(ctx: HordeContext, req: FastifyRequest, url: URL): Uint8Array | undefined {
  const m = /^\/api\/v2\/r2\/(source|result)\/([^/?#]+)$/.exec(url.pathname);
  if (!m) return undefined;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const ours =
    url.host.toLowerCase() === req.host.toLowerCase() ||
    (isLoopbackName(url.hostname.replace(/^\[|\]$/g, '')) && port === req.socket.localPort);
  if (!ours) return undefined;
  const id = decodeURIComponent(m[2]!);
  const blobId = m[1] === 'source' ? interrogationById(ctx.db, id)?.source_blob : `result:${id}`;
  const blob = blobId !== undefined ? getBlob(ctx.db, blobId) : undefined;
  if (!blob) throw new HordeError('SourceImageUrlInvalid', `This horde has no image at ${url.pathname}.`);
  return blob.data;
}

/**
 * The bytes of a `source_image` field: base64 (bare or a data URL), an image
 * of this horde's own store, or a public http(s) URL. Loopback, link-local and
 * private URLs are refused (SourceImageUrlInvalid) in every mode.
 */
export async function readSourceImage(
  ctx: HordeContext,
  req: FastifyRequest,
  value: string,
): Promise<Uint8Array> {
  if (!isHttpUrl(value)) {
    const bytes = decodeBase64Image(value);
    if (!bytes) throw notBase64();
    return bytes;
  }
  const url = (() => {
    try {
      return new URL(value);
    } catch {
      throw new HordeError('SourceImageUrlInvalid', 'The source image URL is not a valid URL.');
    }
  })();
  const own = ownStoreImage(ctx, req, url);
  if (own) return own;
  checkSourceUrl(value);
  return fetchPublicImage(value, { maxBytes: ctx.limits.maxImageBytes, timeoutMs: SOURCE_FETCH_TIMEOUT_MS });
}
