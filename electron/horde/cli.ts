/**
 * The embedded horde on its own, for a LAN horde or administration:
 *
 *   npm run horde -- --db PATH [--port 7001] [--host H] [--lan]   serve
 *   npm run horde -- --db PATH user add NAME                      → {"id","username","apikey"}
 *   npm run horde -- --db PATH kudos award NAME#ID AMOUNT --reason TEXT
 *   npm run horde -- --db PATH verify                             exit 1 on differences
 *   npm run horde -- --db PATH user add NAME --trusted            trusted from the start
 *   npm run horde -- --db PATH user trust NAME#ID                 release what is held in evaluation
 *   npm run horde -- --db PATH flags list [--all]                 flags with their reasons
 *   npm run horde -- --db PATH flags clear ID                     clear one flag
 *   npm run horde -- --db PATH backup [--keep 5]                  an online backup now, into PATH.backups/
 *   npm run horde -- --db PATH backups                            the backups, newest first
 *   npm run horde -- --db PATH restore [FILE]                     put a backup back (the newest without FILE);
 *                                                                 stop the horde first
 *   npm run horde -- --db PATH --if-damaged restore|new           serve even when PATH is empty or damaged:
 *                                                                 from the newest backup, or a new horde
 *
 * The horde refuses to start on an empty or damaged database it did not just create; the old
 * file is always kept beside, renamed.
 *
 * Admin commands are safe while a server uses the same file (SQLite WAL with
 * a busy timeout). Each prints JSON on stdout.
 */
import { Command, InvalidArgumentError } from 'commander';
import {
  backupHordeFile,
  listHordeBackups,
  openHordeAdmin,
  restoreHordeBackup,
  startHorde,
  type DamagedDatabaseChoice,
  type HordeLimits,
} from './index';

const DEFAULT_PORT = 7001;

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is 0..65535');
  return n;
}

function kudos(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n === 0) throw new InvalidArgumentError('a non-zero number of kudos');
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number, 0 or more');
  return n;
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

interface GlobalOptions {
  db?: string;
  port: number;
  host?: string;
  lan?: boolean;
  kudosCap?: number;
  startingKudos?: number;
  ifDamaged?: DamagedDatabaseChoice;
}

function damagedChoice(value: string): DamagedDatabaseChoice {
  if (value !== 'restore' && value !== 'new') throw new InvalidArgumentError('restore or new');
  return value;
}

const program = new Command('horde')
  .description('Horde Desktop embedded horde: AI Horde API v2 with a SQLite kudos ledger')
  .option('--db <path>', 'SQLite database file (created if missing)')
  .option('--port <port>', 'port to listen on (0 = any free port)', port, DEFAULT_PORT)
  .option('--host <host>', 'address to bind (default 127.0.0.1; with --lan 0.0.0.0)')
  .option('--lan', 'serve the local network: only registered users may use it from other machines')
  .option('--kudos-cap <kudos>', 'most kudos one user may hold (0 = no cap; default 100000)', count)
  .option('--starting-kudos <kudos>', 'kudos a new registered user starts with (default 25)', count)
  .option(
    '--if-damaged <choice>',
    'when the database is empty or damaged: restore (the newest backup) or new (a new horde); the old file is kept',
    damagedChoice,
  )
  .showHelpAfterError();

function dbPath(): string {
  const db = program.opts<GlobalOptions>().db;
  return db ?? program.error('--db PATH is required');
}

/** The limits the global options set (cap, starting kudos). */
function limitOptions(): Partial<HordeLimits> {
  const o = program.opts<GlobalOptions>();
  return {
    ...(o.kudosCap !== undefined ? { userKudosCap: o.kudosCap === 0 ? undefined : o.kudosCap } : {}),
    ...(o.startingKudos !== undefined ? { startingKudos: o.startingKudos } : {}),
  };
}

/** Runs `fn` against the admin interface on the database, closing it after. */
function withAdmin<T>(fn: (admin: ReturnType<typeof openHordeAdmin>['admin']) => T): T {
  const store = openHordeAdmin(dbPath(), Date.now, limitOptions());
  try {
    return fn(store.admin);
  } finally {
    store.close();
  }
}

program.action(async () => {
  const o = program.opts<GlobalOptions>();
  const horde = await startHorde({
    dbPath: dbPath(),
    port: o.port,
    ...(o.host !== undefined ? { host: o.host } : {}),
    ...(o.lan ? { lan: true } : {}),
    limits: limitOptions(),
    logger: false,
    ...(o.ifDamaged ? { ifDamaged: o.ifDamaged } : {}),
  });
  print({ url: horde.url });
  const stop = (): void => {
    void horde.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
});

const user = program.command('user').description('users of this horde');
user
  .command('add')
  .argument('<name>', 'the alias; the username becomes NAME#id')
  .option('--trusted', 'trusted from the start: nothing held in evaluation')
  .description('create a user with the starting kudos and print its API key (shown only now)')
  .action((name: string, opts: { trusted?: boolean }) => {
    print(withAdmin((admin) => admin.addUser(name, opts.trusted ? { trusted: true } : {})));
  });
user
  .command('trust')
  .argument('<username>', 'NAME#ID')
  .description('trust a user now: what they hold in evaluation becomes spendable')
  .action((username: string) => {
    withAdmin((admin) => admin.trust(username));
    print({ username, trusted: true });
  });

const flagsCmd = program.command('flags').description('suspicious activity the horde flagged');
flagsCmd
  .command('list')
  .option('--all', 'cleared flags too')
  .description('flags with user, reason and time')
  .action((opts: { all?: boolean }) => {
    print(withAdmin((admin) => admin.flags(opts.all ? { all: true } : {})));
  });
flagsCmd
  .command('clear')
  .argument('<id>', 'the flag id from `flags list`', count)
  .description('clear one flag; the user is unflagged when none is left')
  .action((id: number) => {
    const cleared = withAdmin((admin) => admin.clearFlag(id));
    if (!cleared) {
      process.stderr.write(`no open flag ${id}\n`);
      process.exitCode = 1;
      return;
    }
    print(cleared);
  });

const kudosCmd = program.command('kudos').description('the kudos ledger');
kudosCmd
  .command('award')
  .argument('<username>', 'NAME#ID')
  .argument('<amount>', 'kudos (negative for a correction)', kudos)
  .requiredOption('--reason <text>', 'why, recorded in the ledger')
  .description('award kudos as the admin: one balanced ledger event')
  .action((username: string, amount: number, opts: { reason: string }) => {
    withAdmin((admin) => admin.award(username, amount, opts.reason));
    print({ username, awarded: amount, reason: opts.reason });
  });

program
  .command('verify')
  .description(
    'rebuild every balance from the ledger events; exit 1 if any differs or kudos are not conserved',
  )
  .action(() => {
    const report = withAdmin((admin) => admin.verify());
    print(report);
    if (!report.ok) process.exitCode = 1;
  });

program
  .command('backup')
  .option('--keep <n>', 'how many backups to keep (default 5)', count)
  .description('take an online backup now into DB.backups/ (safe while the horde serves)')
  .action(async (opts: { keep?: number }) => {
    print(await backupHordeFile(dbPath(), opts.keep));
  });

program
  .command('backups')
  .description('the backups of this database, newest first')
  .action(() => {
    print(listHordeBackups(dbPath()));
  });

program
  .command('restore')
  .argument('[file]', 'the backup to put back (default: the newest)')
  .description('put a backup back as the database; stop the horde first. The current file is kept, renamed')
  .action(async (file?: string) => {
    print(await restoreHordeBackup(dbPath(), file));
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
