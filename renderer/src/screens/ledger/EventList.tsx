import { useState } from 'react';
import type { JournalEntry, JournalKind } from '../../../../shared/bridge/contract';
import { Switch } from '../../components/Fields';
import { Empty } from '../../components/States';
import { formatSignedKudos, formatTime } from '../../format';

export const KIND_LABEL: Record<JournalKind, string> = {
  job_earned: 'Job earned',
  job_paid: 'Job paid',
  uptime: 'Uptime reward',
  transfer_in: 'Transfer received',
  transfer_out: 'Transfer sent',
  award: 'Award',
};

/** The filters the user sees; transfers in and out are one switch. */
export const FILTERS: readonly { label: string; kinds: readonly JournalKind[] }[] = [
  { label: 'Jobs earned', kinds: ['job_earned'] },
  { label: 'Jobs paid', kinds: ['job_paid'] },
  { label: 'Uptime', kinds: ['uptime'] },
  { label: 'Transfers', kinds: ['transfer_in', 'transfer_out'] },
  { label: 'Awards', kinds: ['award'] },
];

/** Rows shown at first; a worker earns many small entries a day. */
const PAGE = 100;

function detail(e: JournalEntry): string {
  if (e.counterparty) return `${e.kind === 'transfer_in' ? 'from' : 'to'} ${e.counterparty}`;
  return [e.ref ? `request ${e.ref}` : '', e.memo ?? ''].filter(Boolean).join(' · ');
}

export function EventList({
  entries,
  kinds,
  onKinds,
}: {
  entries: readonly JournalEntry[];
  kinds: readonly JournalKind[];
  onKinds: (k: readonly JournalKind[]) => void;
}) {
  const [limit, setLimit] = useState(PAGE);
  const matching = entries.filter((e) => kinds.includes(e.kind));
  const shown = matching.slice(0, limit);
  return (
    <div className="stack">
      <fieldset>
        <legend>Show</legend>
        <div className="row">
          {FILTERS.map((f) => (
            <Switch
              key={f.label}
              label={f.label}
              checked={f.kinds.every((k) => kinds.includes(k))}
              onChange={(on) =>
                onKinds(on ? [...new Set([...kinds, ...f.kinds])] : kinds.filter((k) => !f.kinds.includes(k)))
              }
            />
          ))}
        </div>
      </fieldset>
      {shown.length === 0 ? (
        <Empty>{entries.length === 0 ? 'No ledger entries yet.' : 'No entries match these filters.'}</Empty>
      ) : (
        <table aria-label="Ledger entries">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Details</th>
              <th scope="col" style={{ textAlign: 'right' }}>
                Kudos
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.id}>
                <td>{formatTime(e.at)}</td>
                <td>{KIND_LABEL[e.kind]}</td>
                <td className="muted">{detail(e)}</td>
                <td className={`amount ${e.kudos >= 0 ? 'pos' : 'neg'}`}>{formatSignedKudos(e.kudos)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {matching.length > shown.length && (
        <div className="row">
          <span className="muted">
            Showing {shown.length} of {matching.length}.
          </span>
          <button type="button" onClick={() => setLimit((l) => l + PAGE)}>
            Show more
          </button>
        </div>
      )}
    </div>
  );
}
