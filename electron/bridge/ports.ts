import type {
  HordeMode,
  IdlePolicySettings,
  LocalModel,
  WorkerAction,
  WorkerStats,
} from '../../shared/bridge/contract';
import type { HordeClient } from '../client/horde-client';
import type { UserLedgerLine, UserRequestRow } from '../horde/store/user-ledger';

/**
 * What the handlers need from the worker — the subset of electron/worker's
 * HordeWorker the window drives. Kept here so the bridge does not depend on
 * how the worker is built, and tests pass a fake.
 */
export interface WorkerPort {
  stats(): WorkerStats;
  control(action: WorkerAction): Promise<unknown>;
  leaveMaintenance(): Promise<unknown>;
  onStats(listener: (stats: WorkerStats) => void): () => void;
  setPolicy?(policy: IdlePolicySettings): void;
}

/** The running programs, as the worker's programs probe reads them. */
export interface ProgramsPort {
  readonly support: { available: boolean; how: string };
  read(): Promise<string[]>;
}

/** A job the worker finished, for the journal. */
export interface EarnedJob {
  /** The horde's job id. */
  id: string;
  /** Kudos the horde said the job earned (submit's `reward`). */
  reward: number;
  kind?: 'text' | 'alchemy' | 'image';
  model?: string;
  at?: number;
}

/** The models folder as the Earn screen lists it. */
export interface LocalModelsPort {
  list(): Promise<LocalModel[]>;
}

/** The horde this run talks to. */
export interface HordeConnection {
  /** Which horde, as the history and the intents name it: 'embedded' or the URL. */
  slot: string;
  mode: HordeMode;
  /** The API root (before /v2). */
  url: string;
  /** The client with the key in use (the user's key, else the embedded owner's, else anonymous). */
  client: HordeClient;
  /** A client with another key, to check a key before saving it. */
  clientWithKey(apiKey: string): HordeClient;
}

export interface Logger {
  warn(message: string, err?: unknown): void;
}

/** One kudos change on the user's account, as the embedded horde's ledger holds it. */
export type LedgerLine = UserLedgerLine;

/**
 * The horde's own record of the user's kudos changes. Only the embedded
 * horde has one (the public AI Horde keeps no per-user event list).
 */
export interface LedgerFeed {
  /** Changes on this user's account after ledger position `afterSeq`, oldest first, at most `limit`. */
  read(userId: number, afterSeq: number, limit: number): LedgerLine[];
  /** The user's requests created since `since` (ms): how a request whose answer a crash cut is found. */
  requestsSince?(userId: number, since: number): UserRequestRow[];
}
