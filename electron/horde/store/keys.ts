import { createHash, randomBytes } from 'node:crypto';

/** API keys are stored as sha256 hex digests only; the plain key is shown once, at creation. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** 22 url-safe characters, the length of an AI Horde key. */
export function newApiKey(): string {
  return randomBytes(16).toString('base64url');
}

export function newToken(): string {
  return randomBytes(18).toString('base64url');
}
