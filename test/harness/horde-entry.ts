/**
 * Child-process entry for the reliability tests: starts the embedded horde on
 * the given database, optionally creates users, and prints one JSON line
 * `{"type":"ready", url, verify, users}` on stdout. It runs until killed
 * (SIGKILL in the crash test) or until its stdin closes, so it never outlives
 * the test process.
 *
 * Options come as JSON in HARNESS_HORDE_OPTS (see HordeChildOptions).
 */
import { startHorde } from '../../electron/horde/index';
import type { HordeChildOptions, HordeReady, SetupUser } from './protocol';

function say(msg: object): void {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

/**
 * Options from the environment, or (standby mode) from the first line on stdin: a standby
 * child loads all its code while the previous horde still runs and touches the database
 * only once told to start, which takes the module loading out of the restart time.
 */
function readOptions(): Promise<HordeChildOptions> {
  const raw = process.env.HARNESS_HORDE_OPTS;
  if (raw !== undefined) return Promise.resolve(JSON.parse(raw) as HordeChildOptions);
  return new Promise((resolve) => {
    let buf = '';
    const onData = (chunk: Buffer): void => {
      buf += chunk.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      resolve(JSON.parse(buf.slice(0, nl)) as HordeChildOptions);
    };
    const onEnd = (): void => process.exit(0);
    process.stdin.on('data', onData);
    process.stdin.on('end', onEnd);
  });
}

const loadedAt = performance.now();
const opts = await readOptions();
const optsAt = performance.now();

// The clock is wall time shifted by an offset the test advances between lives, so that
// timeouts and uptime periods can elapse without waiting for them.
const offset = opts.clockOffsetMs ?? 0;
const clock = (): number => Date.now() + offset;

const horde = await startHorde({
  dbPath: opts.dbPath,
  port: opts.port ?? 0,
  ...(opts.host !== undefined ? { host: opts.host } : {}),
  ...(opts.lan !== undefined ? { lan: opts.lan } : {}),
  ...(opts.useClock ? { clock } : {}),
  // Setup users start at 0 and are trusted, so a test's figures are its own awards.
  limits: { startingKudos: 0, ...opts.limits },
  ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
});

const startedAt = performance.now();
const users: SetupUser[] = [];
for (const u of opts.setup?.users ?? []) {
  const created = horde.admin.addUser(u.name, { trusted: true });
  if (u.award > 0) horde.admin.award(created.username, u.award, 'harness setup');
  users.push({ id: created.id, username: created.username, apikey: created.apikey });
}

const owner = opts.owner !== undefined ? horde.admin.ensureOwner(opts.owner) : undefined;

const ready: HordeReady = {
  type: 'ready',
  url: horde.url,
  pid: process.pid,
  verify: opts.verifyOnStart ? horde.admin.verify() : undefined,
  users,
  ...(owner ? { owner: { id: owner.id, username: owner.username, apikey: owner.apikey } } : {}),
  timings: {
    loadMs: Math.round(loadedAt),
    startMs: Math.round(startedAt - optsAt),
    verifyMs: Math.round(performance.now() - startedAt),
  },
};
say(ready);

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await horde.close();
  process.exit(0);
}
process.stdin.on('data', (d: Buffer) => {
  if (d.toString().includes('close')) void shutdown();
});
process.stdin.on('end', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
