import dns, { type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { HordeError } from '../../shared/api/horde-error';

/**
 * Fetching a `source_image` a caller gave as a URL. Any web page can reach the
 * horde (CORS), and on a LAN so can other machines, so the horde must never be
 * a way to reach what only this machine can: it refuses every URL whose host
 * is, or resolves to, a loopback, link-local, private, unique-local, CGNAT,
 * multicast, unspecified or otherwise reserved address. The check runs on the
 * address the connection really uses (a `lookup` hook), so a DNS name that
 * answers a public address to a first query and 127.0.0.1 to the next
 * (rebinding) is refused too. Redirects are not followed.
 */

const urlRefused = (why: string): HordeError =>
  new HordeError(
    'SourceImageUrlInvalid',
    `This horde does not fetch source images from ${why}; send the image as base64 instead.`,
  );

/** True only for globally routable unicast addresses. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address); // unwraps ::ffff:a.b.c.d
  return parsed.range() === 'unicast';
}

type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** A `lookup` for http.request that answers only public addresses, else fails the connection. */
function publicOnlyLookup(resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const bad = addresses.find((a) => !isPublicAddress(a.address));
        if (addresses.length === 0 || bad) {
          callback(
            Object.assign(new Error(`refused address for ${hostname}`), { code: 'EREFUSEDADDRESS' }),
            '',
            4,
          );
          return;
        }
        const wanted = addresses.filter((a) => !options.family || a.family === options.family);
        if (wanted.length === 0) {
          callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
          return;
        }
        if (options.all) callback(null, wanted);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
}

/** Checks the URL's form and, for an IP literal, its address; names are checked at connect time. */
export function checkSourceUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HordeError('SourceImageUrlInvalid', 'The source image URL is not a valid URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new HordeError('SourceImageUrlInvalid', 'Source image URLs must be http or https.');
  if (url.username !== '' || url.password !== '') throw urlRefused('URLs with credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && !isPublicAddress(host))
    throw urlRefused('loopback, link-local or private addresses');
  if (host === 'localhost' || host.endsWith('.localhost')) throw urlRefused('this machine');
  return url;
}

export interface FetchSourceOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Name resolution; tests pass their own. Default: the system resolver. */
  resolve?: Resolve;
}

/** Downloads a public source image URL, at most `maxBytes`, within `timeoutMs`. */
export function fetchPublicImage(raw: string, o: FetchSourceOptions): Promise<Uint8Array> {
  const url = checkSourceUrl(raw);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<Uint8Array>((resolve, reject) => {
    const req = client.get(url, {
      lookup: publicOnlyLookup(o.resolve ?? systemResolve),
      timeout: o.timeoutMs,
      headers: { accept: 'image/*' },
    });
    const timer = setTimeout(() => req.destroy(new Error('timeout')), o.timeoutMs);
    const fail = (e: HordeError): void => {
      clearTimeout(timer);
      req.destroy();
      reject(e);
    };
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'EREFUSEDADDRESS') reject(urlRefused('loopback, link-local or private addresses'));
      else reject(new HordeError('ImageValidationFailed', 'Something went wrong when retrieving image url.'));
    });
    req.on('response', (res) => {
      if ((res.statusCode ?? 0) >= 300) {
        res.resume();
        fail(
          new HordeError(
            'ImageValidationFailed',
            `The source image URL answered ${res.statusCode ?? 'nothing'}.`,
          ),
        );
        return;
      }
      const tooBig = () =>
        new HordeError(
          'SourceImageSizeExceeded',
          `Provided image cannot be larger than ${o.maxBytes} bytes.`,
        );
      if (Number(res.headers['content-length'] ?? '0') > o.maxBytes) {
        fail(tooBig());
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        // A server need not announce its length honestly: stop at the cap.
        total += chunk.length;
        if (total > o.maxBytes) fail(tooBig());
        else chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        if (total <= o.maxBytes) resolve(new Uint8Array(Buffer.concat(chunks)));
      });
      res.on('error', () =>
        fail(new HordeError('ImageValidationFailed', 'Something went wrong when retrieving image url.')),
      );
    });
  });
}
