/**
 * The Electron main process as a handful of small services, each with one start and one stop,
 * constructed with what it needs (main.ts only wires them). Plain code: no 'electron' import, so
 * the order is tested in Node.
 */

export interface MainService {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/**
 * Starts services one after another in the order given and stops them in the reverse order: a
 * service may use the ones started before it, so it stops before them. A start that throws stops
 * the ones already started (in reverse) and rethrows; a stop that throws is reported and the
 * others still stop.
 */
export class ServiceGroup {
  private readonly started: MainService[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly services: readonly MainService[],
    private readonly onStopError: (name: string, err: unknown) => void = () => {},
  ) {}

  async start(): Promise<void> {
    for (const service of this.services) {
      try {
        await service.start();
      } catch (err) {
        await this.stop();
        throw err;
      }
      this.started.push(service);
    }
  }

  /** Stops what started, last first; a second call waits for the first. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const service of this.started.splice(0).reverse()) {
        try {
          await service.stop();
        } catch (err) {
          this.onStopError(service.name, err);
        }
      }
    })();
    return this.stopping;
  }
}

/**
 * The desktop shell's services, in start order:
 * - `tray` first, so a failure later still leaves the user something to click;
 * - `services-process` forks the utility process (horde, worker, bridge backend) and lends it the
 *   hidden WebGPU windows; it stops after everything that talks to it;
 * - `bridge-ipc` answers the window's calls by forwarding them to that process, and sends its
 *   events to the window and the tray;
 * - `power` feeds idle and power signals to the worker;
 * - `window` opens the main window (unless launched hidden at login), which may call the bridge at
 *   once: calls made before the services are up wait for them;
 * - `backend` starts the services in that process last and, stopping first, shuts them down (the
 *   worker finishes or reports its job) before anything under it goes.
 */
export const SHELL_SERVICE_ORDER = [
  'tray',
  'services-process',
  'bridge-ipc',
  'power',
  'window',
  'backend',
] as const;

export type ShellServiceName = (typeof SHELL_SERVICE_ORDER)[number];

/** The shell's services in SHELL_SERVICE_ORDER, whatever order they were built in. */
export function shellServices(services: Record<ShellServiceName, MainService>): MainService[] {
  return SHELL_SERVICE_ORDER.map((name) => services[name]);
}
