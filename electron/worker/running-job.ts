/**
 * The job the engine is running, and what a pause does to it. A job that ends
 * within the grace time finishes at full speed. Otherwise, when the pause
 * allows it (the user came back, not a stop or the machine going to sleep),
 * the job goes on at reduced speed — low priority, half the pace between
 * tokens — as long as it can still be handed in before the horde's deadline
 * and within the time the user allows after their return; it is watched on
 * the way and stopped the moment it no longer can. Only then is it stopped
 * and reported faulted, so the horde hands it to another worker early.
 */
import type { CurrentJob } from '../../shared/worker/stats';
import type { Sleep } from './worker-options';

export type PauseOutcome = 'finishing' | 'slowed' | 'stopped';

/** The share of full speed a job keeps once the user is back (the pace between tokens). */
export const REDUCED_SPEED = 0.5;
/** Tokens to see at reduced speed before its own rate replaces the estimate. */
const MIN_TOKENS_TO_MEASURE = 2;

export interface PauseRequest {
  now: number;
  /** A job that ends within this at full speed is finished at full speed. */
  graceSeconds: number;
  /**
   * How long the job may keep running at reduced speed after the pause; 0 to
   * never slow down (stop, sleep), Infinity for "until the deadline".
   */
  slowSeconds: number;
  /** tokens/s to assume before this job has shown its own rate. */
  fallbackRate: number;
  sleep: Sleep;
  why: string;
}

/** The pure decision: what a pause does to a job with these estimates. */
export function pauseOutcome(o: {
  remainingFullSeconds: number;
  remainingSlowSeconds: number;
  graceSeconds: number;
  /** Seconds the job may still run at reduced speed: min(deadline, the user's limit). */
  slowWindowSeconds: number;
}): PauseOutcome {
  if (o.remainingFullSeconds <= o.graceSeconds) return 'finishing';
  if (o.slowWindowSeconds > 0 && o.remainingSlowSeconds <= o.slowWindowSeconds) return 'slowed';
  return 'stopped';
}

export class RunningJob {
  /** Aborted to stop the engine; the job is then reported faulted. */
  readonly stop = new AbortController();
  /** Aborted when the run is over, ending the job's timers. */
  readonly over = new AbortController();
  /** The share of full speed the engine should keep (1 = full); engines read it between tokens. */
  speed = 1;
  private pauseDecided = false;
  /** Set while the job runs at reduced speed. */
  private slow: { since: number; tokens: number; until: number; timer: AbortController } | undefined;

  constructor(
    readonly job: CurrentJob,
    readonly startedAt: number,
    /** Epoch ms by which the job must be done to be handed in in time. */
    readonly deadline: number = Number.POSITIVE_INFINITY,
  ) {}

  get slowed(): boolean {
    return this.slow !== undefined;
  }

  progress(tokens: number): void {
    this.job.tokens = tokens;
    this.job.progress = this.job.maxTokens > 0 ? Math.min(1, tokens / this.job.maxTokens) : 0;
  }

  /**
   * Seconds left by the rate seen in this job so far (at reduced speed: the
   * rate seen since it slowed down), else `fallbackRate` (tokens/s) scaled by
   * `speed`; alchemy forms take about a second.
   */
  remainingSeconds(now: number, fallbackRate: number, speed = this.speed): number {
    if (this.job.kind === 'alchemy') return 1;
    const left = Math.max(0, this.job.maxTokens - this.job.tokens);
    const rate = this.measuredRate(now, speed) || fallbackRate * speed;
    if (!(rate > 0)) return Number.POSITIVE_INFINITY;
    return left / rate;
  }

  private measuredRate(now: number, speed: number): number {
    const slow = this.slow;
    if (slow && speed === this.speed) {
      const tokens = this.job.tokens - slow.tokens;
      const elapsed = (now - slow.since) / 1000;
      return tokens >= MIN_TOKENS_TO_MEASURE && elapsed > 0 ? tokens / elapsed : 0;
    }
    const elapsed = (now - this.startedAt) / 1000;
    const full = this.job.tokens >= MIN_TOKENS_TO_MEASURE && elapsed > 0 ? this.job.tokens / elapsed : 0;
    return full * (speed / this.speed);
  }

  /** Decided once per pause (a job back at full speed may be paused again); later calls change nothing. */
  pause(o: PauseRequest): PauseOutcome | undefined {
    if (this.pauseDecided || this.over.signal.aborted) return undefined;
    this.pauseDecided = true;
    const slowWindowSeconds = Math.min(o.slowSeconds, (this.deadline - o.now) / 1000);
    const outcome = pauseOutcome({
      remainingFullSeconds: this.remainingSeconds(o.now, o.fallbackRate, 1),
      remainingSlowSeconds: this.remainingSeconds(o.now, o.fallbackRate, REDUCED_SPEED),
      graceSeconds: o.graceSeconds,
      slowWindowSeconds,
    });
    if (outcome === 'stopped') {
      this.stop.abort(new Error(o.why));
    } else if (outcome === 'finishing') {
      this.stopAfter((o.graceSeconds + 1) * 1000, o.sleep, o.why);
    } else {
      const timer = new AbortController();
      this.slow = { since: o.now, tokens: this.job.tokens, until: o.now + slowWindowSeconds * 1000, timer };
      this.speed = REDUCED_SPEED;
      this.stopAfter(slowWindowSeconds * 1000, o.sleep, o.why, timer.signal);
    }
    return outcome;
  }

  /**
   * While slowed: stops the job as soon as it can no longer end in its window
   * at the rate it shows; true when it did.
   */
  recheck(now: number, fallbackRate: number, why: string): boolean {
    const slow = this.slow;
    if (!slow || this.over.signal.aborted || this.stop.signal.aborted) return false;
    if (now + this.remainingSeconds(now, fallbackRate) * 1000 <= slow.until) return false;
    this.stop.abort(new Error(why));
    return true;
  }

  /** The user is away again: back to full speed, and a later return decides afresh. */
  resumeFullSpeed(): boolean {
    const slow = this.slow;
    if (!slow) return false;
    slow.timer.abort();
    this.slow = undefined;
    this.speed = 1;
    this.pauseDecided = false;
    return true;
  }

  /** Seconds left of the window a slowed job has; undefined when not slowed. */
  slowSecondsLeft(now: number): number | undefined {
    return this.slow ? Math.max(0, (this.slow.until - now) / 1000) : undefined;
  }

  end(): void {
    this.slow?.timer.abort();
    this.over.abort();
  }

  private stopAfter(ms: number, sleep: Sleep, why: string, cancel?: AbortSignal): void {
    if (!Number.isFinite(ms)) return;
    const signals = cancel ? AbortSignal.any([this.over.signal, cancel]) : this.over.signal;
    void sleep(ms, signals).then(() => {
      if (!signals.aborted) this.stop.abort(new Error(why));
    });
  }
}
