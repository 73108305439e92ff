/**
 * Live progress of a request while this app's own worker runs its job: the worker counts tokens
 * (text) and sampler steps (images) as it goes; the embedded horde knows which request a job
 * belongs to. Joined here, the request panel can say "generating 12 / 80 tokens" instead of going
 * from Waiting straight to Done. The AI Horde's status routes carry no such figure, so on another
 * horde (or for another worker's job) nothing is pushed and the panel says only "processing".
 */
import type { RequestProgress } from '../../shared/bridge/contract';
import type { WorkerStats } from '../../shared/worker/stats';

export type RequestOfJob = (jobId: string) => { kind: 'text' | 'image'; requestId: string } | undefined;

/** Job ids looked up and remembered; a worker runs one job at a time, so a few suffice. */
const REMEMBERED_JOBS = 16;

export class LiveProgress {
  private readonly requests = new Map<string, string | null>();
  private last: RequestProgress | undefined;

  constructor(
    private readonly deps: { requestOfJob: RequestOfJob; emit: (progress: RequestProgress) => void },
  ) {}

  /** The worker's stats, as they are pushed (at most every 250 ms while a job runs). */
  onStats(stats: WorkerStats | null | undefined): void {
    const job = stats?.currentJob;
    if (!job || (job.kind !== 'text' && job.kind !== 'image') || !(job.maxTokens > 0)) return;
    const requestId = this.requestOf(job.id);
    if (!requestId) return;
    const progress: RequestProgress = {
      id: requestId,
      kind: job.kind,
      done: Math.max(0, Math.min(job.tokens, job.maxTokens)),
      total: job.maxTokens,
      unit: job.kind === 'text' ? 'tokens' : 'steps',
    };
    const l = this.last;
    if (l && l.id === progress.id && l.done === progress.done && l.total === progress.total) return;
    this.last = progress;
    this.deps.emit(progress);
  }

  private requestOf(jobId: string): string | null {
    const known = this.requests.get(jobId);
    if (known !== undefined) return known;
    let found: string | null;
    try {
      found = this.deps.requestOfJob(jobId)?.requestId ?? null;
    } catch {
      // The horde is closing: no progress, the status poll still says how the request ends.
      return null;
    }
    this.requests.set(jobId, found);
    if (this.requests.size > REMEMBERED_JOBS) {
      const oldest = this.requests.keys().next().value;
      if (oldest !== undefined) this.requests.delete(oldest);
    }
    return found;
  }
}
