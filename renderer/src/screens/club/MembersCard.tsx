import { useState, type FormEvent } from 'react';
import { Card } from '../../components/Card';
import { NumberField, SelectField, TextField } from '../../components/Fields';
import { formatKudos, formatTime } from '../../format';
import { useClub } from '../../stores';
import { fromKudos } from '../../../../shared/ledger/money';

/** Members with kudos, workers and last seen; award or move kudos with a reason (one balanced ledger event each). */
export function MembersCard() {
  const { members, act, busy } = useClub();
  const names = members.map((m) => ({ value: m.username, label: m.username }));
  const [mode, setMode] = useState<'award' | 'move'>('award');
  const [to, setTo] = useState('');
  const [from, setFrom] = useState('');
  const [kudos, setKudos] = useState(NaN);
  const [reason, setReason] = useState('');
  const target = to || members.find((m) => !m.owner)?.username || '';
  const source = from || members[0]?.username || '';
  // The typed kudos become milli-kudos once, here: the bridge and the checks below use only these.
  const amount = Number.isFinite(kudos) ? fromKudos(kudos) : null;
  const ready =
    amount !== null &&
    amount !== 0 &&
    reason.trim() !== '' &&
    target !== '' &&
    (mode === 'award' || (amount > 0 && source !== target));
  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!ready || amount === null) return;
    const r =
      mode === 'award'
        ? await act(
            'club:award',
            { username: target, kudos: amount, reason: reason.trim() },
            `Awarded ${formatKudos(amount)} kudos to ${target}.`,
          )
        : await act(
            'club:move',
            { from: source, to: target, kudos: amount, reason: reason.trim() },
            `Moved ${formatKudos(amount)} kudos from ${source} to ${target}.`,
          );
    if (r) {
      setKudos(NaN);
      setReason('');
    }
  }
  return (
    <Card title="Members" wide>
      <table aria-label="Members">
        <thead>
          <tr>
            <th>Member</th>
            <th>Kudos</th>
            <th>In evaluation</th>
            <th>Workers</th>
            <th>Last seen</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.id}>
              <td>
                {m.username}
                {m.owner ? ' (you)' : ''}
              </td>
              <td>{formatKudos(m.kudos)}</td>
              <td>{formatKudos(m.evaluatingKudos)}</td>
              <td>
                {m.workersOnline} online of {m.workers}
              </td>
              <td>{m.lastSeen === null ? 'never' : formatTime(m.lastSeen)}</td>
              <td>{m.flagged ? 'flagged' : m.trusted ? 'trusted' : 'new'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="stack" onSubmit={(e) => void onSubmit(e)} aria-label="Award or move kudos" noValidate>
        <div className="row">
          <SelectField
            label="What"
            value={mode}
            options={[
              { value: 'award', label: 'Award (or correct, with a minus)' },
              { value: 'move', label: 'Move between members' },
            ]}
            onChange={setMode}
          />
          {mode === 'move' && <SelectField label="From" value={source} options={names} onChange={setFrom} />}
          <SelectField
            label={mode === 'move' ? 'To' : 'Member'}
            value={target}
            options={names}
            onChange={setTo}
          />
          <NumberField label="Kudos" value={kudos} step="any" onChange={setKudos} />
          <TextField label="Reason" placeholder="kept in the ledger" value={reason} onChange={setReason} />
          <button type="submit" className="primary" disabled={!ready || busy}>
            {mode === 'award' ? 'Award' : 'Move'}
          </button>
        </div>
      </form>
    </Card>
  );
}
