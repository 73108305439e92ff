import { useState } from 'react';
import { Card } from '../../components/Card';
import { TextField } from '../../components/Fields';
import { formatTime } from '../../format';
import { useClub } from '../../stores';

/** Flags the horde raised (fair kudos), with their reasons: clear or confirm, saying why. */
export function FlagsCard() {
  const { flags, act, busy } = useClub();
  const [why, setWhy] = useState<Record<number, string>>({});
  const open = flags.filter((f) => f.clearedAt === null);
  const past = flags.filter((f) => f.clearedAt !== null).slice(-5);
  return (
    <Card title="Flags">
      {open.length === 0 && (
        <p className="muted">Nothing flagged. The horde flags what looks like farming kudos by itself.</p>
      )}
      <ul className="plain" aria-label="Open flags">
        {open.map((f) => {
          const reason = why[f.id] ?? '';
          const resolve = (action: 'clear' | 'confirm') =>
            void act(
              'club:resolveFlag',
              { id: f.id, action, reason: reason.trim() },
              action === 'clear' ? `Flag on ${f.username} cleared.` : `Flag on ${f.username} confirmed.`,
            );
          return (
            <li key={f.id} className="stack">
              <p>
                <strong>{f.username}</strong>: {f.reason} ({formatTime(f.createdAt)})
                {f.confirmedAt !== null && <> — confirmed: {f.resolution}</>}
              </p>
              <div className="row">
                <TextField label="Why" value={reason} onChange={(v) => setWhy({ ...why, [f.id]: v })} />
                <button
                  type="button"
                  disabled={busy || reason.trim() === ''}
                  onClick={() => resolve('clear')}
                >
                  Clear
                </button>
                <button
                  type="button"
                  disabled={busy || reason.trim() === '' || f.confirmedAt !== null}
                  onClick={() => resolve('confirm')}
                >
                  Confirm
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      {past.length > 0 && (
        <details>
          <summary>Cleared</summary>
          <ul className="plain">
            {past.map((f) => (
              <li key={f.id}>
                {f.username}: {f.reason} — cleared{f.resolution ? `: ${f.resolution}` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
    </Card>
  );
}
