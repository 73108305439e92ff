import type { CurrentJob } from '../../../../shared/worker/stats';
import { Empty } from '../../components/States';
import { ProgressBar } from '../../components/ProgressBar';

export function RunningJob({ job }: { job: CurrentJob | undefined }) {
  if (!job) return <Empty>No job running right now.</Empty>;
  return (
    <div className="stack">
      <p>
        {job.kind === 'text' ? 'Text' : 'Alchemy'} job on <strong>{job.model}</strong>
        {job.kind === 'text' && job.maxTokens > 0 && (
          <span className="muted">
            {' '}
            · {job.tokens} of {job.maxTokens} tokens
          </span>
        )}
      </p>
      <ProgressBar label="Job progress" value={job.progress} />
    </div>
  );
}
