import type { WorkerStats } from '../../../../shared/worker/stats';
import { Stat } from '../../components/Stat';
import { formatDuration, formatKudos, formatRate } from '../../format';
import { kudosPerHour } from './workerState';

export function EarnStats({ stats, earnedToday }: { stats: WorkerStats; earnedToday: number | null }) {
  const perHour = kudosPerHour(stats);
  return (
    <dl className="stats">
      <Stat
        label="Kudos earned today"
        value={earnedToday === null ? '—' : formatKudos(earnedToday)}
        hint="jobs and uptime, from the ledger"
      />
      <Stat
        label="Kudos this session"
        value={formatKudos(stats.kudosThisSession)}
        hint={perHour === null ? 'rate after 5 min online' : `${formatRate(perHour, 'kudos/h')}`}
      />
      <Stat
        label="Total kudos"
        value={stats.kudosTotal === undefined ? '—' : formatKudos(stats.kudosTotal)}
        hint="your balance on the horde"
      />
      <Stat
        label="In evaluation"
        value={formatKudos(stats.evaluatingKudos ?? 0)}
        hint="held by the horde, not spendable yet"
      />
      <Stat
        label="Tokens per second"
        value={stats.tokensPerSecond > 0 ? formatRate(stats.tokensPerSecond, 'tok/s') : '—'}
      />
      <Stat label="Uptime" value={formatDuration(stats.uptimeSeconds)} />
      <Stat
        label="Jobs done"
        value={stats.jobsDone}
        hint={stats.jobsFaulted > 0 ? `${stats.jobsFaulted} failed` : undefined}
      />
    </dl>
  );
}
