import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PowerSignalAdapter, type PowerEvent, type PowerSource } from '../../electron/app/power-signals';
import { RpcPeer, type RpcPort } from '../../electron/app/rpc';
import { connectServices, serveServices, type ServicesClient } from '../../electron/app/services-link';
import { MemorySecretStore } from '../../electron/bridge/secret-store';
import { composeServices } from '../../electron/compose';
import type {
  GenerateOptions,
  TextEngine,
  TextGenParams,
  TextGenResult,
} from '../../electron/worker/engines/types';
import type { WorkerStats } from '../../shared/worker/stats';

// Sleep and wake through the desktop app's services, as main drives them: a fake powerMonitor
// feeds the real PowerSignalAdapter, whose sink is the RPC client main uses; across the link the
// real composition root runs the embedded horde and the worker. The text engine is a slow stand-in
// (20 tokens/s) so a job is still running when the machine goes to sleep.
const FIXTURE = resolve(import.meta.dirname, '../fixtures/models/tiny-gpt2');

class SlowEngine implements TextEngine {
  readonly backend = 'cpu' as const;
  constructor(readonly modelName: string) {}
  async generate(params: TextGenParams, options: GenerateOptions = {}): Promise<TextGenResult> {
    const started = Date.now();
    const ids: number[] = [];
    for (let i = 0; i < params.maxNewTokens; i++) {
      if (options.signal?.aborted)
        return {
          text: '',
          tokenIds: ids,
          seed: params.seed,
          finishReason: 'aborted',
          millis: Date.now() - started,
        };
      await new Promise((r) => setTimeout(r, 50));
      ids.push(i);
      options.onToken?.(ids.length, params.maxNewTokens);
    }
    const text = ids.map((i) => ` w${i}`).join('');
    return { text, tokenIds: ids, seed: params.seed, finishReason: 'length', millis: Date.now() - started };
  }
  async dispose(): Promise<void> {}
}

class FakePowerMonitor implements PowerSource {
  private readonly listeners = new Map<PowerEvent, Set<() => void>>();
  getSystemIdleTime() {
    return 3600; // nobody at the keyboard for an hour
  }
  isOnBatteryPower() {
    return false;
  }
  on(event: PowerEvent, l: () => void) {
    this.listeners.set(event, (this.listeners.get(event) ?? new Set()).add(l));
  }
  off(event: PowerEvent, l: () => void) {
    this.listeners.get(event)?.delete(l);
  }
  emit(event: PowerEvent) {
    for (const l of this.listeners.get(event) ?? []) l();
  }
}

function wrap(port: MessagePort): RpcPort {
  return {
    postMessage: (m) => port.postMessage(m),
    onMessage: (listener) => {
      const l = (m: unknown) => listener(m);
      port.on('message', l);
      return () => port.off('message', l);
    },
  };
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sleep and wake through the services', () => {
  let dataDir: string;
  let channel: MessageChannel;
  let client: ServicesClient;
  let power: PowerSignalAdapter;
  const machine = new FakePowerMonitor();
  let latest: WorkerStats | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sleep-wake-'));
    const models = join(dataDir, 'models');
    await mkdir(models);
    await symlink(FIXTURE, join(models, 'tiny-gpt2'), 'dir');
    // The desktop policy, without the CPU bound: this shared test machine is never quiet.
    await writeFile(
      join(dataDir, 'settings.json'),
      JSON.stringify({
        modelsDir: models,
        idle: {
          idleMinutes: 5,
          onlyOnAC: true,
          maxCpuPercentOthers: 100,
          pauseWhenFullscreen: false,
          finishJobBeforePause: true,
        },
      }),
    );
    channel = new MessageChannel();
    serveServices(new RpcPeer(wrap(channel.port2)), ({ init, secrets, log }) =>
      composeServices({
        shell: 'electron',
        dataDir: init.dataDir,
        version: init.version,
        secrets,
        log,
        idleSignals: true,
        loadText: () => async (model) => ({ engine: new SlowEngine(model.name) }),
      }),
    );
    client = connectServices(new RpcPeer(wrap(channel.port1)), {
      secrets: new MemorySecretStore(),
      log: () => {},
    });
    client.onEvent((m) => {
      if (m.event === 'worker:stats') latest = m.payload as WorkerStats;
    });
    await client.start({ dataDir, version: '0.1.0-test', inference: false });
    power = new PowerSignalAdapter({
      source: machine,
      sink: {
        setSignals: (s) => client.setSignals(s),
        reconnect: () => client.reconnect(),
        suspend: () => client.suspend(),
      },
    });
    power.start();
  }, 120_000);

  afterAll(async () => {
    power?.stop();
    await client?.shutdown();
    channel?.port1.close();
    channel?.port2.close();
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('hands the running job back when the machine sleeps, and serves it after waking', async () => {
    await until('the worker earning', () =>
      latest?.state === 'idle_no_work' || latest?.state === 'running' ? latest : undefined,
    );
    const submitted = await client.handlers['requests:submitText']({
      prompt: 'A long story about a sleepy laptop',
      models: [],
      params: { max_length: 160, max_context_length: 256 },
    });
    const job = await until('the job running', () =>
      latest?.currentJob && latest.currentJob.tokens >= 10 ? latest.currentJob : undefined,
    );
    const faultedBefore = latest!.jobsFaulted;

    machine.emit('suspend');
    // 150 tokens left at 20 tokens/s: too long to finish before sleep, so it goes back to the horde.
    await until('the job handed back', () => (latest!.jobsFaulted > faultedBefore ? latest : undefined));
    expect(latest).toMatchObject({ state: 'paused', stateReason: 'The computer is going to sleep' });
    expect(latest!.currentJob).toBeUndefined();
    const asleep = await client.handlers['requests:status']({ id: submitted.id });
    expect(asleep).toMatchObject({ state: 'waiting', processing: 0, waiting: 1, finished: 0 });

    machine.emit('resume');
    const done = await until(
      'the request done after waking',
      async () => {
        const s = await client.handlers['requests:status']({ id: submitted.id });
        return s.state === 'done' ? s : undefined;
      },
      90_000,
    );
    expect(done.generations[0]?.text).toContain(' w159');
    expect(job.id).toBeTruthy();
  }, 180_000);
});
