import { Card } from '../../components/Card';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ProgressBar } from '../../components/ProgressBar';
import { formatDuration, formatKudos } from '../../format';
import { useImages } from '../../stores';
import { describeProgress } from '../request/jobStatus';

const STATE_WORDS: Record<string, string> = {
  waiting: 'Waiting for a worker',
  processing: 'Being generated',
  done: 'Done',
  faulted: 'Failed: the workers could not make it',
  cancelled: 'Cancelled',
  expired: 'Expired on the horde',
  failed: 'Lost contact with the horde',
};

export function ImageProgress() {
  const { job, cancel, progress } = useImages();
  if (!job) {
    return (
      <Card title="Progress">
        <p className="muted">Your request shows here once it is sent.</p>
      </Card>
    );
  }
  const open = !job.settled;
  return (
    <Card title="Progress">
      <div className="stack" aria-live="polite">
        <p>
          <strong>{STATE_WORDS[job.state] ?? job.state}</strong>
        </p>
        <ProgressBar label="Share of images done" value={job.n > 0 ? job.finished / job.n : 0} />
        {open && progress && progress.id === job.id && (
          <div className="stack" style={{ gap: '0.25rem' }}>
            <ProgressBar
              label="Steps of the image being made"
              value={progress.total > 0 ? progress.done / progress.total : 0}
            />
            <p className="muted" aria-label="Sampler steps" style={{ margin: 0 }}>
              {describeProgress(progress)} on this computer’s worker
            </p>
          </div>
        )}
        <dl className="price">
          <dt>Images done</dt>
          <dd aria-label="Images done">
            {job.finished} of {job.n}
          </dd>
          <dt>Queue position</dt>
          <dd aria-label="Queue position">
            {job.state === 'waiting' && job.queuePosition > 0 ? `#${job.queuePosition} in the queue` : '—'}
          </dd>
          <dt>Estimated wait</dt>
          <dd aria-label="Estimated wait">{open && job.waitTime > 0 ? formatDuration(job.waitTime) : '—'}</dd>
          <dt>Kudos spent so far</dt>
          <dd aria-label="Kudos spent">{formatKudos(job.kudos)}</dd>
        </dl>
        {open && !job.isPossible && (
          <p className="notice warn" role="alert">
            No worker on the horde can serve this request now. It waits until one comes, and expires after 20
            minutes.
          </p>
        )}
        {job.restarted > 0 && (
          <p className="muted">{job.restarted} image(s) had to be redone by another worker.</p>
        )}
        {job.error && <ErrorNotice error={job.error} />}
        {open && (
          <button type="button" onClick={() => void cancel()}>
            Cancel (keeps the images already made)
          </button>
        )}
      </div>
    </Card>
  );
}
