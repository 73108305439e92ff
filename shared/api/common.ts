import { z } from 'zod';

/**
 * Pieces shared by every AI Horde v2 body. Field names follow the AI Horde
 * server (horde/apis/models/v2.py) so that the embedded horde, the worker and
 * the requester client read the same JSON as the public horde does.
 */

/** The key the AI Horde treats as the anonymous user. */
export const ANONYMOUS_API_KEY = '0000000000';

/** The public AI Horde's API root (the part before `/v2`). */
export const PUBLIC_HORDE_URL = 'https://aihorde.net/api';

/** Error body of every non-2xx answer: `{"message", "rc"}`. */
export const ErrorBody = z.object({
  message: z.string(),
  rc: z.string(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * The rc codes the embedded horde answers with (a subset of the AI Horde's
 * KNOWN_RC in horde/exceptions.py), with the HTTP status each one carries
 * there (the werkzeug base class of the exception).
 */
export const RC_STATUS = {
  BadRequest: 400,
  MissingPrompt: 400,
  InvalidPromptSize: 400,
  TokenOverflow: 400,
  MissingFullSamplerOrder: 400,
  TooManyStopSequences: 400,
  ExcessiveStopSequence: 400,
  InvalidExtraSourceImages: 400,
  NulByteInPayload: 400,
  OnlyServiceAccountProxy: 400,
  RequiresTrust: 400,
  DuplicateGen: 400,
  AbortedGen: 400,
  KudosValidationError: 400,
  KudosTransferNotEnough: 400,
  KudosTransferToAnon: 400,
  KudosTransferToSelf: 400,
  KudosTransferFromAnon: 400,
  NegativeKudosTransfer: 400,
  InvalidKudosTransferAmount: 400,
  InvalidTargetUsername: 400,
  IdempotencyKeyConflict: 400,
  InvalidPriorityUsername: 400,
  PolymorphicNameConflict: 400,
  ImageValidationFailed: 400,
  SourceImageSizeExceeded: 400,
  SourceImageUrlInvalid: 400,
  SourceImageUnreadable: 400,
  NoWorkerModSelected: 400,
  WorkerNameAlreadyExists: 400,
  TooLongWorkerName: 400,
  BadCFGDecimals: 400,
  TooManyUpscalers: 400,
  SourceMaskUnnecessary: 400,
  ControlNetSourceMissing: 400,
  InpaintingMissingMask: 400,
  /** A result larger than its request allows (text by tokens, alchemy by form). */
  TooLong: 400,
  /** The anti-hoarding cap: the embedded horde's own (the AI Horde has no cap). */
  KudosCapExceeded: 400,
  /** Club hordes (the embedded horde's own): an invite that is unknown, used, expired or revoked. */
  InviteInvalid: 403,
  /** Joining needs an invite (the owner's "who may join"). */
  InviteRequired: 403,
  /** The owner takes no new members now. */
  JoinClosed: 403,
  InvalidAPIKey: 401,
  WrongCredentials: 403,
  AnonForbidden: 403,
  AnonForbiddenWorker: 403,
  NotOwner: 403,
  WorkerMaintenance: 403,
  KudosUpfront: 403,
  TooManyWorkers: 403,
  TooManyWorkersTrusted: 403,
  SourceAccountFlagged: 400,
  TargetAccountFlagged: 400,
  Forbidden: 403,
  InvalidJobID: 404,
  RequestNotFound: 404,
  WorkerNotFound: 404,
  UserNotFound: 404,
  NotFound: 404,
  TooManyPrompts: 429,
  /** Per-key rate limit of the embedded horde (the AI Horde's limiter answers 429 too). */
  TooManyRequests: 429,
  /** Body larger than the horde accepts. */
  PayloadTooLarge: 413,
  /** Refusals of the HTTP layer, before any route runs (the AI Horde's proxy answers these without an rc). */
  RequestTimeout: 408,
  RequestUriTooLong: 414,
  RequestHeaderFieldsTooLarge: 431,
  InternalServerError: 500,
  /**
   * The horde's disk is full (SQLite SQLITE_FULL, ENOSPC): nothing of the call was saved. The
   * AI Horde has no code for it; the name is HTTP 507's, as PayloadTooLarge is 413's.
   */
  InsufficientStorage: 507,
} as const satisfies Record<string, number>;
export type Rc = keyof typeof RC_STATUS;

/** `Client-Agent` header value: "name:version:contact". */
export const DEFAULT_CLIENT_AGENT = 'unknown:0:unknown';

export const WarningItem = z.object({ code: z.string(), message: z.string() });

/** A message the horde hands to a worker with its pop (worker messages). */
export const WorkerMessage = z.object({
  id: z.string().optional(),
  message: z.string(),
  origin: z.string().optional(),
  expiry: z.string().optional(),
});

/** `POST .../submit` answer: the kudos the worker earned for this job. */
export const GenerationSubmitted = z.object({ reward: z.number() });
export type GenerationSubmitted = z.infer<typeof GenerationSubmitted>;

/** `POST .../async` answer (202). `kudos` is the price the horde quoted. */
export const RequestAsync = z.object({
  id: z.string().optional(),
  kudos: z.number().optional(),
  message: z.string().optional(),
  warnings: z.array(WarningItem).optional(),
});
export type RequestAsync = z.infer<typeof RequestAsync>;

/** Worker names: the AI Horde sanitizes and caps them at 100 characters. */
export const WorkerName = z.string().trim().min(1).max(100);

/** "name:version:contact" of the worker software, <= 1000 chars. */
export const BridgeAgent = z.string().max(1000).default('unknown:0:unknown');

/** "alias#number" as the AI Horde spells usernames. */
export const UniqueUsername = z
  .string()
  .regex(/^.+#\d+$/, "usernames are written 'alias#number', e.g. db0#1");
