import { Card } from '../../components/Card';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Empty, Loading } from '../../components/States';
import { explainError } from '../../errors';
import { formatKudos, formatTime } from '../../format';
import { useRequests } from '../../stores';

const STATE_LABEL = {
  waiting: 'Waiting',
  processing: 'Processing',
  done: 'Done',
  faulted: 'Failed',
  cancelled: 'Cancelled',
  expired: 'Expired',
} as const;

export function History() {
  const { history, historyError } = useRequests();
  return (
    <Card title="History" wide>
      {historyError !== null && <ErrorNotice error={historyError} />}
      {history === null ? (
        historyError === null && <Loading what="your past requests" />
      ) : history.length === 0 ? (
        <Empty>No requests yet.</Empty>
      ) : (
        <table aria-label="Past requests" className="history">
          <thead>
            <tr>
              <th scope="col">Submitted</th>
              <th scope="col">Kind</th>
              <th scope="col">Request</th>
              <th scope="col">State</th>
              <th scope="col">Kudos</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h) => (
              <tr key={h.id}>
                <td data-label="Submitted">{formatTime(h.submittedAt)}</td>
                <td data-label="Kind">{h.kind === 'text' ? 'Text' : 'Alchemy'}</td>
                <td data-label="Request">{truncate(h.summary, 80)}</td>
                <td data-label="State">
                  {STATE_LABEL[h.state]}
                  {h.state === 'cancelled' && h.refunded !== undefined && (
                    <span className="muted"> · {formatKudos(h.refunded)} refunded</span>
                  )}
                </td>
                <td data-label="Kudos" className="amount">
                  {formatKudos(h.kudos)}
                </td>
                <td data-label="Result">
                  {h.error ? explainError(h.error).title : truncate(h.result ?? '', 120)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
