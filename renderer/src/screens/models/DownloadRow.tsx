import type { DownloadProgress } from '../../../../shared/bridge/contract';
import { ProgressBar } from '../../components/ProgressBar';
import { formatBytes, formatDuration } from '../../format';

const STATE_LABEL = {
  checking: 'Asking the hub…',
  downloading: 'Downloading',
  verifying: 'Checking the file’s hash',
  done: 'Downloaded and checked',
  error: 'Download failed',
  cancelled: 'Cancelled',
} as const;

/** One download: a bar, bytes, speed and time left, and what went wrong if it did. */
export function DownloadRow({
  title,
  progress,
  onCancel,
  onRetry,
}: {
  title: string;
  progress: DownloadProgress;
  onCancel: () => void;
  onRetry: () => void;
}) {
  const { bytesDone, bytesTotal, bytesPerSecond, secondsLeft, state } = progress;
  const running = state === 'checking' || state === 'downloading' || state === 'verifying';
  return (
    <div className="stack" style={{ gap: '0.25rem' }} aria-label={`Download of ${title}`} role="group">
      {running && (
        <ProgressBar
          label={`Downloading ${title}`}
          value={bytesTotal > 0 ? bytesDone / bytesTotal : undefined}
        />
      )}
      <p className="muted" aria-live="polite">
        {STATE_LABEL[state]}
        {bytesTotal > 0 && ` · ${formatBytes(bytesDone)} of ${formatBytes(bytesTotal)}`}
        {running && bytesPerSecond > 0 && ` · ${formatBytes(bytesPerSecond)}/s`}
        {running && secondsLeft !== null && ` · ${formatDuration(secondsLeft)} left`}
        {progress.resumedFromBytes > 0 && ` · resumed from ${formatBytes(progress.resumedFromBytes)}`}
        {progress.refetchedBytes > 0 &&
          ` · ${formatBytes(progress.refetchedBytes)} fetched again after a bad checksum`}
      </p>
      {state === 'error' && progress.error && (
        <p className="notice error" role="alert">
          {progress.error.message}
          {progress.error.hint && ` ${progress.error.hint}`}
        </p>
      )}
      <div className="row">
        {running ? (
          <button type="button" onClick={onCancel}>
            Cancel download
          </button>
        ) : (
          (state === 'error' || state === 'cancelled') && (
            <button type="button" onClick={onRetry}>
              Resume download
            </button>
          )
        )}
      </div>
    </div>
  );
}
