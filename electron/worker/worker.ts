/**
 * The earning loop: pop a job from the horde, run it on the local engine,
 * submit it; back off when there is no work or the horde fails; obey the idle
 * policy; never drop a popped job (a pause finishes it or reports it faulted).
 */
import { addMilli, ZERO } from '../../shared/ledger/money';
import { milliFromHorde } from '../../shared/bridge/kudos';
import { maxPixelsFor } from './image-job';
import {
  SERVE_IDLE_POLICY,
  type CurrentJob,
  type IdlePolicySettings,
  type IdleSignals,
  type WorkerMode,
  type WorkerState,
  type WorkerStats,
} from '../../shared/worker/stats';
import { activeOverride } from './idle-policy';
import { hordeFormNames } from './alchemy-job';
import type { ImageCodec } from './alchemy-run';
import { HordeError } from '../../shared/api/horde-error';
import { HordeClient } from '../client/horde-client';
import { backoffDelay, EMPTY_QUEUE_BACKOFF, ERROR_BACKOFF, MAINTENANCE_RECHECK_MS } from './backoff';
import { deriveTextLimits, measureTextEngine } from './capability';
import { HordeRecords } from './horde-records';
import { JobRunner, type JobHost, type JobOutcome } from './jobs';
import { PolicyGate, type Gate } from './policy-gate';
import { RateMeter } from './rate';
import { RunningJob } from './running-job';
import { SessionCounter } from './session-figures';
import { bridgeAgent } from './version';
import {
  defaultAlchemyName,
  defaultSleep,
  type HordeWorkerOptions,
  type JobDone,
  type Sleep,
} from './worker-options';

export type { ImageCodec } from './alchemy-run';
export type { HordeWorkerOptions, JobDone, Sleep } from './worker-options';

const POLICY_RECHECK_MS = 1_000;
const SLEEP_REASON = 'The computer is going to sleep';
/** Before sleep a job that ends within this is finished; a longer one is handed back at once. */
export const SLEEP_GRACE_SECONDS = 3;
const STATS_THROTTLE_MS = 250;
const ACCOUNT_REFRESH_MS = 30_000;

export class HordeWorker {
  private readonly api: HordeClient;
  private readonly records: HordeRecords;
  private readonly jobs: JobRunner;
  private readonly now: () => number;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly agent: string;
  private readonly alchemyName: string;
  private readonly imageName: string;
  private imagePixels: Promise<number> | undefined;
  private readonly statsListeners = new Set<(s: WorkerStats) => void>();
  private readonly jobListeners = new Set<(j: JobDone) => void>();
  private readonly meter = new RateMeter();
  private readonly session = new SessionCounter();

  private readonly gate: PolicyGate;
  private limits: { maxLength: number; maxContextLength: number } | undefined;
  private calibratedRate = 0;
  private loopDone: Promise<void> | undefined;
  private stopping = false;
  private wakeController = new AbortController();
  private active: RunningJob | undefined;
  private emptyStreak = 0;
  private errorStreak = 0;
  private accountCheckedAt = Number.NEGATIVE_INFINITY;
  private lastEmit = Number.NEGATIVE_INFINITY;
  private startedAt: number | undefined;
  /** Paused by suspend(), lifted by reconnect() (a pause the user set stays). */
  private asleep = false;
  /** Aborted by stop(): ends a calibration run early. */
  private halt = new AbortController();
  private s: Omit<WorkerStats, 'uptimeSeconds' | 'tokensPerSecond' | 'advertised' | 'currentJob'>;

  constructor(private readonly o: HordeWorkerOptions) {
    this.now = o.now ?? (() => Date.now());
    this.sleep = o.sleep ?? defaultSleep;
    this.random = o.random ?? Math.random;
    this.agent = o.bridgeAgent ?? bridgeAgent();
    this.alchemyName = o.alchemyName ?? defaultAlchemyName(o.name);
    this.imageName = o.imageName ?? `${o.name} (images)`;
    this.gate = new PolicyGate(o.policy ?? SERVE_IDLE_POLICY);
    this.limits = o.limits;
    this.api = new HordeClient({
      baseUrl: o.hordeUrl,
      apiKey: o.apiKey,
      clientAgent: this.agent,
      ...(o.fetch ? { fetch: o.fetch } : {}),
      timeoutMs: o.requestTimeoutMs ?? 20_000,
      now: this.now,
      maxRetryAfterMs: ERROR_BACKOFF.capMs,
    });
    const names = [
      ...(o.textEngine ? [o.name] : []),
      ...(o.alchemyEngine ? [this.alchemyName] : []),
      ...(o.imageEngine ? [this.imageName] : []),
    ];
    this.records = new HordeRecords(this.api, names);
    this.jobs = new JobRunner(this.jobHost());
    this.s = {
      state: 'stopped',
      stateReason: 'Not started',
      jobsDone: 0,
      jobsFaulted: 0,
      kudosThisSession: ZERO,
    };
  }

  // ─── control ───────────────────────────────────────────────────────────

  start(): void {
    if (this.loopDone) return;
    this.stopping = false;
    this.halt = new AbortController();
    this.startedAt = this.now();
    this.session.start(this.startedAt);
    this.loopDone = this.loop().catch((err: unknown) => {
      // The loop handles every horde and engine failure itself; this is a bug, shown rather than hidden.
      this.setState('error', 'The worker stopped on an unexpected error', errorText(err));
    });
  }

  /** Stops popping, finishes or reports the running job, and resolves once the loop has ended. */
  async stop(): Promise<void> {
    if (!this.loopDone) return;
    this.stopping = true;
    this.halt.abort();
    this.pauseRunningJob('stopping', { slow: false });
    this.wake();
    await this.loopDone;
    this.loopDone = undefined;
    this.startedAt = undefined;
    this.setState('stopped', 'Stopped');
  }

  pause(reason = 'Paused by you'): void {
    this.gate.pause(reason);
    this.reconsider(true);
  }

  resume(): void {
    this.gate.resume();
    this.reconsider(true);
  }

  /** Readings from Electron's powerMonitor or serve's flags; fields left out keep their last value. */
  setSignals(signals: Partial<IdleSignals>): void {
    this.gate.setSignals(signals);
    this.reconsider(false);
  }

  /**
   * Just before the machine sleeps: finish the running job if it ends within
   * SLEEP_GRACE_SECONDS, else hand it back now (it would expire on the horde
   * while asleep); take no new one until reconnect().
   */
  suspend(): void {
    if (!this.gate.manuallyPaused) {
      this.asleep = true;
      this.gate.pause(SLEEP_REASON);
    }
    this.pauseRunningJob(SLEEP_REASON, { slow: false, graceSeconds: SLEEP_GRACE_SECONDS });
    this.reconsider(true);
  }

  /** After the machine slept: the horde may have forgotten us; ask again at once. */
  reconnect(): void {
    if (this.asleep) this.gate.resume();
    this.asleep = false;
    this.errorStreak = 0;
    this.emptyStreak = 0;
    this.reconsider(true);
  }

  setPolicy(settings: IdlePolicySettings): void {
    this.gate.settings = settings;
    this.reconsider(true);
  }

  /** The settings in force, with any override the tray or panel set (for saving). */
  policy(): IdlePolicySettings {
    return this.gate.settings;
  }

  async control(action: 'earn_now' | 'pause_1h' | 'auto' | 'stop'): Promise<WorkerStats> {
    if (action === 'stop') {
      await this.stop();
      return this.stats();
    }
    this.gate.apply(action, this.now());
    this.reconsider(true);
    if (!this.loopDone) this.start();
    return this.stats();
  }

  /** Asks the horde to take this app's workers out of maintenance (PUT /v2/workers/{id}). */
  async leaveMaintenance(): Promise<WorkerStats> {
    await this.records.leaveMaintenance();
    this.s.maintenance = { on: false };
    this.errorStreak = 0;
    this.wake();
    this.emit(true);
    return this.stats();
  }

  stats(): WorkerStats {
    const current = this.active?.job;
    const hordeUptime = this.session.hordeUptimeSeconds();
    return {
      ...this.s,
      ...(current ? { currentJob: { ...current } } : {}),
      mode: this.mode(),
      ...(this.o.signals ? { signals: this.o.signals } : {}),
      advertised: this.advertised(),
      // What jobs measured, over a stated window; the start-up measurement apart (it is a guess, not a job).
      tokensPerSecond: round2(this.meter.perSecond()),
      tokensPerSecondWindow: this.meter.window(),
      ...(this.calibratedRate > 0 ? { measuredTokensPerSecond: round2(this.calibratedRate) } : {}),
      uptimeSeconds: this.session.appOnlineSeconds(),
      ...(hordeUptime !== undefined ? { hordeUptimeSeconds: hordeUptime } : {}),
      ...(this.startedAt !== undefined ? { session: this.session.figures(this.s.kudosThisSession) } : {}),
    };
  }

  /** The control in force: stopped, an override the tray or panel set, or automatic. */
  private mode(): WorkerMode {
    if (!this.loopDone || this.stopping) return 'stop';
    const override = activeOverride(this.gate.settings.override, this.now());
    if (override?.mode === 'earn_now') return 'earn_now';
    if (override?.mode === 'paused') return 'pause_1h';
    return 'auto';
  }

  onStats(cb: (s: WorkerStats) => void): () => void {
    this.statsListeners.add(cb);
    return () => this.statsListeners.delete(cb);
  }

  onJobDone(cb: (j: JobDone) => void): () => void {
    this.jobListeners.add(cb);
    return () => this.jobListeners.delete(cb);
  }

  // ─── the loop ──────────────────────────────────────────────────────────

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const gate = this.gateNow();
      if (!gate.run) {
        this.setState(gate.state, gate.reason);
        await this.wait(POLICY_RECHECK_MS);
        continue;
      }
      if (!this.o.textEngine && !this.o.alchemyEngine && !this.o.imageEngine) {
        this.setState(
          'no_model',
          'No model is loaded: choose one to download on the Earn screen, or add a model folder on the Models screen',
        );
        await this.wait(MAINTENANCE_RECHECK_MS);
        continue;
      }
      let delay: number;
      try {
        await this.calibrate();
        const worked = await this.jobs.popAndRun();
        this.errorStreak = 0;
        if (worked) {
          this.emptyStreak = 0;
          continue;
        }
        if (!this.gateNow().run) continue;
        this.emptyStreak++;
        const skipped = this.jobs.skipped ? ` (${this.jobs.skipped})` : '';
        this.setState('idle_no_work', `Asked the horde for work: no job for this worker right now${skipped}`);
        delay = backoffDelay(this.emptyStreak, EMPTY_QUEUE_BACKOFF, this.random());
      } catch (err) {
        delay = this.onLoopError(err);
      }
      await this.wait(delay);
    }
  }

  /** Shows the failure and returns how long to wait before asking again. */
  private onLoopError(err: unknown): number {
    if (err instanceof HordeError && err.rc === 'WorkerMaintenance') {
      this.s.maintenance = {
        on: true,
        ...(this.s.maintenance?.reason ? { reason: this.s.maintenance.reason } : {}),
      };
      this.setState('maintenance', this.maintenanceReason());
      void this.readMaintenance();
      return MAINTENANCE_RECHECK_MS;
    }
    this.errorStreak++;
    const delay =
      err instanceof HordeError && err.retryAfterMs !== undefined
        ? err.retryAfterMs
        : backoffDelay(this.errorStreak, ERROR_BACKOFF, this.random());
    const what = !(err instanceof HordeError)
      ? 'The worker failed'
      : err.transient
        ? 'The horde is not answering'
        : err.rc === 'BadHordeAnswer'
          ? "The horde's answer could not be read"
          : 'The horde refused';
    const rc = err instanceof HordeError ? err.rc : undefined;
    if (rc !== undefined) this.s.lastErrorRc = rc;
    else delete this.s.lastErrorRc;
    this.setState('error', `${what}; trying again in ${Math.ceil(delay / 1000)} s`, errorText(err));
    return delay;
  }

  private async calibrate(): Promise<void> {
    const engine = this.o.textEngine;
    if (!engine || this.limits) return;
    this.setState('running', 'Measuring how fast this computer writes text');
    const contextLimit =
      this.o.modelContextLimit !== undefined ? { modelContextLimit: this.o.modelContextLimit } : {};
    // Stop does not wait for a whole calibration run; an interrupted one measures nothing.
    const m = await measureTextEngine(engine, { now: this.now, signal: this.halt.signal, ...contextLimit });
    if (this.halt.signal.aborted) return;
    this.calibratedRate = m.decodeTokensPerSecond;
    const derived = deriveTextLimits(m, contextLimit);
    this.limits = { maxLength: derived.maxLength, maxContextLength: derived.maxContextLength };
    this.emit(true);
  }

  /** Runs `work` as the current job: shown in the stats, paused by the policy, its timers ended after. */
  private async withJob(
    job: CurrentJob,
    deadline: number,
    work: (running: RunningJob) => Promise<void>,
  ): Promise<void> {
    const running = new RunningJob(job, this.now(), deadline);
    this.active = running;
    this.setState(
      'running',
      job.kind === 'text' ? `Writing text for the horde (${job.model})` : `Running ${job.model}`,
    );
    // A pause that came while the pop was on its way applies to the job it brought.
    const gate = this.gateNow();
    if (!gate.run) this.pauseRunningJob(gate.reason);
    const watch = this.watchPolicy(running);
    try {
      await work(running);
    } finally {
      this.active = undefined;
      if (running.slowed) this.o.priority?.restore();
      running.end();
      await watch;
    }
  }

  // ─── pausing ───────────────────────────────────────────────────────────

  private gateNow(): Gate {
    return this.gate.check(this.now(), this.stopping);
  }

  /** Re-reads the policy after a change: wakes the loop when it flips, pauses the running job when it closes. */
  private reconsider(changed: boolean): void {
    const before = this.gate.lastRun;
    const gate = this.gateNow();
    if (!gate.run) {
      this.pauseRunningJob(gate.reason);
      if (this.loopDone && !this.active) this.setState(gate.state, gate.reason);
    }
    if (changed || before !== gate.run) this.wake();
  }

  /**
   * What a pause does to the running job (running-job.ts): a stop or sleep
   * (`slow: false`) gives it the grace time at most; any other pause lets it go on at reduced
   * speed while it can still meet the horde's deadline, within the user's
   * limit after their return.
   */
  private pauseRunningJob(why: string, o: { slow: boolean; graceSeconds?: number } = { slow: true }): void {
    const running = this.active;
    if (!running) return;
    // A stop or sleep overrides a slowed run: the job gets the grace time only.
    if (!o.slow && running.resumeFullSpeed()) this.o.priority?.restore();
    const p = this.gate.settings;
    const finish = p.finishJobBeforePause;
    const outcome = running.pause({
      now: this.now(),
      graceSeconds: o.graceSeconds ?? (finish ? (p.finishGraceSeconds ?? 5) : 0),
      slowSeconds: o.slow && finish ? (p.afterReturnSeconds ?? Number.POSITIVE_INFINITY) : 0,
      fallbackRate: this.fallbackRate(),
      sleep: this.sleep,
      why,
    });
    if (outcome === 'finishing') {
      this.s.stateReason = `Finishing the running job before pausing (${why})`;
      this.emit(true);
    } else if (outcome === 'slowed') {
      this.o.priority?.lower();
      this.s.stateReason = this.slowedReason(running, why);
      this.emit(true);
    }
  }

  private slowedReason(running: RunningJob, why: string): string {
    const left = Math.ceil(running.slowSecondsLeft(this.now()) ?? 0);
    return `Finishing the running job at low priority and half speed, in time for the horde (${why}; ${left} s left at most)`;
  }

  /**
   * Once a second while a job runs: time-based policy changes (the schedule's
   * end) reach it; a slowed job is stopped the moment it can no longer end in
   * time, and goes back to full speed when the user is away again.
   */
  private async watchPolicy(running: RunningJob): Promise<void> {
    while (!running.over.signal.aborted) {
      await this.sleep(POLICY_RECHECK_MS, running.over.signal);
      if (running.over.signal.aborted) return;
      const gate = this.gateNow();
      if (gate.run) {
        if (running.resumeFullSpeed()) {
          this.o.priority?.restore();
          this.setState('running', `Back to full speed (${running.job.model})`);
        }
        continue;
      }
      this.pauseRunningJob(gate.reason);
      if (!running.slowed) continue;
      const late = running.recheck(
        this.now(),
        this.fallbackRate(),
        `${gate.reason}: the running job could not finish before the horde's deadline at reduced speed`,
      );
      if (!late) {
        this.s.stateReason = this.slowedReason(running, gate.reason);
        this.emit(false);
      }
    }
  }

  // ─── the horde's records ───────────────────────────────────────────────

  private jobHost(): JobHost {
    return {
      api: this.api,
      options: this.o,
      agent: this.agent,
      alchemyName: this.alchemyName,
      imageName: this.imageName,
      imageMaxPixels: () => this.imageMaxPixels(),
      now: this.now,
      sleep: this.sleep,
      random: this.random,
      limits: () => this.limits ?? { maxLength: 80, maxContextLength: 1024 },
      mayRun: () => this.gateNow().run,
      stopping: () => this.stopping,
      popAnswered: (empty) => {
        this.session.checkIn(this.now());
        // The AI Horde answers WorkerMaintenance (403) instead of an empty pop while in maintenance.
        if (empty && this.s.maintenance?.on) this.s.maintenance = { on: false };
        this.afterPopAnswered();
      },
      withJob: (job, deadline, work) => this.withJob(job, deadline, work),
      tokenProgress: () => this.emit(false),
      recordRate: (tokens, seconds) => this.meter.add(tokens, seconds),
      codec: () => this.codec(),
      settled: (outcome) => this.settled(outcome),
    };
  }

  /** Measured once: the UNet's pace sets the largest image that ends within the horde's limit. */
  private imageMaxPixels(): Promise<number> {
    const engine = this.o.imageEngine;
    if (!engine) return Promise.resolve(0);
    if (this.o.imageMaxPixels !== undefined) return Promise.resolve(this.o.imageMaxPixels);
    this.imagePixels ??= engine.measureStepSeconds().then(
      (s) => maxPixelsFor(s),
      (err: unknown) => {
        this.imagePixels = undefined;
        throw err;
      },
    );
    return this.imagePixels;
  }

  private settled(outcome: JobOutcome): void {
    if (outcome.kind === 'lost') {
      this.s.jobsFaulted++;
      delete this.s.lastErrorRc;
      this.s.lastError = outcome.message;
      this.emit(true);
      return;
    }
    const { done, failure } = outcome;
    if (done.state === 'ok') {
      this.s.jobsDone++;
      // The horde's reward (float kudos) becomes milli-kudos once, here; the session adds integers.
      this.s.kudosThisSession = addMilli(this.s.kudosThisSession, milliFromHorde(done.reward));
    } else {
      this.s.jobsFaulted++;
      delete this.s.lastErrorRc;
      this.s.lastError =
        failure ?? `Job ${done.id} was stopped before it finished and handed back to the horde`;
    }
    this.emit(true);
    for (const cb of this.jobListeners) cb(done);
    void this.refreshAccount(false);
  }

  private afterPopAnswered(): void {
    if (!this.records.knowsAllWorkers() || this.now() - this.accountCheckedAt > ACCOUNT_REFRESH_MS) {
      void this.refreshAccount(true);
    }
  }

  private async refreshAccount(force: boolean): Promise<void> {
    if (!force && this.now() - this.accountCheckedAt < ACCOUNT_REFRESH_MS / 3) return;
    this.accountCheckedAt = this.now();
    try {
      const account = await this.records.account();
      this.s.kudosTotal = account.kudos;
      if (account.evaluatingKudos !== undefined) this.s.evaluatingKudos = account.evaluatingKudos;
      if (account.maintenance) this.s.maintenance = account.maintenance;
      this.emit(true);
      this.session.records(await this.records.figures());
      this.emit(true);
    } catch {
      // The account figures are a nicety; the loop shows horde failures itself.
    }
  }

  private async readMaintenance(): Promise<void> {
    try {
      const info = await this.records.maintenance();
      if (!info?.on) return;
      this.s.maintenance = info;
      if (this.s.state === 'maintenance') this.setState('maintenance', this.maintenanceReason());
    } catch {
      // Without the record the state still says maintenance, only without the horde's reason.
    }
  }

  private maintenanceReason(): string {
    const why = this.s.maintenance?.reason;
    return `The horde put this worker into maintenance${why ? `: ${why}` : ''}. It gets no new jobs until you leave maintenance.`;
  }

  // ─── plumbing ──────────────────────────────────────────────────────────

  private fallbackRate(): number {
    return this.meter.perSecond() || this.calibratedRate;
  }

  private advertised(): WorkerStats['advertised'] {
    return {
      models: this.o.textEngine ? [this.o.textEngine.modelName] : [],
      ...(this.o.imageEngine ? { imageModels: [...this.o.imageEngine.models] } : {}),
      maxLength: this.limits?.maxLength ?? 0,
      maxContextLength: this.limits?.maxContextLength ?? 0,
      forms: this.o.alchemyEngine ? hordeFormNames(this.o.alchemyEngine.forms, this.o.upscalerNames) : [],
    };
  }

  private async codec(): Promise<ImageCodec> {
    // Loaded on first use: it pulls in transformers.js, which text-only workers and unit tests do without.
    return this.o.images ?? (await import('./engines/images'));
  }

  private async wait(ms: number): Promise<void> {
    if (this.stopping) return;
    await this.sleep(ms, this.wakeController.signal);
    if (this.wakeController.signal.aborted) this.wakeController = new AbortController();
  }

  private wake(): void {
    this.wakeController.abort();
  }

  private setState(state: WorkerState, reason: string, lastError?: string): void {
    const changed = this.s.state !== state || this.s.stateReason !== reason;
    this.s.state = state;
    this.s.stateReason = reason;
    if (lastError !== undefined) this.s.lastError = lastError;
    if (changed || lastError !== undefined) this.emit(true);
  }

  private emit(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastEmit < STATS_THROTTLE_MS) return;
    this.lastEmit = t;
    const stats = this.stats();
    for (const cb of this.statsListeners) {
      try {
        cb(stats);
      } catch {
        // A listener's failure is the listener's; the loop goes on.
      }
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Rates shown to two decimals; kudos have their own rounding (roundKudos, shared/ledger/money.ts). */
function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
