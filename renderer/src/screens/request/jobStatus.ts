import type { RequestProgress, RequestState, TextRequestStatus } from '../../../../shared/bridge/contract';
import { NOT_POSSIBLE, type Explained } from '../../errors';

export interface QueueView {
  /** Short state line, e.g. "Waiting in the queue". */
  label: string;
  /** The horde's queue_position as it reports it (the embedded horde and the AI Horde count from 1); null when not queued. */
  position: number | null;
  /** Seconds the horde estimates; null when not meaningful (done, or nobody can serve it). */
  waitSeconds: number | null;
  /** Set when the horde says no worker can take it: shown instead of a wait that would never end. */
  blocked: Explained | null;
  final: boolean;
}

const FINAL_LABELS: Partial<Record<RequestState, string>> = {
  done: 'Done',
  faulted: 'Failed: the workers could not complete it (no kudos were taken for the failed part)',
  cancelled: 'Cancelled',
  expired: 'Expired: no worker took it within 20 minutes',
};

/**
 * What the request panel shows for a status. Queue position and wait time are different things
 * (volunteers' most common confusion), so they are kept apart here and labelled apart on screen.
 */
export function describeQueue(s: TextRequestStatus, live: RequestProgress | null = null): QueueView {
  const finalLabel = FINAL_LABELS[s.state];
  if (finalLabel) return { label: finalLabel, position: null, waitSeconds: null, blocked: null, final: true };
  // This computer's worker is generating it: that is fresher than a status polled a moment ago,
  // and its token count says more than the horde's wait estimate.
  if (live && live.id === s.id) {
    return {
      label: 'Generating on this computer’s worker',
      position: null,
      waitSeconds: null,
      blocked: null,
      final: false,
    };
  }
  if (!s.isPossible && s.processing === 0) {
    return {
      label: 'Waiting in the queue',
      position: s.queuePosition,
      waitSeconds: null,
      blocked: NOT_POSSIBLE,
      final: false,
    };
  }
  if (s.processing > 0 || s.state === 'processing') {
    return {
      label: 'Processing on a worker',
      position: null,
      waitSeconds: s.waitTime,
      blocked: null,
      final: false,
    };
  }
  return {
    label: 'Waiting in the queue',
    position: s.queuePosition,
    waitSeconds: s.waitTime,
    blocked: null,
    final: false,
  };
}

/** "Generating 12 / 80 tokens", "Step 3 of 20": the worker's own count while it runs the job. */
export function describeProgress(p: RequestProgress): string {
  if (p.unit === 'steps') return `Step ${p.done} of ${p.total}`;
  return `Generating ${p.done} / ${p.total} tokens`;
}
