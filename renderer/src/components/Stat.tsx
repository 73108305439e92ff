import type { ReactNode } from 'react';

/** One figure in a `<dl className="stats">`: the label is the accessible name of the value. */
export function Stat({ label, value, hint }: { label: string; value: ReactNode; hint?: ReactNode }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd aria-label={label}>
        {value}
        {hint !== undefined && <span className="hint">{hint}</span>}
      </dd>
    </div>
  );
}
