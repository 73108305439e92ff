/** What the test process and the horde child (horde-entry.ts) say to each other. */

export interface SetupUser {
  id: number;
  username: string;
  apikey: string;
}

export interface HordeChildOptions {
  dbPath: string;
  port?: number;
  host?: string;
  lan?: boolean;
  /** Pass a clock (wall time + clockOffsetMs) to the horde. */
  useClock?: boolean;
  clockOffsetMs?: number;
  /** Fastify's request log on stdout (the access test reads it for leaked keys and prompts). */
  logger?: boolean;
  /** Overrides of the horde's limits (rate limits, sizes, timeouts). */
  limits?: Record<string, number>;
  /** Run the horde's own verify() before reporting ready. */
  verifyOnStart?: boolean;
  /** Create (or find) the app's owner account with this name, as the app does on start. */
  owner?: string;
  /** Users to create (and award kudos to) before reporting ready. */
  setup?: { users: { name: string; award: number }[] };
}

export interface VerifyResult {
  ok: boolean;
  differences: unknown[];
}

export interface HordeReady {
  type: 'ready';
  url: string;
  pid: number;
  verify: VerifyResult | undefined;
  users: SetupUser[];
  owner?: SetupUser;
  /** Where the child's time went: loading code, opening and listening, verify. */
  timings: { loadMs: number; startMs: number; verifyMs: number };
}
