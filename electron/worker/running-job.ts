/**
 * The job the engine is running, and what a pause does to it: finish it when
 * it will end within the grace time (and stop it anyway just after), or stop
 * the engine between tokens at once so the job is reported faulted and the
 * horde hands it to another worker.
 */
import type { CurrentJob } from '../../shared/worker/stats';
import type { Sleep } from './worker-options';

export type PauseOutcome = 'finishing' | 'stopped';

export class RunningJob {
  /** Aborted to stop the engine; the job is then reported faulted. */
  readonly stop = new AbortController();
  /** Aborted when the run is over, ending the job's timers. */
  readonly over = new AbortController();
  private pauseDecided = false;

  constructor(
    readonly job: CurrentJob,
    readonly startedAt: number,
  ) {}

  progress(tokens: number): void {
    this.job.tokens = tokens;
    this.job.progress = this.job.maxTokens > 0 ? Math.min(1, tokens / this.job.maxTokens) : 0;
  }

  /**
   * Seconds left by the rate seen in this job so far, else `fallbackRate`
   * (tokens/s); alchemy forms take about a second.
   */
  remainingSeconds(now: number, fallbackRate: number): number {
    if (this.job.kind === 'alchemy') return 1;
    const elapsed = (now - this.startedAt) / 1000;
    const live = this.job.tokens >= 2 && elapsed > 0 ? this.job.tokens / elapsed : 0;
    const rate = live || fallbackRate;
    if (!(rate > 0)) return Number.POSITIVE_INFINITY;
    return Math.max(0, this.job.maxTokens - this.job.tokens) / rate;
  }

  /** Decided once per job; later calls change nothing. */
  pause(o: {
    now: number;
    graceSeconds: number;
    fallbackRate: number;
    sleep: Sleep;
    why: string;
  }): PauseOutcome | undefined {
    if (this.pauseDecided || this.over.signal.aborted) return undefined;
    this.pauseDecided = true;
    if (this.remainingSeconds(o.now, o.fallbackRate) > o.graceSeconds) {
      this.stop.abort(new Error(o.why));
      return 'stopped';
    }
    void o.sleep((o.graceSeconds + 1) * 1000, this.over.signal).then(() => {
      if (!this.over.signal.aborted) this.stop.abort(new Error(o.why));
    });
    return 'finishing';
  }

  end(): void {
    this.over.abort();
  }
}
