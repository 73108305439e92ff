/**
 * The shell's last service: starts the services in the utility process (horde, worker, bridge
 * backend) and, stopping first, shuts them down so the worker finishes or reports its job. Plain
 * code (the dialog for a damaged horde database is injected), tested in Node.
 */
import type { ShutdownReport } from '../compose';
import type { MainService } from './service-group';
import type { ServicesClient, ServicesInit } from './services-link';
import type { ShellReaction, ShellState } from './shell-state';

export interface BackendServiceDeps {
  /** The client of the launched services process (read at start: it is launched by then). */
  client: () => ServicesClient;
  init: ServicesInit;
  state: ShellState;
  /** Act on what the first stats mean for the shell (tray, power signals). */
  react: (reaction: ShellReaction) => void;
  /** The services did not start: e.g. ask the user about a damaged horde database. */
  onStartFailed: (err: unknown) => Promise<void>;
  log: { info(message: string): void; error(message: string, err?: unknown): void };
}

export class BackendService implements MainService {
  readonly name = 'backend';
  private up = false;
  /** What the last stop found; `none` before it. */
  report: ShutdownReport = { job: 'none', errors: [] };

  constructor(private readonly deps: BackendServiceDeps) {}

  async start(): Promise<void> {
    const { state, log } = this.deps;
    const client = this.deps.client();
    try {
      await client.start(this.deps.init);
      this.up = true;
      log.info('services started');
      const reaction = state.setStats(await client.handlers['worker:stats']());
      // The account's own balance, over the one the worker last read from the horde.
      const account = await client.handlers['account:get']().catch(() => undefined);
      if (account) state.balance = account.kudos;
      this.deps.react(reaction);
    } catch (err) {
      // The shell stays up (tray, window) and says the worker is not running.
      state.servicesDown = true;
      log.error('the services did not start', err);
      this.deps.react({ tray: true });
      await this.deps.onStartFailed(err);
    }
  }

  async stop(): Promise<void> {
    if (!this.up || this.deps.state.servicesDown) return;
    this.up = false;
    this.report = await this.deps.client().shutdown();
  }
}
