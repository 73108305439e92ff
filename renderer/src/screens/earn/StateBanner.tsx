import type { WorkerStats } from '../../../../shared/worker/stats';
import { ErrorNotice } from '../../components/ErrorNotice';
import { explainWorkerError } from '../../errors';
import { useWorker } from '../../stores';
import { describeWorker } from './workerState';

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
          <button
            type="button"
            className={['paused', 'stopped', 'waiting_for_idle'].includes(stats.state) ? 'primary' : ''}
            disabled={pending !== null}
            onClick={() => void control('earn_now')}
          >
            Earn now
          </button>
          <button type="button" disabled={pending !== null} onClick={() => void control('pause_1h')}>
            Pause 1 h
          </button>
          <button type="button" disabled={pending !== null} onClick={() => void control('auto')}>
            Automatic
          </button>
          <button
            type="button"
            className="danger"
            disabled={pending !== null}
            onClick={() => void control('stop')}
          >
            Stop
          </button>
        </div>
      </section>
      {stats.state === 'error' && stats.maintenance?.on !== true && stats.lastError !== undefined && (
        <ErrorNotice explained={explainWorkerError(stats.lastErrorRc, stats.lastError)} />
      )}
      {actionError !== null && <ErrorNotice error={actionError} />}
    </div>
  );
}
