import { afterEach, describe, expect, it } from 'vitest';
import {
  DESKTOP_IDLE_POLICY,
  SERVE_IDLE_POLICY,
  type IdlePolicySettings,
  type WorkerStats,
} from '../../shared/worker/stats';
import {
  EMPTY_TEXT_POP,
  FakeAlchemyEngine,
  FakeClock,
  FakeHorde,
  FakeTextEngine,
  textJob,
  type Call,
  type Reply,
} from './fakes';
import { HordeWorker, type JobDone } from './worker';
import { fromKudos } from '../../shared/ledger/money';

const POP = '/v2/generate/text/pop';
const SUBMIT = '/v2/generate/text/submit';
const LIMITS = { maxLength: 512, maxContextLength: 2048 };

let running: HordeWorker[] = [];
afterEach(async () => {
  // Workers left running by a failed test would keep their loops alive.
  for (const w of running) void w.stop();
  running = [];
});

interface Setup {
  clock: FakeClock;
  horde: FakeHorde;
  engine: FakeTextEngine;
  worker: HordeWorker;
  done: JobDone[];
  states: WorkerStats['state'][];
}

/** A worker against a scripted horde; `route` answers the calls the default does not. */
function setup(
  route: (call: Call, n: number) => Reply | undefined,
  opts: Partial<ConstructorParameters<typeof HordeWorker>[0]> = {},
): Setup {
  const clock = new FakeClock();
  const perRoute = new Map<string, number>();
  const horde = new FakeHorde(clock, (call) => {
    const n = (perRoute.get(call.route) ?? 0) + 1;
    perRoute.set(call.route, n);
    const reply = route(call, n);
    if (reply) return reply;
    if (call.route === POP) return { status: 200, json: EMPTY_TEXT_POP };
    if (call.route.endsWith('/submit')) return { status: 200, json: { reward: 10 } };
    if (call.route === '/v2/find_user')
      return { status: 200, json: { kudos: 1234, evaluating_kudos: 56, worker_ids: ['w1'] } };
    if (call.route === '/v2/workers/w1')
      return { status: 200, json: { id: 'w1', name: 'test-worker', maintenance_mode: false } };
    return { status: 404, json: { message: 'no such route', rc: 'NotFound' } };
  });
  const engine = new FakeTextEngine(clock);
  const worker = new HordeWorker({
    hordeUrl: horde.url,
    apiKey: 'key',
    name: 'test-worker',
    textEngine: engine,
    limits: LIMITS,
    fetch: horde.fetch,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...opts,
  });
  running.push(worker);
  const done: JobDone[] = [];
  const states: WorkerStats['state'][] = [];
  worker.onJobDone((j) => done.push(j));
  worker.onStats((s) => {
    if (states.at(-1) !== s.state) states.push(s.state);
  });
  return { clock, horde, engine, worker, done, states };
}

describe('HordeWorker loop', () => {
  it('pops with its name, model and limits, runs the job and submits generation and seed', async () => {
    const t = setup((call, n) =>
      call.route === POP && n === 1 ? { status: 200, json: textJob('job-1', 30) } : undefined,
    );
    t.worker.start();
    await t.clock.runUntil(() => t.done.length === 1);

    const pop = t.horde.calls.find((c) => c.route === POP)!.body as Record<string, unknown>;
    expect(pop).toMatchObject({
      name: 'test-worker',
      models: ['tiny-gpt2'],
      max_length: 512,
      max_context_length: 2048,
      threads: 1,
      amount: 1,
    });
    expect(pop.bridge_agent).toMatch(/^horde-desktop:\d+\.\d+\.\d+:https?:\/\//);

    const [submit] = t.horde.submits();
    expect(submit).toMatchObject({ id: 'job-1', state: 'ok', generation: expect.stringContaining(' t29') });
    expect(submit!.seed).toBe(t.engine.calls[0]!.seed);
    expect(t.engine.calls[0]).toMatchObject({
      prompt: 'Once upon a time',
      maxNewTokens: 30,
      maxContextLength: 1024 - 30,
    });
    expect(t.done[0]).toEqual({
      id: 'job-1',
      kind: 'text',
      state: 'ok',
      reward: 10,
      model: 'tiny-gpt2',
      tokens: 30,
    });

    await t.clock.runUntil(() => t.worker.stats().kudosTotal !== undefined);
    const stats = t.worker.stats();
    expect(stats).toMatchObject({
      jobsDone: 1,
      jobsFaulted: 0,
      kudosThisSession: fromKudos(10),
      kudosTotal: fromKudos(1234),
      evaluatingKudos: fromKudos(56),
    });
    expect(stats.tokensPerSecond).toBeCloseTo(10, 5); // 100 ms per token on the fake clock
    expect(stats.maintenance).toEqual({ on: false });
    expect(t.states).toContain('running');

    await t.worker.stop();
    expect(t.worker.stats().state).toBe('stopped');
  });

  it('hands in a generation with NUL characters without them, since the horde refuses NUL bytes', async () => {
    const t = setup((call, n) =>
      call.route === POP && n === 1 ? { status: 200, json: textJob('job-nul', 3) } : undefined,
    );
    t.engine.tokenText = (i) => (i === 1 ? '\u0000b\u0000' : String.fromCharCode(97 + i));
    t.worker.start();
    await t.clock.runUntil(() => t.done.length === 1);

    const [submit] = t.horde.submits();
    expect(submit).toMatchObject({ id: 'job-nul', state: 'ok', generation: 'abc' });
    expect(t.done[0]).toMatchObject({ id: 'job-nul', state: 'ok', reward: 10 });
  });

  it('backs off on 500s, timeouts, network errors and 429, then picks up work by itself', async () => {
    const outageEnd = { at: 0 };
    const t = setup((call) => {
      if (call.route !== POP) return undefined;
      const since = call.at - t0;
      if (since < 3 * 60_000) return { status: 500, json: { message: 'boom', rc: 'InternalServerError' } };
      if (since < 6 * 60_000) return { throws: new DOMException('The operation timed out.', 'TimeoutError') };
      if (since < 8 * 60_000) return { throws: new TypeError('fetch failed') };
      if (since < 10 * 60_000)
        return {
          status: 429,
          headers: { 'Retry-After': '20' },
          json: { message: 'slow down', rc: 'TooManyRequests' },
        };
      outageEnd.at = outageEnd.at || call.at;
      return { status: 200, json: textJob('after-outage', 5) };
    });
    const t0 = t.clock.now();
    t.worker.start();
    await t.clock.runUntil(() => t.states.includes('error'));
    expect(t.worker.stats().lastError).toContain('boom');

    await t.clock.runUntil(() => t.done.length > 0, 20 * 60_000);
    // 10 minutes of outage: exponential back-off capped at 60 s, plus 20 s Retry-After for the 429s.
    const outagePops = t.horde.count(POP) - 1;
    expect(outagePops).toBeGreaterThan(5);
    expect(outagePops).toBeLessThanOrEqual(35);
    // The horde came back at 10 min; the worker asked again within the largest wait.
    expect(outageEnd.at - t0).toBeLessThanOrEqual(10 * 60_000 + 60_000);
    expect(t.done[0]).toMatchObject({ id: 'after-outage', state: 'ok' });
    const failed = t.horde.calls.filter((c) => c.route === POP && c.at < outageEnd.at);
    const gaps = failed.slice(1).map((c, i) => c.at - failed[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
  });

  it('waits between empty pops instead of spinning', async () => {
    const t = setup(() => undefined);
    t.worker.start();
    await t.clock.advance(60_000);
    expect(t.worker.stats().state).toBe('idle_no_work');
    // Empty-queue back-off grows from ~1 s to a 5 s cap: at most a few dozen pops a minute.
    expect(t.horde.count(POP)).toBeLessThanOrEqual(20);
    expect(t.horde.count(POP)).toBeGreaterThanOrEqual(10);
  });

  it('reports malformed pop answers, hands readable ids back faulted, and carries on', async () => {
    const bad: Reply[] = [
      { status: 200, text: '<html>proxy error</html>' },
      {
        status: 200,
        json: { id: 'bad-payload', ids: ['bad-payload'], payload: { prompt: 5, max_length: 'x' } },
      },
      { status: 200, json: [1, 2, 3] },
      { status: 200, json: { id: 'no-payload', ids: ['no-payload'] } },
      { status: 200, json: null },
    ];
    const t = setup((call, n) => {
      if (call.route !== POP) return undefined;
      return bad[n - 1] ?? (n === bad.length + 1 ? { status: 200, json: textJob('good', 3) } : undefined);
    });
    t.worker.start();
    await t.clock.runUntil(() => t.done.some((d) => d.id === 'good'));
    const submits = t.horde.submits();
    expect(submits.filter((s) => s.state === 'faulted').map((s) => s.id)).toEqual([
      'bad-payload',
      'no-payload',
    ]);
    expect(submits.find((s) => s.id === 'good')?.state).toBe('ok');
    const stats = t.worker.stats();
    expect(stats.jobsDone).toBe(1);
    expect(stats.jobsFaulted).toBeGreaterThanOrEqual(2);
    expect(t.engine.calls).toHaveLength(1);
  });

  it('reports an engine failure as a faulted job', async () => {
    const t = setup((call, n) =>
      call.route === POP && n === 1 ? { status: 200, json: textJob('boom', 5) } : undefined,
    );
    t.engine.failWith = new Error('out of memory');
    t.worker.start();
    await t.clock.runUntil(() => t.done.length === 1);
    expect(t.horde.submits()[0]).toMatchObject({ id: 'boom', state: 'faulted' });
    expect(t.worker.stats().lastError).toContain('out of memory');
  });

  it('retries a submit that fails for a while, within the job time limit', async () => {
    const t = setup((call, n) => {
      if (call.route === POP && n === 1) return { status: 200, json: textJob('retry', 5) };
      if (call.route === SUBMIT && n <= 2)
        return { status: 503, json: { message: 'busy', rc: 'InternalServerError' } };
      return undefined;
    });
    t.worker.start();
    await t.clock.runUntil(() => t.done.length === 1);
    expect(t.horde.count(SUBMIT)).toBe(3);
    expect(t.done[0]).toMatchObject({ id: 'retry', state: 'ok', reward: 10 });
  });
});

describe('pausing', () => {
  it('a pause mid-job that cannot meet the deadline even slowed stops inference within 1 s, submits it faulted and stops popping', async () => {
    // 3000 tokens at 10/s: 300 s at full speed, past the horde's 150 s whatever the pace.
    const t = setup((call, n) =>
      call.route === POP && n === 1 ? { status: 200, json: textJob('long', 3000) } : undefined,
    );
    let pausedAt = 0;
    let during: WorkerStats | undefined;
    t.engine.onTokenHook = (n) => {
      if (n === 20) {
        during = t.worker.stats();
        pausedAt = t.clock.now();
        t.worker.pause('Paused by you');
      }
    };
    t.worker.start();
    await t.clock.runUntil(() => t.done.length === 1);
    expect(during).toMatchObject({
      state: 'running',
      currentJob: { id: 'long', kind: 'text', model: 'tiny-gpt2', tokens: 20, maxTokens: 3000 },
    });
    expect(during?.currentJob?.progress).toBeCloseTo(20 / 3000, 5);
    expect(t.engine.abortSeenAt! - pausedAt).toBeLessThanOrEqual(1000);
    expect(t.horde.submits()).toEqual([expect.objectContaining({ id: 'long', state: 'faulted' })]);
    expect(t.worker.stats().currentJob).toBeUndefined();
    expect(t.worker.stats()).toMatchObject({ state: 'paused', stateReason: 'Paused by you', jobsFaulted: 1 });

    const pops = t.horde.count(POP);
    await t.clock.advance(5 * 60_000);
    expect(t.horde.count(POP)).toBe(pops);

    t.worker.resume();
    await t.clock.advance(2_000);
    expect(t.horde.count(POP)).toBeGreaterThan(pops);
  });

  it('finishes a job that will end within the grace time, then pauses', async () => {
    const t = setup((call, n) =>
      call.route === POP && n === 1 ? { status: 200, json: textJob('nearly', 100) } : undefined,
    );
    t.engine.onTokenHook = (n) => {
      if (n === 80) t.worker.pause(); // 20 tokens at 10/s = 2 s left, within 5 s
    };
    t.worker.start();
    await t.clock.runUntil(() => t.done.length === 1);
    expect(t.engine.abortSeenAt).toBeUndefined();
    expect(t.done[0]).toMatchObject({ id: 'nearly', state: 'ok', tokens: 100 });
    await t.clock.advance(1_000);
    expect(t.worker.stats().state).toBe('paused');
  });

  it('with finishJobBeforePause off, stops even a nearly finished job', async () => {
    const t = setup(
      (call, n) =>
        call.route === POP && n === 1 ? { status: 200, json: textJob('nearly', 100) } : undefined,
      {
        policy: { ...SERVE_IDLE_POLICY, finishJobBeforePause: false },
      },
    );
    t.engine.onTokenHook = (n) => {
      if (n === 95) t.worker.pause();
    };
    t.worker.start();
    await t.clock.runUntil(() => t.done.length === 1);
    expect(t.done[0]).toMatchObject({ id: 'nearly', state: 'faulted' });
  });

  it('stop() mid-job reports the job and resolves', async () => {
    const t = setup((call, n) =>
      call.route === POP && n === 1 ? { status: 200, json: textJob('stopped', 300) } : undefined,
    );
    let stopped: Promise<void> | undefined;
    t.engine.onTokenHook = (n) => {
      if (n === 10) stopped = t.worker.stop();
    };
    t.worker.start();
    await t.clock.runUntil(() => stopped !== undefined && t.done.length === 1);
    await t.clock.runUntil(() => t.worker.stats().state === 'stopped');
    await stopped;
    expect(t.done[0]).toMatchObject({ id: 'stopped', state: 'faulted' });
  });

  it('follows the idle policy: waits for idle, earns, and pauses the running job when the user returns', async () => {
    // 3000 tokens cannot end before the deadline, even slowed: the return stops it.
    const t = setup(
      (call, n) =>
        call.route === POP && n === 1 ? { status: 200, json: textJob('idle-job', 3000) } : undefined,
      {
        policy: DESKTOP_IDLE_POLICY,
      },
    );
    t.worker.setSignals({ idleSeconds: 10 });
    t.worker.start();
    await t.clock.advance(30_000);
    expect(t.worker.stats().state).toBe('waiting_for_idle');
    expect(t.horde.count(POP)).toBe(0);

    t.worker.setSignals({ idleSeconds: 600 });
    await t.clock.runUntil(() => t.engine.calls.length === 1);
    await t.clock.advance(2_000);
    const at = t.clock.now();
    t.worker.setSignals({ idleSeconds: 0, userActive: true });
    await t.clock.runUntil(() => t.done.length === 1);
    expect(t.engine.abortSeenAt! - at).toBeLessThanOrEqual(1000);
    expect(t.done[0]).toMatchObject({ id: 'idle-job', state: 'faulted' });
    expect(t.worker.stats()).toMatchObject({
      state: 'waiting_for_idle',
      stateReason: 'You are using the computer',
    });
  });

  it('pause for 1 h from the tray, then back to automatic', async () => {
    const t = setup(() => undefined);
    t.worker.start();
    await t.clock.advance(3_000);
    expect(t.worker.stats().mode).toBe('auto');
    await t.worker.control('pause_1h');
    const pops = t.horde.count(POP);
    await t.clock.advance(5 * 60_000);
    expect(t.worker.stats()).toMatchObject({ state: 'paused', mode: 'pause_1h' });
    expect(t.horde.count(POP)).toBe(pops);
    t.clock.t += 55 * 60_000; // the rest of the hour, without a recheck per second to step through
    await t.clock.advance(2_000);
    expect(t.horde.count(POP)).toBeGreaterThan(pops);
    expect(t.worker.policy().override?.mode).toBe('paused'); // expired, kept until 'auto' clears it
    expect(t.worker.stats().mode).toBe('auto'); // the hour is over: the buttons say so
    await t.worker.control('earn_now');
    expect(t.worker.stats().mode).toBe('earn_now');
    await t.worker.control('auto');
    expect(t.worker.policy().override).toBeUndefined();
    await t.worker.control('stop');
    expect(t.worker.stats()).toMatchObject({ state: 'stopped', mode: 'stop' });
  });
});

describe('the user returns mid-job', () => {
  /** Counts the OS-priority calls; each entry is 'lower' or 'restore'. */
  function fakePriority() {
    const calls: string[] = [];
    return { calls, lower: () => void calls.push('lower'), restore: () => void calls.push('restore') };
  }

  /** Desktop policy, idle; the user comes back after `returnAt` tokens of a `tokens`-token job. */
  async function returnMidJob(tokens: number, returnAt: number, policy: Partial<IdlePolicySettings> = {}) {
    const priority = fakePriority();
    const t = setup(
      (call, n) =>
        call.route === POP && n === 1 ? { status: 200, json: textJob('job', tokens) } : undefined,
      { policy: { ...DESKTOP_IDLE_POLICY, ...policy }, priority },
    );
    t.worker.setSignals({ idleSeconds: 600 });
    let returnedAt = 0;
    const reasons: string[] = [];
    t.worker.onStats((s) => {
      if (s.currentJob && reasons.at(-1) !== s.stateReason) reasons.push(s.stateReason);
    });
    t.engine.onTokenHook = (n) => {
      if (n !== returnAt) return;
      returnedAt = t.clock.now();
      t.worker.setSignals({ idleSeconds: 0, userActive: true });
    };
    t.worker.start();
    await t.clock.runUntil(() => t.done.length === 1);
    return { ...t, priority, returnedAt, reasons };
  }

  it('finishes the job at low priority and half speed when it can still meet the deadline', async () => {
    // 280 tokens left at 10/s = 28 s; at half speed 56 s, well within the 150 s limit.
    const t = await returnMidJob(300, 20);
    expect(t.done[0]).toMatchObject({ id: 'job', state: 'ok', tokens: 300 });
    expect(t.horde.submits()).toEqual([expect.objectContaining({ id: 'job', state: 'ok' })]);
    expect(t.worker.stats().jobsFaulted).toBe(0);
    expect(t.engine.paces.slice(0, 20).every((p) => p === 1)).toBe(true);
    expect(t.engine.paces.slice(21).every((p) => p === 0.5)).toBe(true);
    expect(t.priority.calls).toEqual(['lower', 'restore']);
    expect(t.reasons.some((r) => r.includes('half speed'))).toBe(true);
    // Half speed took about twice as long as the rest would have at full speed.
    const submittedAt = t.horde.calls.find((c) => c.route === SUBMIT)!.at;
    expect((submittedAt - t.returnedAt) / 1000).toBeGreaterThan(50);
    expect(t.worker.stats().state).toBe('waiting_for_idle');
  });

  it('reports it faulted at once when even the slowed job would miss the deadline', async () => {
    // 980 tokens left: 98 s at full speed, 196 s at half: past the deadline.
    const t = await returnMidJob(1000, 20);
    expect(t.done[0]).toMatchObject({ id: 'job', state: 'faulted' });
    expect(t.engine.abortSeenAt! - t.returnedAt).toBeLessThanOrEqual(1000);
    expect(t.priority.calls).toEqual([]);
  });

  it('stops a slowed job as soon as the machine is too busy for it to end in time', async () => {
    const priority = fakePriority();
    const t = setup(
      (call, n) => (call.route === POP && n === 1 ? { status: 200, json: textJob('busy', 600) } : undefined),
      { policy: DESKTOP_IDLE_POLICY, priority },
    );
    t.worker.setSignals({ idleSeconds: 600 });
    let returnedAt = 0;
    t.engine.onTokenHook = (n) => {
      if (n !== 100) return;
      // 500 tokens left: 100 s at half speed fits; then the user's program takes most of the CPU.
      returnedAt = t.clock.now();
      t.worker.setSignals({ idleSeconds: 0, userActive: true });
      t.engine.msPerToken = 400;
    };
    t.worker.start();
    await t.clock.runUntil(() => t.done.length === 1);
    expect(t.done[0]).toMatchObject({ id: 'busy', state: 'faulted' });
    const stoppedAfter = (t.engine.abortSeenAt! - returnedAt) / 1000;
    // Stopped after a few seconds of measuring, long before the deadline the job would have missed.
    expect(stoppedAfter).toBeLessThan(20);
    expect(priority.calls).toEqual(['lower', 'restore']);
    expect(t.worker.stats().lastError).toBeDefined();
  });

  it('keeps a job running only as long as the setting allows after the return', async () => {
    // 56 s at half speed would meet the deadline, but the user allows 30 s.
    const limited = await returnMidJob(300, 20, { afterReturnSeconds: 30 });
    expect(limited.done[0]).toMatchObject({ state: 'faulted' });
    expect(limited.engine.abortSeenAt! - limited.returnedAt).toBeLessThanOrEqual(1000);

    const enough = await returnMidJob(300, 20, { afterReturnSeconds: 90 });
    expect(enough.done[0]).toMatchObject({ state: 'ok', tokens: 300 });

    // "Finish the running job before pausing" off: no slowed run either.
    const off = await returnMidJob(300, 20, { finishJobBeforePause: false });
    expect(off.done[0]).toMatchObject({ state: 'faulted' });
  });

  it('a slowed job still stops promptly when the machine goes to sleep', async () => {
    const priority = fakePriority();
    const t = setup(
      (call, n) => (call.route === POP && n === 1 ? { status: 200, json: textJob('nap', 300) } : undefined),
      { policy: DESKTOP_IDLE_POLICY, priority },
    );
    t.worker.setSignals({ idleSeconds: 600 });
    let sleptAt = 0;
    t.engine.onTokenHook = (n) => {
      if (n === 20) t.worker.setSignals({ idleSeconds: 0, userActive: true });
      if (n === 40) {
        sleptAt = t.clock.now();
        t.worker.suspend();
      }
    };
    t.worker.start();
    await t.clock.runUntil(() => t.done.length === 1);
    expect(t.done[0]).toMatchObject({ state: 'faulted' });
    expect(t.engine.abortSeenAt! - sleptAt).toBeLessThanOrEqual(1000);
    expect(priority.calls).toEqual(['lower', 'restore']);
  });

  it('goes back to full speed when the user leaves again', async () => {
    const priority = fakePriority();
    const t = setup(
      (call, n) => (call.route === POP && n === 1 ? { status: 200, json: textJob('away', 300) } : undefined),
      { policy: DESKTOP_IDLE_POLICY, priority },
    );
    t.worker.setSignals({ idleSeconds: 600 });
    t.engine.onTokenHook = (n) => {
      if (n === 20) t.worker.setSignals({ idleSeconds: 0, userActive: true });
      if (n === 60) t.worker.setSignals({ idleSeconds: 600, userActive: false });
    };
    t.worker.start();
    await t.clock.runUntil(() => t.done.length === 1);
    expect(t.done[0]).toMatchObject({ state: 'ok', tokens: 300 });
    expect(t.engine.paces.slice(30, 55).every((p) => p === 0.5)).toBe(true);
    expect(t.engine.paces.slice(-100).every((p) => p === 1)).toBe(true);
    expect(priority.calls).toEqual(['lower', 'restore']);
  });
});

describe('figures', () => {
  it("takes online time and job and uptime rewards from the horde's worker record, over this session", async () => {
    let reads = 0;
    const t = setup((call, n) => {
      if (call.route === POP && n === 1) return { status: 200, json: textJob('paid', 50) };
      if (call.route === '/v2/workers/w1') {
        reads++;
        // All-time figures: 10 h online and 500 kudos before this session; then 40 s and 15 kudos per read.
        const grown = Math.max(0, reads - 1);
        return {
          status: 200,
          json: {
            id: 'w1',
            name: 'test-worker',
            maintenance_mode: false,
            uptime: 36_000 + grown * 40,
            kudos_details: { generated: 400 + grown * 10, uptime: 100 + grown * 5 },
          },
        };
      }
      return undefined;
    });
    t.worker.start();
    expect(t.worker.stats().session).toMatchObject({ source: 'app', onlineSeconds: 0, jobKudos: 0 });
    await t.clock.runUntil(() => reads >= 4, 10 * 60_000);
    const s = t.worker.stats();
    expect(s.hordeUptimeSeconds).toBeGreaterThanOrEqual(36_000 + 3 * 40);
    // The session's share is the change since its first reading, never the all-time figure.
    const session = s.session!;
    expect(session.source).toBe('horde');
    expect(session.onlineSeconds).toBeGreaterThanOrEqual(80);
    expect(s.hordeUptimeSeconds! - session.onlineSeconds).toBeGreaterThanOrEqual(36_000);
    expect(session.jobKudos).toBe(fromKudos((session.onlineSeconds / 40) * 10));
    expect(session.uptimeKudos).toBe(fromKudos((session.onlineSeconds / 40) * 5));
    // The app's own count is the time between check-ins, not the run time.
    expect(s.uptimeSeconds).toBeLessThanOrEqual((t.clock.now() - s.session!.since) / 1000);
  });

  it('counts online time only between check-ins the horde would see as online', async () => {
    const t = setup(() => undefined);
    t.worker.start();
    await t.clock.advance(60_000);
    const online = t.worker.stats().uptimeSeconds;
    expect(online).toBeGreaterThan(30);
    await t.worker.control('pause_1h');
    await t.clock.advance(20 * 60_000);
    await t.worker.control('auto');
    await t.clock.advance(3_000);
    // 20 min paused without a check-in: not online to the horde, so not counted.
    expect(t.worker.stats().uptimeSeconds).toBeLessThan(online + 10);
  });
});

describe('maintenance', () => {
  it("shows the horde's maintenance state and reason, and leaves it on request", async () => {
    let maintenance = true;
    const t = setup((call) => {
      if (call.route === POP && maintenance)
        return { status: 403, json: { message: 'worker in maintenance', rc: 'WorkerMaintenance' } };
      if (call.route === '/v2/workers/w1' && call.method === 'GET')
        return {
          status: 200,
          json: {
            id: 'w1',
            name: 'test-worker',
            maintenance_mode: maintenance,
            maintenance_msg: 'too many dropped jobs',
          },
        };
      if (call.route === '/v2/workers/w1' && call.method === 'PUT') {
        maintenance = false;
        return { status: 200, json: { maintenance: false } };
      }
      return undefined;
    });
    t.worker.start();
    await t.clock.runUntil(() => t.worker.stats().maintenance?.reason !== undefined);
    expect(t.worker.stats()).toMatchObject({
      state: 'maintenance',
      maintenance: { on: true, reason: 'too many dropped jobs' },
    });
    expect(t.worker.stats().stateReason).toContain('too many dropped jobs');
    const pops = t.horde.count(POP);
    await t.clock.advance(30_000);
    expect(t.horde.count(POP)).toBe(pops); // asks again only now and then

    await t.worker.leaveMaintenance();
    expect(t.horde.calls.find((c) => c.method === 'PUT')?.body).toEqual({ maintenance: false });
    await t.clock.advance(2_000);
    expect(t.worker.stats()).toMatchObject({ state: 'idle_no_work', maintenance: { on: false } });
  });
});

describe('alchemy', () => {
  it('serves caption as text and image forms through the upload URL', async () => {
    const clock = new FakeClock();
    let popped = false;
    const uploads: { url: string; bytes: number }[] = [];
    const horde = new FakeHorde(clock, (call) => {
      if (call.route === '/v2/interrogate/pop') {
        if (popped) return { status: 200, json: { forms: [], skipped: {} } };
        popped = true;
        return {
          status: 200,
          json: {
            forms: [
              { id: 'f1', form: 'caption', source_image: 'http://horde.test/api/img/1', payload: {} },
              {
                id: 'f2',
                form: 'strip_background',
                source_image: 'http://horde.test/api/img/1',
                r2_upload: 'http://horde.test/api/upload/f2',
              },
              { id: 'f3', form: 'GFPGAN', source_image: 'http://horde.test/api/img/1' },
              { form: 'caption' },
            ],
          },
        };
      }
      if (call.route === '/img/1') return { status: 200, text: 'PNGBYTES' };
      if (call.route.startsWith('/upload/')) {
        uploads.push({ url: call.route, bytes: (call.body as Uint8Array).length });
        return { status: 200, text: '' };
      }
      if (call.route.endsWith('/submit')) return { status: 200, json: { reward: 1 } };
      return { status: 404, json: { message: 'nope', rc: 'NotFound' } };
    });
    const decoded: number[] = [];
    const worker = new HordeWorker({
      hordeUrl: horde.url,
      apiKey: 'key',
      name: 'alchemist',
      alchemyEngine: new FakeAlchemyEngine(),
      fetch: horde.fetch,
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
      images: {
        decodeImage: async (bytes) => {
          decoded.push(bytes.length);
          return { width: 1, height: 1, data: new Uint8Array(4) };
        },
        encodePng: () => new Uint8Array([137, 80, 78, 71]),
      },
    });
    running.push(worker);
    worker.start();
    await clock.runUntil(() => horde.submits().length === 3);
    const pop = horde.calls.find((c) => c.route === '/v2/interrogate/pop')!.body as { forms: string[] };
    expect(pop.forms).toEqual(['caption', 'strip_background']);
    const submits = horde.submits();
    expect(submits).toContainEqual({ id: 'f1', state: 'ok', result: { caption: 'a small red square' } });
    expect(submits).toContainEqual({ id: 'f2', state: 'ok', result: { strip_background: 'R2' } });
    expect(submits).toContainEqual({ id: 'f3', state: 'faulted', result: {} });
    expect(uploads).toEqual([{ url: '/upload/f2', bytes: 4 }]);
    expect(decoded).toEqual([8, 8]);
    expect(worker.stats()).toMatchObject({
      jobsDone: 2,
      advertised: { forms: ['caption', 'strip_background'], models: [] },
    });
    await worker.stop();
  });
});

describe('sleep and wake', () => {
  it('finishes a job that ends within a few seconds before the machine sleeps', async () => {
    const t = setup((call, n) =>
      call.route === POP && n === 1 ? { status: 200, json: textJob('nightcap', 300) } : undefined,
    );
    t.engine.onTokenHook = (n) => {
      if (n === 280) t.worker.suspend(); // 2 s left: within the grace before sleep
    };
    t.worker.start();
    await t.clock.runUntil(() => t.done.length === 1);
    expect(t.done[0]).toMatchObject({ id: 'nightcap', state: 'ok', tokens: 300 });
    expect(t.worker.stats().stateReason).toBe('The computer is going to sleep');
  });

  it('hands a longer job back before the machine sleeps and asks for work again after', async () => {
    const t = setup((call, n) =>
      call.route === POP && n === 1 ? { status: 200, json: textJob('bedtime', 300) } : undefined,
    );
    t.engine.onTokenHook = (n) => {
      if (n === 100) t.worker.suspend(); // 20 s left: the machine will not wait for it
    };
    t.worker.start();
    await t.clock.runUntil(() => t.done.length === 1);
    expect(t.done[0]).toMatchObject({ id: 'bedtime', state: 'faulted' });
    const pops = t.horde.count(POP);
    await t.clock.advance(60_000);
    expect(t.horde.count(POP)).toBe(pops);
    expect(t.worker.stats().stateReason).toBe('The computer is going to sleep');

    t.worker.reconnect();
    await t.clock.advance(2_000);
    expect(t.horde.count(POP)).toBeGreaterThan(pops);
  });

  it('keeps a pause the user set across sleep', async () => {
    const t = setup(() => undefined);
    t.worker.start();
    t.worker.pause('Paused by you');
    t.worker.suspend();
    t.worker.reconnect();
    await t.clock.advance(5_000);
    expect(t.worker.stats()).toMatchObject({ state: 'paused', stateReason: 'Paused by you' });
  });
});

describe('calibration', () => {
  it('measures the engine before the first pop and advertises what fits the time limit', async () => {
    const t = setup(() => undefined, { limits: undefined, modelContextLimit: 2048 });
    t.worker.start();
    await t.clock.runUntil(() => t.horde.count(POP) > 0);
    const pop = t.horde.calls.find((c) => c.route === POP)!.body as {
      max_length: number;
      max_context_length: number;
    };
    // 10 tokens/s on the fake clock: 375 new tokens are half of a 75 s budget.
    expect(pop.max_length).toBe(375);
    expect(pop.max_context_length).toBeLessThanOrEqual(2048);
    expect(t.worker.stats().advertised).toMatchObject({ maxLength: 375, models: ['tiny-gpt2'] });
  });

  it('stop() during calibration ends it without asking the horde for work', async () => {
    const t = setup(() => undefined, { limits: undefined });
    let stopped = false;
    t.engine.onTokenHook = (n) => {
      if (n === 3 && t.engine.calls.length === 2) void t.worker.stop().then(() => (stopped = true));
    };
    t.worker.start();
    await t.clock.runUntil(() => stopped);
    expect(t.horde.count(POP)).toBe(0);
    expect(t.worker.stats()).toMatchObject({ state: 'stopped', advertised: { maxLength: 0 } });
  });
});
