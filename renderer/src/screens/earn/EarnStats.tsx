import type { AccountView } from '../../../../shared/bridge/contract';
import type { WorkerStats } from '../../../../shared/worker/stats';
import { Stat } from '../../components/Stat';
import { formatDuration, formatKudos, formatRate } from '../../format';
import { kudosPerHour, MIN_RATE_SECONDS } from './workerState';
import type { Milli } from '../../../../shared/ledger/money';

/** "14:05", the start of this session's window. */
function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** Over which jobs the rate is measured; before any, the start-up measurement, said to be one. */
export function rateWindow(stats: WorkerStats): string {
  const w = stats.tokensPerSecondWindow;
  if (w && w.jobs > 0)
    return `over the last ${w.jobs === 1 ? 'text job' : `${w.jobs} text jobs`} (${formatDuration(w.seconds)} generating)`;
  if (stats.measuredTokensPerSecond !== undefined)
    return `no text job yet; the start-up check measured ${formatRate(stats.measuredTokensPerSecond, 'tok/s')}`;
  return 'no text job yet';
}

/**
 * The Earn screen's figures. Each says in one line what it is and where it comes from (the README's
 * "What the Earn screen's figures mean" says the same). `account` is the user record as the header
 * shows it (one find_user read, pushed as account:changed): the card and the header never show two
 * figures for the balance.
 */
export function EarnStats({
  stats,
  earnedToday,
  selfPaid = null,
  account,
}: {
  stats: WorkerStats;
  earnedToday: Milli | null;
  /** Kudos the user's own requests paid to their own worker (embedded horde's ledger); null when unknown. */
  selfPaid?: { today: Milli; session: Milli } | null;
  account: Pick<AccountView, 'kudos' | 'evaluatingKudos'> | null;
}) {
  const perHour = kudosPerHour(stats, selfPaid?.session);
  const session = stats.session;
  const fromHorde = session?.source === 'horde';
  const since = session ? ` since ${clock(session.since)}` : '';
  return (
    <dl className="stats">
      <Stat
        label="Kudos earned today"
        value={earnedToday === null ? '—' : formatKudos(earnedToday)}
        hint="Job and uptime rewards since midnight, from the horde's ledger; jobs you paid yourself are apart."
      />
      {selfPaid !== null && selfPaid.today > 0 && (
        <Stat
          label="Paid to yourself today"
          value={formatKudos(selfPaid.today)}
          hint="Your own requests served by your own worker on this horde: your balance did not grow, so not earned."
        />
      )}
      <Stat
        label="Kudos per hour"
        value={perHour === null ? '—' : formatRate(perHour, 'kudos/h')}
        hint={
          perHour === null
            ? `(job + uptime rewards) ÷ time online to the horde, this session; shown after ${MIN_RATE_SECONDS / 60} min online.`
            : fromHorde
              ? `(job + uptime rewards) ÷ time online to the horde, this session${since}, from the horde's worker records.`
              : `Job rewards ÷ time online, this session${since}; the horde has no record of this worker yet, so uptime rewards are left out.`
        }
      />
      <Stat
        label="Kudos this session"
        value={formatKudos(stats.kudosThisSession)}
        hint={`Rewards the horde answered for the jobs this worker handed in${since}.`}
      />
      <Stat
        label="Total kudos"
        value={account === null ? '—' : formatKudos(account.kudos)}
        hint="Your balance, as the horde's user record says."
      />
      <Stat
        label="In evaluation"
        value={account === null ? '—' : formatKudos(account.evaluatingKudos)}
        hint="Earned, but held by the horde until it trusts you: not spendable yet."
      />
      <Stat
        label="Tokens per second"
        value={stats.tokensPerSecond > 0 ? formatRate(stats.tokensPerSecond, 'tok/s') : '—'}
        hint={`How fast this computer writes text: ${rateWindow(stats)}.`}
      />
      <Stat
        label="Online to the horde"
        value={formatDuration(stats.hordeUptimeSeconds ?? stats.uptimeSeconds)}
        hint={
          stats.hordeUptimeSeconds !== undefined
            ? "All time, as the horde's worker record counts it (uptime)."
            : 'This session: time between check-ins the horde saw within 5 min; it has no record of this worker yet.'
        }
      />
      <Stat
        label="Jobs done"
        value={stats.jobsDone}
        hint={`Handed in finished this session${stats.jobsFaulted > 0 ? `; ${stats.jobsFaulted} failed` : ''}.`}
      />
    </dl>
  );
}
