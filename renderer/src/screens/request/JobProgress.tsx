import { useState } from 'react';
import type { RequestProgress, TextGenerationView } from '../../../../shared/bridge/contract';
import { Card } from '../../components/Card';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ProgressBar } from '../../components/ProgressBar';
import { Stat } from '../../components/Stat';
import { Empty, Loading } from '../../components/States';
import { formatDuration, formatKudos } from '../../format';
import { useRequests } from '../../stores';
import { describeProgress, describeQueue } from './jobStatus';

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  return (
    <button
      type="button"
      onClick={() => {
        // Clipboard access can be refused (insecure origin, permissions); say so rather than pretend.
        if (!navigator.clipboard) {
          setCopied('failed');
          return;
        }
        navigator.clipboard.writeText(text).then(
          () => setCopied('yes'),
          () => setCopied('failed'),
        );
      }}
    >
      {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed: select the text' : 'Copy result'}
    </button>
  );
}

function Generation({ g }: { g: TextGenerationView }) {
  return (
    <figure className="stack" style={{ margin: 0 }}>
      <pre className="result-text" aria-label="Result">
        {g.text}
      </pre>
      <figcaption className="row">
        <span className="muted">
          {g.model} on {g.workerName}
          {g.state !== 'ok' && ` · ${g.state}`}
        </span>
        <CopyButton text={g.text} />
      </figcaption>
    </figure>
  );
}

/**
 * Tokens generated of max_length while this app's own worker runs the job (the embedded horde);
 * on another horde the status has no such figure, and the bar only says that it is working.
 */
function GenerationProgress({ progress }: { progress: RequestProgress | null }) {
  if (!progress) return <ProgressBar label="Generation progress" value={undefined} />;
  return (
    <div className="stack" style={{ gap: '0.25rem' }}>
      <ProgressBar
        label="Generation progress"
        value={progress.total > 0 ? progress.done / progress.total : 0}
      />
      <p className="muted" aria-label="Tokens generated" aria-live="polite" style={{ margin: 0 }}>
        {describeProgress(progress)}
      </p>
    </div>
  );
}

/** The request just submitted: its place in the queue, the wait, then the result. */
export function JobProgress() {
  const { text, cancelText } = useRequests();
  if (text.submitting)
    return (
      <Card title="Your request">
        <Loading what="the horde's answer" />
      </Card>
    );
  if (!text.id) {
    return (
      <Card title="Your request">
        {text.error ? <ErrorNotice error={text.error} /> : <Empty>Submit a request to follow it here.</Empty>}
      </Card>
    );
  }
  const s = text.status;
  const view = s ? describeQueue(s, text.progress) : null;
  return (
    <Card title="Your request">
      <div className="stack">
        <p role="status">
          <strong>{view?.label ?? 'Submitted'}</strong>
          {s?.state === 'cancelled' ? (
            <span className="muted">
              {' '}
              · paid {formatKudos(s.kudos)} kudos for what was generated
              {s.refunded !== undefined && ` · ${formatKudos(s.refunded)} kudos refunded`}
            </span>
          ) : (
            text.kudos !== null && (
              <span className="muted"> · {formatKudos(s?.kudos || text.kudos)} kudos</span>
            )
          )}
        </p>
        {view && !view.final && (
          <dl className="stats">
            {view.position !== null && (
              <Stat
                label="Queue position"
                value={view.position}
                hint={`${view.position - 1} ahead of yours`}
              />
            )}
            {view.waitSeconds !== null && (
              <Stat label="Estimated wait" value={formatDuration(view.waitSeconds)} />
            )}
          </dl>
        )}
        {view?.blocked && <ErrorNotice explained={view.blocked} />}
        {s && !view?.final && (s.processing > 0 || text.progress) && (
          <GenerationProgress progress={text.progress} />
        )}
        {s?.generations.map((g, i) => (
          <Generation key={`${g.workerId}-${i}`} g={g} />
        ))}
        {text.error !== null && <ErrorNotice error={text.error} />}
        {view && !view.final && (
          <div className="row">
            <button
              type="button"
              className="danger"
              disabled={text.cancelling}
              onClick={() => void cancelText()}
            >
              {text.cancelling ? 'Cancelling…' : 'Cancel request'}
            </button>
          </div>
        )}
      </div>
    </Card>
  );
}
