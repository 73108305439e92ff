/**
 * What the worker reports to the UI and what the user sets for its idle
 * policy. Pure types: the Electron main side, the serve bridge and the
 * renderer all read the same shapes. Kudos are integer milli-kudos (`Milli`), as everywhere on
 * the bridge (shared/bridge/kudos.ts): the worker converts the horde's answers once.
 */
import type { Milli } from '../ledger/money';

export type WorkerState =
  | 'stopped'
  | 'waiting_for_idle'
  | 'idle_no_work'
  | 'running'
  | 'paused'
  | 'maintenance'
  | 'no_model'
  | 'error';

/**
 * The control in force, as the Earn screen's buttons and the tray name them: earning now as
 * asked, paused for an hour, automatic (the idle policy decides), or stopped.
 */
export type WorkerMode = 'earn_now' | 'pause_1h' | 'auto' | 'stop';

export interface CurrentJob {
  id: string;
  kind: 'text' | 'alchemy' | 'image';
  /** The model (text) or the form (alchemy) the job runs on. */
  model: string;
  /** 0..1 */
  progress: number;
  tokens: number;
  /** 0 for alchemy jobs. */
  maxTokens: number;
}

export interface AdvertisedCapability {
  /** Text models, offered up to maxLength / maxContextLength. */
  models: string[];
  /** Stable Diffusion models the image worker offers (absent: none). */
  imageModels?: string[];
  maxLength: number;
  maxContextLength: number;
  forms: string[];
}

export interface WorkerStats {
  state: WorkerState;
  /** Why the worker is in this state, in plain words for the user. */
  stateReason: string;
  /** Which control is in force (absent while the worker is still loading). */
  mode?: WorkerMode;
  currentJob?: CurrentJob;
  jobsDone: number;
  jobsFaulted: number;
  /** Measured over recent text jobs (`tokensPerSecondWindow`); 0 before the first text job. */
  tokensPerSecond: number;
  /** The jobs `tokensPerSecond` is measured over (the last few text jobs) and their generation time. */
  tokensPerSecondWindow?: { jobs: number; seconds: number };
  /** The short start-up measurement that sets the advertised limits; not a job, so shown apart. */
  measuredTokensPerSecond?: number;
  kudosThisSession: Milli;
  /** The owner's balance as the horde's user record says (find_user). */
  kudosTotal?: Milli;
  /** Kudos the horde still holds in evaluation for the owner (not spendable yet). */
  evaluatingKudos?: Milli;
  /**
   * Seconds this session the worker was online to the horde, as the app counts it: the time
   * between its check-ins (pops) while they come within the horde's 5 minutes; not the app's run time.
   */
  uptimeSeconds: number;
  /** The horde's own count of this worker's online time, all time (its worker record's `uptime`). */
  hordeUptimeSeconds?: number;
  /** This session's earnings and online time, from the horde's worker records where it has them. */
  session?: SessionFigures;
  /** The horde's maintenance flag for this worker, with the horde's reason when it gives one. */
  maintenance?: { on: boolean; reason?: string };
  advertised: AdvertisedCapability;
  lastError?: string;
  /** The horde's `rc` of the last error, when it gave one: the window explains it in plain words. */
  lastErrorRc?: string;
  /** Which measured signals work on this machine (absent: none measured, e.g. an older worker). */
  signals?: SignalsSupport;
}

/**
 * Earnings and online time over one stated window: this session, from `since` (the worker's start).
 * Source 'horde': the changes of the horde's records of this app's workers since the session's first
 * reading (job and uptime rewards, online time); 'app': before the horde has a record, the app's own
 * count (job rewards as submitted; uptime rewards unknown, so 0).
 */
export interface SessionFigures {
  since: number;
  onlineSeconds: number;
  jobKudos: Milli;
  uptimeKudos: Milli;
  source: 'horde' | 'app';
}

/** 0 = Sunday … 6 = Saturday, as Date.getDay() counts. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/**
 * A weekly window in local time, "HH:MM" 24-hour. A window whose end is not
 * after its start runs past midnight into the next day (22:00–06:00); the
 * days name the day the window starts on.
 */
export interface ScheduleWindow {
  days: Weekday[];
  start: string;
  end: string;
}

export type OverrideMode = 'earn_now' | 'paused';

export interface PolicyOverride {
  mode: OverrideMode;
  /** Epoch ms after which the override no longer applies; none = until changed. */
  until?: number;
}

export interface IdlePolicySettings {
  /** Minutes without keyboard or mouse input before earning starts; 0 = earn whenever allowed. */
  idleMinutes: number;
  onlyOnAC: boolean;
  /** Earn only inside these windows; absent or empty = any time. */
  schedule?: ScheduleWindow[];
  /** Pause while other programs use more than this share of the CPU (0..100). */
  maxCpuPercentOthers?: number;
  pauseWhenFullscreen?: boolean;
  /** Pause while any of these programs runs (matched by executable name, case-insensitive). */
  pausePrograms?: string[];
  override?: PolicyOverride;
  /** Cap on inference threads; absent or 0 = let the engine decide. */
  threads?: number;
  /** On pause, let a running job finish when it will end within `finishGraceSeconds`; otherwise it is reported faulted at once. */
  finishJobBeforePause: boolean;
  /** How long a running job may still take and be finished on pause; default 5 s. */
  finishGraceSeconds?: number;
  /**
   * How long a job may keep running, at low priority and half speed, after the
   * user returns (or another pause); absent or null = until the horde's
   * deadline. A job that cannot end in that time is handed back faulted.
   * Off with `finishJobBeforePause`.
   */
  afterReturnSeconds?: number | null;
}

/** Whether a measured signal works on this platform, and how it is read (or, when not, why). */
export interface SignalSupport {
  available: boolean;
  /** One plain sentence: how the app reads it, or why this platform has no way. */
  how: string;
}

/** The measured signals the idle policy can use here; the Earn screen shows only the available ones. */
export interface SignalsSupport {
  fullscreen: SignalSupport;
  programs: SignalSupport;
  cpu: SignalSupport;
}

/** What the machine is doing, as Electron's powerMonitor (or serve's flags) reports it. */
export interface IdleSignals {
  /** Seconds since the last keyboard or mouse input. */
  idleSeconds: number;
  onBattery: boolean;
  /** A locked screen means nobody is at the keyboard. */
  locked: boolean;
  /** Input since the previous reading. */
  userActive: boolean;
  /** A full-screen program (game, video) is in front. */
  fullscreenApp: boolean;
  /** CPU use of other programs, 0..100. */
  cpuLoadOthers: number;
  /** Executable names of the programs running now. */
  runningPrograms: string[];
}

/** Signals before any reading arrives: a headless machine nobody sits at. */
export const DEFAULT_SIGNALS: IdleSignals = {
  idleSeconds: 0,
  onBattery: false,
  locked: false,
  userActive: false,
  fullscreenApp: false,
  cpuLoadOthers: 0,
  runningPrograms: [],
};

/** Desktop default: earn after 5 idle minutes on AC power, pause for games and videos. */
export const DESKTOP_IDLE_POLICY: IdlePolicySettings = {
  idleMinutes: 5,
  onlyOnAC: true,
  maxCpuPercentOthers: 50,
  pauseWhenFullscreen: true,
  pausePrograms: [],
  finishJobBeforePause: true,
  finishGraceSeconds: 5,
};

/** Serve (headless) default: earn always. */
export const SERVE_IDLE_POLICY: IdlePolicySettings = {
  idleMinutes: 0,
  onlyOnAC: false,
  finishJobBeforePause: true,
  finishGraceSeconds: 5,
};
