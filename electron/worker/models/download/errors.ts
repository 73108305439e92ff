/** One error type for every way a download fails, with a code the window turns into words. */
import { HubApiError } from '@huggingface/hub';
import type { DownloadErrorCode, DownloadFailure } from '../../../../shared/bridge/models';

export class DownloadError extends Error {
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'DownloadError';
  }

  toFailure(): DownloadFailure {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function causeCode(e: unknown): string | undefined {
  for (let c: unknown = e, i = 0; c && i < 5; c = (c as { cause?: unknown }).cause, i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Turns whatever a download step threw into a DownloadError (one for each case the window explains). */
export function toDownloadError(e: unknown, what: string, hubUrl: string, withToken = false): DownloadError {
  if (e instanceof DownloadError) return e;
  const name = (e as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || (e instanceof DOMException && e.name === 'AbortError'))
    return new DownloadError('Cancelled', `The download of ${what} was cancelled.`);
  const code = causeCode(e);
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new DownloadError(
      'DiskFull',
      `The disk filled up while downloading ${what}.`,
      'Free some space, then download again: the bytes already fetched are kept and the download resumes.',
    );
  if (e instanceof HubApiError) {
    const status = e.statusCode;
    const errorCode = (e.data as { error?: string } | undefined)?.error ?? '';
    if (status === 404 || /RepoNotFound|EntryNotFound|RevisionNotFound/.test(errorCode + e.message))
      return new DownloadError(
        'NotFound',
        `${what} is not on the hub (${status}).`,
        'Check the repo id and revision.',
      );
    // The hub answers 401 both for a repo that does not exist and for a gated one asked for without a token.
    if (status === 401 && !withToken)
      return new DownloadError(
        'NotFound',
        `${what} is not on the hub, or it is gated or private (${status}).`,
        'Check the repo id; for a gated model, accept its terms on its Hugging Face page and set a hub token (HF_TOKEN).',
      );
    if (status === 401 || status === 403)
      return new DownloadError(
        'Unauthorized',
        `The hub refused the token for ${what} (${status}).`,
        'Accept the model’s terms on its Hugging Face page, and check that the token (HF_TOKEN) may read it.',
      );
    return new DownloadError('HubError', `The hub answered ${status} for ${what}.`, 'Try again later.');
  }
  if (
    (code !== undefined && NETWORK_CODES.has(code)) ||
    (e instanceof TypeError && /fetch failed/.test(e.message))
  )
    return new DownloadError(
      'NoNetwork',
      `Could not reach the hub at ${hubUrl} for ${what}.`,
      'Check the network connection (or HF_ENDPOINT); the download resumes where it stopped.',
    );
  return new DownloadError(
    'HubError',
    `Downloading ${what} failed: ${e instanceof Error ? e.message : String(e)}`,
  );
}
