import type { FastifyRequest } from 'fastify';
import { ANONYMOUS_API_KEY } from '../../shared/api/common';
import { fromKudos } from '../../shared/ledger/money';
import { DEFAULT_TRUST_RULE } from '../../shared/kudos/trust';
import type { FairRules } from './store/fair';
import { HordeError } from '../../shared/api/horde-error';
import { invalidApiKey } from './errors';
import type { HordeDb } from './store/db';
import { isAnonymous, type KeyHolder } from './store/users';
import { KeyHolders } from './store/key-holders';
import type { LifecycleLimits } from './store/text-queue';
import { anonymousQueuedFrom } from './store/fair-share';
import type { AlchemyLimits } from './store/interrogate-queue';
import type { ImageLimits } from './store/image-queue';
import { ImageFiles } from './store/image-files';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/** Every tunable of the horde; `startHorde({limits})` overrides any of them. */
export interface HordeLimits {
  /** A popped text job not submitted within this is aborted and requeued (AI Horde: 150 s). */
  textJobTtlS: number;
  /** A popped alchemy form not submitted within this is requeued (AI Horde: 3 min). */
  formTtlS: number;
  /** A request not served within this expires and releases its hold (AI Horde: 20 min). */
  requestTtlS: number;
  /** Failed jobs after which a text request is faulted (AI Horde: 3). */
  maxFaults: number;
  /** Aborts an alchemy form survives; the next faults it (AI Horde: faulted on the 4th). */
  maxFormRequeues: number;
  /** A worker silent for longer than this is offline, and its uptime count restarts (AI Horde: 300 s). */
  workerStaleS: number;
  /** Largest request body, bytes (base64 images included). */
  bodyLimitBytes: number;
  /** Longest text prompt, characters. */
  maxPromptChars: number;
  /** Largest source or result image, bytes. */
  maxImageBytes: number;
  /** Faulted or timed-out image jobs after which an image request is faulted. */
  maxImageFaults: number;
  /** Requests per key (or per IP without a key) in each rate window. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** How often the horde sweeps timeouts by itself (the clock is consulted, not the timer). 0 = never; call `sweep()`. */
  sweepIntervalMs: number;
  /**
   * Anti-hoarding cap on a user's balance (and on what they hold in
   * evaluation), kudos: earnings above it are burned, transfers that would
   * pass it refused (`KudosCapExceeded`). Undefined = no cap. README explains
   * the default.
   */
  userKudosCap?: number;
  /** Kudos a new registered user (CLI `user add`, the app's owner) starts with; anonymous starts at 0. */
  startingKudos: number;
  /** Trust: jobs the user's workers completed, and days since the account was created. */
  trustMinJobs: number;
  trustMinAgeDays: number;
  /** Workers (seen within a day) a user may run: untrusted, trusted (the AI Horde: 3 and 20). */
  maxWorkersUntrusted: number;
  maxWorkersTrusted: number;
  /** Accounts acting from one address within a day before the untrusted ones are flagged. */
  sameAddressUsers: number;
  /** Unfinished jobs within an hour, none finished, before a worker's owner is flagged. */
  unfinishedJobsFlag: number;
  /** Untrusted accounts sending kudos to one account within a day before it is flagged. */
  funnelSenders: number;
  /** Requests (text and alchemy) one anonymous address may have queued at once. */
  anonymousQueuedPerIp: number;
}

/** The default anti-hoarding cap, kudos (README, "The kudos rules", says why this value). */
export const DEFAULT_KUDOS_CAP = 100_000;

export const DEFAULT_LIMITS: HordeLimits = {
  textJobTtlS: 150,
  formTtlS: 180,
  requestTtlS: 20 * 60,
  maxFaults: 3,
  maxFormRequeues: 3,
  workerStaleS: 300,
  bodyLimitBytes: 16 * 1024 * 1024,
  maxPromptChars: 64 * 1024,
  maxImageBytes: 10 * 1024 * 1024,
  maxImageFaults: 3,
  rateLimitMax: 120,
  rateLimitWindowMs: 1000,
  sweepIntervalMs: 5000,
  userKudosCap: DEFAULT_KUDOS_CAP,
  startingKudos: 25,
  trustMinJobs: DEFAULT_TRUST_RULE.minJobs,
  trustMinAgeDays: DEFAULT_TRUST_RULE.minAgeDays,
  maxWorkersUntrusted: 3,
  maxWorkersTrusted: 20,
  sameAddressUsers: 3,
  unfinishedJobsFlag: 10,
  funnelSenders: 3,
  anonymousQueuedPerIp: 10,
};

export interface HordeContext {
  db: HordeDb;
  clock: () => number;
  limits: HordeLimits;
  /** Serving beyond loopback: anonymous requests from other machines are refused. */
  lan: boolean;
  text: LifecycleLimits;
  alchemy: AlchemyLimits;
  image: ImageLimits;
  /** Sources and results of image requests, as files in a folder beside the database. */
  imageFiles: ImageFiles;
  ledgerRules: FairRules;
  /** Users by API key, remembered between requests while their identity stays as it was. */
  keyHolders: KeyHolders;
}

export function makeContext(
  db: HordeDb,
  clock: () => number,
  limits: HordeLimits,
  lan: boolean,
  /** Where image files go: `<db>.images` beside the database (a temp folder when not given). */
  imagesDir: string = join(tmpdir(), `horde-images-${randomUUID()}`),
): HordeContext {
  const ledgerRules: FairRules = {
    ...(limits.userKudosCap !== undefined ? { userCapMilli: fromKudos(limits.userKudosCap) } : {}),
    trust: { minJobs: limits.trustMinJobs, minAgeDays: limits.trustMinAgeDays },
    maxWorkersUntrusted: limits.maxWorkersUntrusted,
    maxWorkersTrusted: limits.maxWorkersTrusted,
    sameAddressUsers: limits.sameAddressUsers,
    unfinishedJobsFlag: limits.unfinishedJobsFlag,
    funnelSenders: limits.funnelSenders,
  };
  return {
    db,
    clock,
    limits,
    lan,
    ledgerRules,
    text: {
      textJobTtlS: limits.textJobTtlS,
      requestTtlS: limits.requestTtlS,
      maxFaults: limits.maxFaults,
      workerStaleS: limits.workerStaleS,
      ledger: ledgerRules,
    },
    imageFiles: new ImageFiles(imagesDir),
    keyHolders: new KeyHolders(db),
    image: {
      requestTtlS: limits.requestTtlS,
      maxFaults: limits.maxImageFaults,
      workerStaleS: limits.workerStaleS,
      ledger: ledgerRules,
    },
    alchemy: {
      formTtlS: limits.formTtlS,
      requestTtlS: limits.requestTtlS,
      maxFormRequeues: limits.maxFormRequeues,
      ledger: ledgerRules,
    },
  };
}

export function isLoopbackIp(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

export function apiKeyOf(req: FastifyRequest): string | undefined {
  const raw = req.headers.apikey;
  const key = Array.isArray(raw) ? raw[0] : raw;
  return key === undefined || key === '' ? undefined : key;
}

/** Each request's user as its key named it: looked up once, though the rate limit and the handler both ask. */
const requestUsers = new WeakMap<FastifyRequest, { key: string; user: KeyHolder | undefined }>();

/**
 * The user `key` belongs to, for this request: read once per request (one hash and one query;
 * every request was paying two), as of the moment it was first asked, which is its arrival.
 */
export function userForKey(ctx: HordeContext, req: FastifyRequest, key: string): KeyHolder | undefined {
  const seen = requestUsers.get(req);
  if (seen?.key === key) return seen.user;
  const user = ctx.keyHolders.get(key);
  requestUsers.set(req, { key, user });
  return user;
}

/**
 * The user behind the request's `apikey` header. A missing header means the
 * anonymous user where `anonymousIfMissing` (requests, status), and an
 * invalid key is always InvalidAPIKey. In LAN mode, anonymous use from
 * another machine is refused: a private horde on a network is for its users.
 */
export function userOf(
  ctx: HordeContext,
  req: FastifyRequest,
  o: { anonymousIfMissing: boolean },
): KeyHolder {
  const key = apiKeyOf(req) ?? (o.anonymousIfMissing ? ANONYMOUS_API_KEY : undefined);
  if (key === undefined) throw invalidApiKey();
  const user = userForKey(ctx, req, key);
  if (!user) throw invalidApiKey();
  if (ctx.lan && isAnonymous(user) && !isLoopbackIp(req.ip)) {
    throw new HordeError(
      'AnonForbidden',
      'This horde serves its network only to registered users: send your API key.',
    );
  }
  return user;
}

/**
 * Refuses an anonymous request that would take its address past
 * `limits.anonymousQueuedPerIp` queued requests (`TooManyPrompts`, 429).
 */
export function checkAnonymousShare(ctx: HordeContext, user: KeyHolder, ip: string, adding: number): void {
  if (!isAnonymous(user)) return;
  const queued = anonymousQueuedFrom(ctx.db, ip);
  const limit = ctx.limits.anonymousQueuedPerIp;
  if (queued + adding > limit) {
    throw new HordeError(
      'TooManyPrompts',
      `Too many anonymous requests from your address (${queued + adding}/${limit}). Ask the horde's admin for an API key, which also gives you priority.`,
    );
  }
}

export function clientAgentOf(req: FastifyRequest): string | undefined {
  const raw = req.headers['client-agent'];
  return Array.isArray(raw) ? raw[0] : raw;
}

/** Base URL (`http://host:port/api`) as the caller reached us, for URLs handed to workers on other machines. */
export function publicBase(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}/api`;
}
