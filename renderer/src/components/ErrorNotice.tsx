import { explainError, type Explained } from '../errors';

/** An error as the user reads it: what happened, then what to do. Announced by screen readers. */
export function ErrorNotice({ error, explained }: { error?: unknown; explained?: Explained }) {
  const e = explained ?? explainError(error);
  return (
    <div className="notice error" role="alert">
      <strong>{e.title}</strong>
      <p>{e.next}</p>
    </div>
  );
}
