import { explainError, type ExplainedError } from '../errors';

/**
 * An error as the user reads it: what happened, then what to do, announced by screen readers. What
 * the horde or the app said verbatim sits behind "Details", never in the headline.
 */
export function ErrorNotice({ error, explained }: { error?: unknown; explained?: ExplainedError }) {
  const e = explained ?? explainError(error);
  return (
    <div className="notice error" role="alert">
      <strong>{e.title}</strong>
      {e.next !== '' && <p>{e.next}</p>}
      {e.detail !== undefined && (
        <details className="error-details">
          <summary>Details</summary>
          <code>{e.detail}</code>
        </details>
      )}
    </div>
  );
}
