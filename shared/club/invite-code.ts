/**
 * A club invite as a person reads it aloud or types it: the horde's address
 * and a one-time token, `192.168.1.20:7001/K7QM-3XPA-9ZTR`. The token is 12
 * characters of Crockford's base32 (60 bits): with single use, an expiry and
 * the horde's rate limit, guessing one is out of reach, and it has no
 * letters that read alike (I, L, O, U), so typing it wrong is unlikely and
 * forgiving (lower case, spaces, O for 0 and I or L for 1 are accepted).
 */

/** Crockford's base32 alphabet: digits and letters without I, L, O, U. */
export const TOKEN_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const TOKEN_LENGTH = 12;
const GROUP = 4;

/** A token from random bytes (one byte per character, its low five bits). */
export function tokenFromBytes(bytes: Uint8Array): string {
  if (bytes.length < TOKEN_LENGTH) throw new RangeError(`a token needs ${TOKEN_LENGTH} random bytes`);
  let out = '';
  for (let i = 0; i < TOKEN_LENGTH; i++) out += TOKEN_ALPHABET[(bytes[i] ?? 0) & 31];
  return out;
}

/** `K7QM3XPA9ZTR` → `K7QM-3XPA-9ZTR`. */
export function groupToken(token: string): string {
  const groups: string[] = [];
  for (let i = 0; i < token.length; i += GROUP) groups.push(token.slice(i, i + GROUP));
  return groups.join('-');
}

/** The token as the horde stores it, from what a person typed; null when it cannot be one. */
export function normaliseToken(typed: string): string | null {
  const t = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (t.length !== TOKEN_LENGTH) return null;
  for (const c of t) if (!TOKEN_ALPHABET.includes(c)) return null;
  return t;
}

/** `host:port`, with brackets around an IPv6 address. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function formatInviteCode(host: string, port: number, token: string): string {
  return `${hostPort(host, port)}/${groupToken(token)}`;
}

export interface ParsedInvite {
  /** The horde's API base, `http://host:port/api`. */
  url: string;
  host: string;
  port: number;
  token: string;
}

/**
 * Reads an invite code as typed or scanned; `http://` in front and `/api`
 * after the address are tolerated (someone may paste the horde's URL).
 * Answers a sentence saying what is wrong when it is not an invite.
 */
export function parseInviteCode(text: string): ParsedInvite | { error: string } {
  let rest = text.trim().replace(/^https?:\/\//i, '');
  const slash = rest.lastIndexOf('/');
  if (slash < 0) {
    return {
      error: 'An invite looks like 192.168.1.20:7001/K7QM-3XPA-9ZTR: the address, a slash, the code.',
    };
  }
  const token = normaliseToken(rest.slice(slash + 1));
  rest = rest.slice(0, slash).replace(/\/api$/i, '');
  if (token === null) {
    return { error: `The code after the slash is ${TOKEN_LENGTH} letters and digits, like K7QM-3XPA-9ZTR.` };
  }
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):(\d{1,5})$/i.exec(rest);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) {
    return {
      error: 'The address before the slash is the horde machine and its port, like 192.168.1.20:7001.',
    };
  }
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  return { url: `http://${hostPort(host, port)}/api`, host, port, token };
}
