import type { WorkerState, WorkerStats } from '../../../../shared/worker/stats';
import { asMilli, toKudos, ZERO, type Milli } from '../../../../shared/ledger/money';

export type Tone = 'ok' | 'info' | 'warn' | 'danger';

export interface StateView {
  label: string;
  tone: Tone;
  /** The worker's own reason, else a default sentence for the state. */
  reason: string;
}

const VIEWS: Record<WorkerState, { label: string; tone: Tone; fallback: string }> = {
  running: { label: 'Earning', tone: 'ok', fallback: 'Running a job for the horde.' },
  idle_no_work: {
    label: 'Earning',
    tone: 'ok',
    fallback: 'Online and asking the horde for jobs; none waiting right now.',
  },
  // The policy holds the worker back for many reasons (battery, schedule, a game, the CPU): the
  // title names none of them, the reason says which.
  waiting_for_idle: {
    label: 'Not earning now',
    tone: 'info',
    fallback: 'Earning starts once the computer has been idle long enough.',
  },
  paused: { label: 'Paused', tone: 'warn', fallback: 'Paused: no jobs are taken until you resume.' },
  stopped: { label: 'Stopped', tone: 'warn', fallback: 'The worker is stopped.' },
  no_model: {
    label: 'No model',
    tone: 'warn',
    fallback: 'No model is ready: put an ONNX model in the models folder (see Settings).',
  },
  maintenance: {
    label: 'Maintenance',
    tone: 'danger',
    fallback: 'The horde put this worker in maintenance and sends it no jobs.',
  },
  error: { label: 'Error', tone: 'danger', fallback: 'The worker stopped on an error.' },
};

/** The banner at the top of the Earn screen. Maintenance wins: the horde's flag outranks the loop's state. */
export function describeWorker(stats: WorkerStats): StateView {
  const state: WorkerState = stats.maintenance?.on ? 'maintenance' : stats.state;
  const v = VIEWS[state];
  const reason =
    state === 'maintenance'
      ? (stats.maintenance?.reason ?? stats.stateReason) || v.fallback
      : stats.stateReason || v.fallback;
  // A job still finishing after a pause was asked for: the worker is not "earning" on, it is stopping.
  if (state === 'running' && stats.currentJob && /^Finishing the running job/.test(reason))
    return { label: 'Finishing a job', tone: 'warn', reason };
  return { label: v.label, tone: v.tone, reason };
}

/** Below this much online time a rate says more about one job than about the worker. */
export const MIN_RATE_SECONDS = 300;

/**
 * Kudos per hour = (job rewards + uptime rewards) ÷ time online to the horde, over this session
 * (SessionFigures: the horde's worker records where it has them), less what the user's own
 * requests paid to their own worker (`selfPaidSession`, from the embedded horde's ledger). Null for the first minutes
 * online, when one job would make the rate look far better than it is.
 */
export function kudosPerHour(
  stats: Pick<WorkerStats, 'session'>,
  selfPaidSession: Milli = ZERO,
): number | null {
  const s = stats.session;
  if (!s || s.onlineSeconds < MIN_RATE_SECONDS) return null;
  // The horde's records count jobs one's own requests paid too: those earned nothing. All three are
  // milli-kudos, so the sum is exact; the rate alone is a float.
  const earned = Math.max(0, s.jobKudos - selfPaidSession) + s.uptimeKudos;
  return toKudos(asMilli(earned)) / (s.onlineSeconds / 3600);
}
