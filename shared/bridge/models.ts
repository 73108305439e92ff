/**
 * The bridge's shapes for the Models screen and the first-run chooser: catalog
 * entries as this machine sees them, downloads in progress, installed models.
 */
import type { CatalogEntry } from '../catalog/schema';
import type { Earning } from '../catalog/earnings';

export type DownloadErrorCode =
  | 'NoNetwork' // the hub could not be reached
  | 'NotFound' // no such repo, revision or file on the hub
  | 'Unauthorized' // gated or private: a hub token is needed, or the one set is refused
  | 'DiskFull' // not enough free space, before or during the download
  | 'Checksum' // a file's bytes do not match the hub's hash, even after fetching it again
  | 'Cancelled'
  | 'HubError'; // any other answer from the hub

export interface DownloadFailure {
  code: DownloadErrorCode;
  message: string;
  hint?: string;
}

export type DownloadState = 'checking' | 'downloading' | 'verifying' | 'done' | 'error' | 'cancelled';

export interface DownloadProgress {
  /** The catalog entry's id. */
  id: string;
  repo: string;
  state: DownloadState;
  bytesDone: number;
  bytesTotal: number;
  /** Over the last few seconds. */
  bytesPerSecond: number;
  /** null while the speed is not known yet. */
  secondsLeft: number | null;
  /** The file being fetched now. */
  file?: string;
  /** Bytes already on disk from an earlier, interrupted download. */
  resumedFromBytes: number;
  /** Bytes fetched a second time (a file that failed its checksum, or a resume the hub refused). */
  refetchedBytes: number;
  error?: DownloadFailure;
}

export interface MachineView {
  memoryMb: number;
  diskFreeMb: number;
  gpu: boolean;
  /** Where downloads go (the models folder, in the Hugging Face cache layout). */
  modelsDir: string;
}

export interface CatalogItem {
  entry: CatalogEntry;
  fits: { ok: boolean; reason?: string };
  earning: Earning;
  installed: boolean;
  download?: DownloadProgress;
}

export interface CatalogView {
  machine: MachineView;
  horde: 'embedded' | 'public' | 'custom';
  items: CatalogItem[];
}

export interface InstalledModel {
  /** The name the scan gives it (folder name, or org/name for the hub cache). */
  name: string;
  path: string;
  kind: 'text' | 'alchemy' | 'image';
  forms: string[];
  sizeBytes: number;
  /** catalog: downloaded from the catalog; hub-cache: another hub download; folder: a folder in the models folder; linked: a folder elsewhere the user added. */
  source: 'catalog' | 'hub-cache' | 'folder' | 'linked';
  /** The catalog entry it came from, when it did. */
  catalogId?: string;
  /** What it goes out under on the horde: a reference name (catalog or confirmed) or its own name. */
  advertisedAs: string[];
  /** True when those are names the horde knows for these weights (catalog entry or a confirmed folder). */
  honestName: boolean;
  inUse: boolean;
}

export interface RecheckResult {
  name: string;
  filesChecked: number;
  /** Files whose bytes did not match their hash; they were removed (download again to repair). */
  damaged: string[];
  note?: string;
}

/** What each kind of work earns on the horde this run talks to, with the horde's own figures where it gives them. */
export interface EarningsView {
  horde: 'embedded' | 'public' | 'custom';
  kinds: { kind: CatalogEntry['kind']; level: Earning['level']; why: string }[];
  /** From the horde's /v2/status/performance; null when it could not be read. */
  figures: {
    queuedTextRequests?: number;
    textWorkers?: number;
    queuedImageRequests?: number;
    imageWorkers?: number;
    queuedForms?: number;
    alchemists?: number;
  } | null;
}
