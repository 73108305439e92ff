import type { DtypeChoice, OnnxDtype } from '../worker/dtype';
/**
 * The window's one door to the app: every call the renderer makes and every
 * event it hears, typed in one place. Implemented twice with the same
 * semantics — over Electron IPC (preload + contextBridge) and over
 * HTTP/WebSocket on loopback for `npm run serve` — so the UI never knows which.
 *
 * Kudos in this file are integer milli-kudos (`Milli`, see ./kudos.ts for why a
 * branded type): converted once where a horde answer enters the bridge, formatted
 * once by the window.
 */
import type { IdlePolicySettings, WorkerStats } from '../worker/stats';
import type { Milli } from './kudos';
import type { z } from 'zod';
import type { TextSamplerParams } from '../api/text';
import type { InterrogationTag } from '../api/alchemy-results';
import type { AskedFor } from '../kudos/results';
import type { ImageEvents, ImageHandlers } from './images';
import type { ClubHandlers } from './club';
import type { CatalogView, DownloadProgress, EarningsView, InstalledModel, RecheckResult } from './models';

export type * from './models';

export type { IdlePolicySettings, WorkerStats, Milli };

// ─── errors ──────────────────────────────────────────────────────────────

/**
 * What a handler rejects with. `rc` is the horde's own code when the horde
 * answered (KudosUpfront, InvalidAPIKey, NoValidWorkers, …) so the UI can say
 * it in plain words; the bridge adds a few of its own (see BridgeRc).
 */
export interface BridgeError {
  rc: string;
  message: string;
  /** A plain sentence on what the user can do next, when there is one. */
  hint?: string;
}

/** rc codes the bridge itself raises (the horde's codes pass through as they are). */
export type BridgeRc =
  | 'BadArgument' // the argument failed validation
  | 'Unauthorized' // bridge token missing or wrong
  | 'Forbidden' // foreign origin or host
  | 'UnknownChannel'
  | 'HordeUnreachable' // network error or timeout talking to the horde
  | 'NoWorker' // the worker is not running in this process (serve --no-worker)
  | 'NotFound' // e.g. a job id not in the history
  | 'Internal';

// ─── app and settings ────────────────────────────────────────────────────

export type HordeMode = 'embedded' | 'public' | 'custom';

/** Which horde the app talks to. `public` is https://aihorde.net/api. */
export type HordeChoice = { mode: 'embedded' } | { mode: 'public' } | { mode: 'custom'; url: string };

export type Theme = 'system' | 'light' | 'dark';

export interface AppInfo {
  version: string;
  /** How the window is hosted: the Electron shell or a browser via `npm run serve`. */
  shell: 'electron' | 'serve';
  horde: { mode: HordeMode; url: string };
  /** The horde's username ("alias#id") of the key in use; null before it is known or when the horde is unreachable. */
  username: string | null;
  /** Whether a worker runs in this process (false with `serve --no-worker`). */
  workerEnabled: boolean;
  /** The data folder (settings, journal, embedded horde database). */
  dataDir: string;
}

export interface Settings {
  horde: HordeChoice;
  workerName: string;
  modelsDir: string;
  /** Cap on inference threads; 0 = let the engine decide. */
  threads: number;
  /** Cap on the memory the worker's models may use, in MiB; 0 = no cap. */
  memoryMb: number;
  /**
   * Which precision of the text model to load: `auto` (absent) takes the best
   * variant the model folder ships for the device (q8 or q4 on a CPU, q4f16 or
   * fp16 on WebGPU); a dtype forces that variant.
   */
  textDtype?: DtypeChoice;
  /** Share the embedded horde on the LAN (off by default; requires API keys there). */
  lanSharing: boolean;
  /** The port the shared horde keeps across restarts; null until sharing is first turned on. */
  lanPort: number | null;
  idle: IdlePolicySettings;
  theme: Theme;
}

/** What the window reads back: the settings plus the masked key and whether a restart is pending. */
export interface SettingsView extends Settings {
  /** e.g. "••••••3f9a"; null when no key is set (anonymous or embedded owner key in use). The full key never leaves the main side. */
  apiKeyMasked: string | null;
  /** False: every setting applies live (the horde, LAN sharing, the key, the models folder, the worker name); kept for a setting that may need a restart again. */
  restartRequired: boolean;
}

/** Any subset of the settings; `idle` may be partial too. */
export type SettingsPatch = Partial<Omit<Settings, 'idle'>> & { idle?: Partial<IdlePolicySettings> };

// ─── account ─────────────────────────────────────────────────────────────

export interface AccountView {
  username: string;
  id: number;
  /** The horde's balance. */
  kudos: Milli;
  /** Kudos earned by this user's workers that the horde still holds in evaluation (not spendable yet). */
  evaluatingKudos: Milli;
  /** Kudos held by this user's own requests still in flight (from the app's request history). */
  reserved: Milli;
  /** kudos − reserved: what a new request can spend. */
  available: Milli;
  workerIds: string[];
  anonymous: boolean;
  /** The most kudos this horde lets one user hold (embedded horde); absent where there is no cap. */
  kudosCap?: Milli;
}

// ─── worker ──────────────────────────────────────────────────────────────

export type WorkerAction = 'earn_now' | 'pause_1h' | 'auto' | 'stop';

export interface RunningPrograms {
  /** Sorted executable names (no path, no .exe). Empty when the list cannot be read here. */
  names: string[];
  /** How the list is read, or why it cannot be. */
  how: string;
}

export type ModelLoadState = 'found' | 'loading' | 'ready' | 'error';

export interface LocalModel {
  /** The name the worker advertises to the horde. */
  name: string;
  kind: 'text' | 'alchemy' | 'image';
  /** Folder of the model inside the models folder. */
  path: string;
  sizeBytes: number;
  /** Text models: the precisions (transformers.js dtypes) the folder ships, which the textDtype setting picks from. */
  dtypes?: OnnxDtype[];
  /** `seconds`: how long loading took, once ready. */
  load: {
    state: ModelLoadState;
    fraction: number;
    error?: string;
    seconds?: number;
    /** While loading: bytes of its files read and in all, when the loader tells. */
    bytesLoaded?: number;
    bytesTotal?: number;
  };
}

export interface HordeModel {
  name: string;
  /** Workers serving it now. */
  count: number;
  performance: number;
  queued: number;
  jobs: number;
  /** Seconds, as the horde estimates. */
  eta: number;
  type: 'text' | 'image';
  /**
   * The most any online worker serving it takes (text): a request asking more waits for a worker
   * that never comes. Absent when the horde does not list its workers.
   */
  maxLength?: number;
  maxContextLength?: number;
}

// ─── requests (jobs) ─────────────────────────────────────────────────────

/** The horde's sampler settings (temperature, top_p, top_k, rep_pen, stop_sequence, …), field for field. */
export type TextSamplerSettings = z.input<typeof TextSamplerParams>;

export interface TextRequestParams extends TextSamplerSettings {
  max_length: number;
  max_context_length: number;
  n?: number;
}

export interface TextRequest {
  prompt: string;
  /** Empty = any model. */
  models: string[];
  params: TextRequestParams;
  /** Only trusted workers (the AI Horde's `trusted_workers`). */
  trustedWorkers?: boolean;
}

export interface RequestPrice {
  /** Price the horde quoted (dry run). */
  kudos: Milli;
  /** The account's spendable kudos now, and what would remain after. */
  available: Milli;
  after: Milli;
  /** True when the horde will refuse it for lack of upfront kudos (after < 0 and the request needs them up front). */
  needsUpfront: boolean;
  /** The horde's free allowance as it stands now, for the window to explain credit and upfront kudos. */
  upfront: UpfrontView;
  warnings: { code: string; message: string }[];
}

/** What the AI Horde's upfront rule (shared/kudos/upfront.ts) says about one request right now. */
export interface UpfrontView {
  /** The most tokens a request may ask for and still run without kudos up front (on credit). */
  freeMaxLength: number;
  /** The kudos this request must hold up front when it asks for more than that. */
  required: Milli;
  /** How many more kudos that takes than are available now (0 when they suffice or none are needed). */
  short: Milli;
}

export interface SubmittedRequest {
  id: string;
  kudos: Milli;
  warnings: { code: string; message: string }[];
}

/** Where a user's request stands, as the window shows it; the last four are final. */
export const REQUEST_STATES = ['waiting', 'processing', 'done', 'faulted', 'cancelled', 'expired'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];
export const FINAL_REQUEST_STATES: readonly RequestState[] = ['done', 'faulted', 'cancelled', 'expired'];

/** True once a request can change no more (the tracker stops following it). */
export function isFinalRequestState(state: RequestState): boolean {
  return FINAL_REQUEST_STATES.includes(state);
}

export interface TextGenerationView {
  text: string;
  model: string;
  workerName: string;
  workerId: string;
  state: 'ok' | 'censored' | 'faulted' | 'csam';
  seed: number;
}

export interface TextRequestStatus {
  id: string;
  state: RequestState;
  /** The horde's fields, renamed for the window. */
  waiting: number;
  processing: number;
  finished: number;
  /** Position in the horde's queue as the horde counts it (the embedded horde: 1 = next) — not a time. */
  queuePosition: number;
  /** Seconds the horde estimates until done — a time, apart from the position. */
  waitTime: number;
  /** False when no worker on the horde can serve this request. */
  isPossible: boolean;
  kudos: Milli;
  /** Cancelled: the kudos of the quote that were not spent (released back to the balance). */
  refunded?: Milli;
  generations: TextGenerationView[];
}

/** Horde alchemy form names the app offers (upscale = RealESRGAN_x2plus). */
export type AlchemyFormName = 'caption' | 'interrogation' | 'nsfw' | 'strip_background' | 'RealESRGAN_x2plus';

export interface AlchemyRequest {
  /** The image: a data: URL (image/png, image/jpeg or image/webp) or raw base64 of one. */
  sourceImage: string;
  forms: AlchemyFormName[];
}

export interface AlchemyFormView {
  form: string;
  state: 'waiting' | 'processing' | 'done' | 'faulted';
  /** The caption form's text. */
  caption?: string;
  /** The interrogation form's tags, best first, confidence 0..1 (NaN: the horde sent no score). */
  tags?: InterrogationTag[];
  /** The NSFW check's verdict: true = not safe for work. */
  nsfw?: boolean;
  /** Other plain values the horde returned (a form this app does not know yet). */
  text?: Record<string, string>;
  /** Image results (strip_background, upscale) as a data: URL the window can show. */
  image?: string;
}

export interface AlchemyStatus {
  id: string;
  state: RequestState;
  forms: AlchemyFormView[];
}

export interface HistoryEntry {
  id: string;
  kind: 'text' | 'alchemy';
  submittedAt: number;
  finishedAt?: number;
  /** The prompt (first 500 characters) or the alchemy forms asked for. */
  summary: string;
  models: string[];
  /** The price quoted at submit, then the final kudos when done. */
  kudos: Milli;
  /** The price quoted at submit, kept when `kudos` becomes what was paid. */
  quoted?: Milli;
  /** Cancelled: the kudos of the quote that were not spent (released back to the balance). */
  refunded?: Milli;
  state: RequestState;
  /** First generation's text or the alchemy text results, when done. */
  result?: string;
  error?: BridgeError;
  /** The horde it was made on: 'embedded' or the horde's URL (absent in entries of older versions). */
  horde?: string;
  /** What the request asked for: the app keeps no more of its result than that allows (shared/kudos/results.ts). */
  asked?: AskedFor;
}

export interface HistoryQuery {
  limit?: number;
  kind?: 'text' | 'alchemy';
}

// ─── ledger (the app's own journal) ──────────────────────────────────────

/** `award`: an admin award or correction, or the starting kudos a new account gets. */
export type JournalKind = 'job_paid' | 'job_earned' | 'uptime' | 'transfer_out' | 'transfer_in' | 'award';

export interface JournalEntry {
  /** Unique; also the idempotency key of the entry. */
  id: string;
  at: number;
  kind: JournalKind;
  /** Signed: + earned/received, − paid/sent. */
  kudos: Milli;
  /** The horde request/job id, for job entries. */
  ref?: string;
  /** Other party of a transfer ("alias#id"). */
  counterparty?: string;
  memo?: string;
  /** A job the user's own request paid to the user's own worker (embedded horde): not an earning. */
  selfPaid?: boolean;
}

export interface LedgerQuery {
  /** Milliseconds since the epoch, inclusive. */
  from?: number;
  to?: number;
  kinds?: JournalKind[];
  limit?: number;
}

export interface LedgerPage {
  /** Newest first. */
  entries: JournalEntry[];
  /** Over all entries matching the filter (not only this page). */
  totals: {
    earned: Milli;
    spent: Milli;
    transferredIn: Milli;
    transferredOut: Milli;
    awarded: Milli;
    /** The sum of every matching entry: over all kinds, what the journal says the balance is. */
    net: Milli;
  };
}

export interface TransferRequest {
  /** "alias#id" as the horde spells usernames. */
  toUsername: string;
  kudos: Milli;
  /** The same key on a retry makes the horde apply it once. */
  idempotencyKey: string;
}

export interface TransferResult {
  transferred: Milli;
  toUsername: string;
  account: AccountView;
}

/** The account a key belongs to on the chosen horde, from its `find_user` (a key check). */
export interface KeyCheck {
  username: string;
  kudos: Milli;
}

/** Whether the chosen horde answers its heartbeat, as last checked. */
export interface HordeHealth {
  mode: HordeMode;
  url: string;
  online: boolean;
  /** Epoch ms of the check. */
  checkedAt: number;
}

// ─── the maps ────────────────────────────────────────────────────────────

/**
 * Channel → handler. Every handler takes one argument (undefined for none)
 * and rejects with a BridgeError.
 */
export interface BridgeHandlers extends ImageHandlers, ClubHandlers {
  'app:info': (arg: void) => Promise<AppInfo>;
  'settings:get': (arg: void) => Promise<SettingsView>;
  'settings:set': (arg: SettingsPatch) => Promise<SettingsView>;
  /** null clears the key. Answers only the masked key. */
  'settings:setApiKey': (arg: { apiKey: string | null }) => Promise<{ apiKeyMasked: string | null }>;
  /** Asks the chosen horde whose key this is (its find_user), without saving it. */
  'settings:checkApiKey': (arg: { apiKey: string }) => Promise<KeyCheck>;
  /** The chosen horde's heartbeat, for the online/offline indicator. */
  'horde:health': (arg: void) => Promise<HordeHealth>;
  'account:get': (arg: void) => Promise<AccountView>;
  /** null when no worker runs in this process. */
  'worker:stats': (arg: void) => Promise<WorkerStats | null>;
  'worker:control': (arg: { action: WorkerAction }) => Promise<WorkerStats>;
  'worker:leaveMaintenance': (arg: void) => Promise<WorkerStats>;
  /** The programs running now, by executable name, for the "pause while these run" picker. */
  'worker:programs': (arg: void) => Promise<RunningPrograms>;
  'models:local': (arg: void) => Promise<LocalModel[]>;
  'horde:models': (arg: void) => Promise<HordeModel[]>;
  /** The catalog as this machine sees it: what fits, what each earns on this horde, what is installed or downloading. */
  'models:catalog': (arg: void) => Promise<CatalogView>;
  'models:installed': (arg: void) => Promise<InstalledModel[]>;
  /** Starts (or joins) the download of a catalog entry; progress comes as 'models:download' events. */
  'models:download': (arg: { id: string }) => Promise<DownloadProgress>;
  'models:cancelDownload': (arg: { id: string }) => Promise<DownloadProgress | null>;
  'models:delete': (arg: { name: string }) => Promise<InstalledModel[]>;
  /** Links a model folder from elsewhere into the models folder (its files stay where they are). */
  'models:addFolder': (arg: { path: string }) => Promise<InstalledModel[]>;
  /** The user says a folder model is the model `as` (null withdraws it). */
  'models:confirmName': (arg: { name: string; as: string | null }) => Promise<InstalledModel[]>;
  'models:recheck': (arg: { name: string }) => Promise<RecheckResult>;
  /** A native folder picker (the desktop app); null when cancelled or where there is none. */
  'models:pickFolder': (arg: void) => Promise<{ path: string | null }>;
  'horde:earnings': (arg: void) => Promise<EarningsView>;
  'requests:price': (arg: TextRequest) => Promise<RequestPrice>;
  'requests:submitText': (arg: TextRequest) => Promise<SubmittedRequest>;
  'requests:status': (arg: { id: string }) => Promise<TextRequestStatus>;
  'requests:cancel': (arg: { id: string }) => Promise<TextRequestStatus>;
  'requests:history': (arg: HistoryQuery) => Promise<HistoryEntry[]>;
  'alchemy:submit': (arg: AlchemyRequest) => Promise<SubmittedRequest>;
  'alchemy:status': (arg: { id: string }) => Promise<AlchemyStatus>;
  'alchemy:cancel': (arg: { id: string }) => Promise<AlchemyStatus>;
  'journal:entries': (arg: LedgerQuery) => Promise<LedgerPage>;
  'account:transfer': (arg: TransferRequest) => Promise<TransferResult>;
  /** The embedded horde's owner picks the name others see (alias; the `#id` stays). */
  'account:rename': (arg: { name: string }) => Promise<AccountView>;
}

export type BridgeChannel = keyof BridgeHandlers;
export type BridgeArg<K extends BridgeChannel> = Parameters<BridgeHandlers[K]>[0];
export type BridgeResult<K extends BridgeChannel> = Awaited<ReturnType<BridgeHandlers[K]>>;

/** A change to one of the user's own requests (status polled by the main side). */
export interface RequestUpdate {
  entry: HistoryEntry;
  /** The latest status, when known. */
  text?: TextRequestStatus;
  alchemy?: AlchemyStatus;
}

/**
 * How far this app's own worker is with a job of a request: tokens of a text request's max_length,
 * or the sampler's steps of an image. Only for jobs the in-app worker runs on the embedded horde
 * (the AI Horde's status has no such figure); pushed at most four times a second.
 */
export interface RequestProgress {
  /** The request's id (as requests:status and images:status know it). */
  id: string;
  kind: 'text' | 'image';
  done: number;
  total: number;
  unit: 'tokens' | 'steps';
}

/** Main → renderer pushes. */
export interface BridgeEvents extends ImageEvents {
  'worker:stats': WorkerStats;
  'account:changed': AccountView;
  'request:updated': RequestUpdate;
  'request:progress': RequestProgress;
  'models:download': DownloadProgress;
}

export type BridgeEventName = keyof BridgeEvents;

/** `invoke('app:info')` needs no argument; every other channel takes exactly one. */
export type InvokeArgs<K extends BridgeChannel> = [BridgeArg<K>] extends [void]
  ? [arg?: undefined]
  : [arg: BridgeArg<K>];

/**
 * What the window holds: `window.hordeBridge` in Electron (preload), the HTTP
 * client in a browser. `invoke` rejects with a BridgeError; `listen` returns
 * the unsubscribe.
 */
export interface HordeBridge {
  invoke<K extends BridgeChannel>(channel: K, ...arg: InvokeArgs<K>): ReturnType<BridgeHandlers[K]>;
  listen<E extends BridgeEventName>(event: E, cb: (payload: BridgeEvents[E]) => void): () => void;
}

/** HTTP bridge wire format (serve mode): the answer of POST /bridge/invoke/:channel. */
export type InvokeResponse<T> = { ok: true; result: T } | { ok: false; error: BridgeError };

/** HTTP bridge wire format: one WebSocket message on /bridge/events. */
export interface EventMessage<E extends BridgeEventName = BridgeEventName> {
  event: E;
  payload: BridgeEvents[E];
}
