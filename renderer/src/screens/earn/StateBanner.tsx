import type { WorkerMode, WorkerStats } from '../../../../shared/worker/stats';
import { ErrorNotice } from '../../components/ErrorNotice';
import { explainWorkerError } from '../../errors';
import { useWorker } from '../../stores';
import { describeWorker } from './workerState';

const MODES: readonly { action: WorkerMode; label: string; title: string }[] = [
  { action: 'earn_now', label: 'Earn now', title: 'Earn now, whatever the idle policy says' },
  { action: 'pause_1h', label: 'Pause 1 h', title: 'Take no jobs for an hour' },
  { action: 'auto', label: 'Automatic', title: 'Earn when the idle policy allows' },
  { action: 'stop', label: 'Stop', title: 'Stop the worker until you start it again' },
];

export function StateBanner({ stats }: { stats: WorkerStats }) {
  const { control, leaveMaintenance, pending, actionError } = useWorker();
  const view = describeWorker(stats);
  const inMaintenance = stats.maintenance?.on === true;
  const tone = view.tone === 'info' ? '' : view.tone;
  return (
    <div className="stack">
      <section className={`state-banner ${tone}`} aria-label="Worker state">
        <div>
          <div className="state-label" role="status">
            {view.label}
          </div>
          <div>{view.reason}</div>
        </div>
        <div className="actions">
          {inMaintenance && (
            <button
              type="button"
              className="primary"
              disabled={pending !== null}
              onClick={() => void leaveMaintenance()}
            >
              {pending === 'leave_maintenance' ? 'Leaving…' : 'Leave maintenance'}
            </button>
          )}
          <div className="modes" role="group" aria-label="Earning mode">
            {MODES.map((m) => (
              <button
                key={m.action}
                type="button"
                aria-pressed={stats.mode === m.action}
                title={m.title}
                className={m.action === 'stop' && stats.mode !== 'stop' ? 'danger' : ''}
                disabled={pending !== null}
                onClick={() => void control(m.action)}
              >
                {pending === m.action ? `${m.label}…` : m.label}
              </button>
            ))}
          </div>
        </div>
      </section>
      {stats.state === 'error' && stats.maintenance?.on !== true && stats.lastError !== undefined && (
        <ErrorNotice explained={explainWorkerError(stats.lastErrorRc, stats.lastError)} />
      )}
      {actionError !== null && <ErrorNotice error={actionError} />}
    </div>
  );
}
