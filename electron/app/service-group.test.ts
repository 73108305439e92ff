import { describe, expect, it } from 'vitest';
import type { ServicesClient } from './services-link';
import { BackendService } from './backend-service';
import {
  SHELL_SERVICE_ORDER,
  ServiceGroup,
  shellServices,
  type MainService,
  type ShellServiceName,
} from './service-group';
import { DEFAULT_DESKTOP_SETTINGS } from './desktop-settings';
import { ShellState } from './shell-state';
import { fromKudos } from '../../shared/ledger/money';

function recorder() {
  const events: string[] = [];
  const service = (name: string, fail?: 'start' | 'stop'): MainService => ({
    name,
    start: async () => {
      await new Promise((r) => setTimeout(r, 1));
      if (fail === 'start') throw new Error(`${name} could not start`);
      events.push(`start ${name}`);
    },
    stop: () => {
      if (fail === 'stop') throw new Error(`${name} could not stop`);
      events.push(`stop ${name}`);
    },
  });
  return { events, service };
}

describe('main process services', () => {
  it('start in the shell’s order and stop in the reverse order', async () => {
    const { events, service } = recorder();
    // Built in another order than they start, as main.ts builds them.
    const built = Object.fromEntries(
      [...SHELL_SERVICE_ORDER].reverse().map((name) => [name, service(name)]),
    ) as Record<ShellServiceName, MainService>;
    const group = new ServiceGroup(shellServices(built));
    await group.start();
    await group.stop();
    expect(events).toEqual([
      'start tray',
      'start services-process',
      'start bridge-ipc',
      'start power',
      'start window',
      'start backend',
      // The worker's shutdown comes first, the utility process is killed after the window's
      // bridge is gone, and the tray goes last.
      'stop backend',
      'stop window',
      'stop power',
      'stop bridge-ipc',
      'stop services-process',
      'stop tray',
    ]);
  });

  it('stops what had started when a later service fails to start', async () => {
    const { events, service } = recorder();
    const group = new ServiceGroup([service('a'), service('b'), service('c', 'start'), service('d')]);
    await expect(group.start()).rejects.toThrow('c could not start');
    expect(events).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });

  it('keeps stopping the others when one fails to stop, and stops once', async () => {
    const { events, service } = recorder();
    const failed: string[] = [];
    const group = new ServiceGroup([service('a'), service('b', 'stop'), service('c')], (name) =>
      failed.push(name),
    );
    await group.start();
    await Promise.all([group.stop(), group.stop()]);
    expect(events).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop a']);
    expect(failed).toEqual(['b']);
  });
});

describe('backend service', () => {
  const fakeClient = (over: Partial<ServicesClient> = {}) => {
    const calls: string[] = [];
    const client = {
      start: async () => {
        calls.push('start');
      },
      shutdown: async () => {
        calls.push('shutdown');
        return { job: 'finished' as const, jobId: 'job-3', errors: [] };
      },
      handlers: {
        'worker:stats': async () => ({ state: 'running', kudosTotal: fromKudos(40) }),
        'account:get': async () => ({ kudos: fromKudos(42) }),
      },
      ...over,
    } as unknown as ServicesClient;
    return { client, calls };
  };
  const init = { dataDir: '/tmp/d', version: '0.1.0', inference: true };
  const log = { info: () => {}, error: () => {} };

  it('starts the services, shows their stats in the tray, and shuts them down when it stops', async () => {
    const { client, calls } = fakeClient();
    const state = new ShellState(() => DEFAULT_DESKTOP_SETTINGS);
    const reactions: unknown[] = [];
    const backend = new BackendService({
      client: () => client,
      init,
      state,
      react: (r) => reactions.push(r),
      onStartFailed: async () => {},
      log,
    });
    await backend.start();
    expect(state.trayModel().tooltip).toContain('42');
    expect(reactions).toEqual([{ tray: true, working: true }]);
    await backend.stop();
    expect(calls).toEqual(['start', 'shutdown']);
    expect(backend.report).toEqual({ job: 'finished', jobId: 'job-3', errors: [] });
  });

  it('keeps the shell up when the services do not start, says so in the tray, and asks the user', async () => {
    const damaged = { rc: 'DamagedHordeDatabase', message: 'horde.sqlite is not a database' };
    const { client, calls } = fakeClient({
      start: async () => {
        throw damaged;
      },
    });
    const state = new ShellState(() => DEFAULT_DESKTOP_SETTINGS);
    const asked: unknown[] = [];
    const backend = new BackendService({
      client: () => client,
      init,
      state,
      react: () => {},
      onStartFailed: async (err) => {
        asked.push(err);
      },
      log,
    });
    await backend.start();
    expect(asked).toEqual([damaged]);
    expect(state.trayModel().tooltip).toContain('not running');
    await backend.stop();
    expect(calls).toEqual([]);
    expect(backend.report.job).toBe('none');
  });
});
