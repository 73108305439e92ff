import { timingSafeEqual } from 'node:crypto';

/**
 * Who may talk to the serve-mode bridge: only the page it served itself.
 * Three independent checks, each enough to stop a different attacker:
 * - Host: a DNS-rebinding page (evil.example resolving to 127.0.0.1) sends its own
 *   name as Host, so only loopback names with our port are accepted.
 * - Origin / Sec-Fetch-Site: another site open in the same browser sends its
 *   origin; only our own origin (or none, from a non-browser client) passes.
 * - Token: a per-run secret only our page carries (in its meta tag), which no
 *   other page can read across origins.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The port the server actually listens on, known after listen(). */
export interface AccessPolicy {
  port(): number;
  token: string;
  /** Extra host names allowed (LAN sharing is not offered for the bridge; tests may add none). */
  extraHosts?: readonly string[];
}

export function isAllowedHost(hostHeader: string | undefined, policy: AccessPolicy): boolean {
  if (!hostHeader) return false;
  const m = /^(\[[0-9a-f:.]+\]|[^:]+)(?::(\d+))?$/i.exec(hostHeader.trim().toLowerCase());
  if (!m) return false;
  const [, name, port] = m;
  if (!name || port === undefined || Number(port) !== policy.port()) return false;
  return LOOPBACK_HOSTS.has(name) || (policy.extraHosts ?? []).includes(name);
}

/** Missing Origin is allowed (curl, tests, same-origin GETs); a present one must be ours. */
export function isAllowedOrigin(origin: string | undefined, policy: AccessPolicy): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:') return false;
  return isAllowedHost(url.host, policy);
}

/** Browsers label cross-site requests; refuse them even if everything else looked right. */
export function isAllowedFetchSite(site: string | undefined): boolean {
  return site === undefined || site === 'same-origin' || site === 'none';
}

export function tokenMatches(given: string | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Security headers for every answer. The page loads only its own files; images may be data:/blob: (results). */
export function securityHeaders(port: number): Record<string, string> {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    // React and the charts set style attributes; no inline scripts are allowed.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}
