import { lazy, Suspense, useEffect } from 'react';
import { Card } from '../../components/Card';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Stat } from '../../components/Stat';
import { Loading } from '../../components/States';
import { formatKudos } from '../../format';
import { addMilli, asMilli } from '../../../../shared/ledger/money';
import { useAccount, useLedger } from '../../stores';
import { EventList } from './EventList';
import { TransferForm } from './TransferForm';

// recharts is most of the bundle; load it only when the Ledger screen is opened.
const EarnedSpentChart = lazy(() =>
  import('./EarnedSpentChart').then((m) => ({ default: m.EarnedSpentChart })),
);

function Balance() {
  const { account, error } = useAccount();
  const totals = useLedger((s) => s.all?.totals ?? null);
  if (!account) return error !== null ? <ErrorNotice error={error} /> : <Loading what="your balance" />;
  return (
    <dl className="stats">
      <Stat label="Balance" value={formatKudos(account.kudos)} />
      <Stat label="Reserved" value={formatKudos(account.reserved)} hint="held by your requests in flight" />
      <Stat label="Available" value={formatKudos(account.available)} hint="balance − reserved" />
      <Stat
        label="In evaluation"
        value={formatKudos(account.evaluatingKudos)}
        hint="earned, not spendable yet"
      />
      {account.kudosCap !== undefined && (
        <Stat
          label="Cap"
          value={formatKudos(account.kudosCap)}
          hint={
            account.kudos >= account.kudosCap
              ? 'reached: earnings above it are burned'
              : 'the most one user may hold on this horde'
          }
        />
      )}
      {totals && (
        <Stat label="Earned (all time)" value={formatKudos(addMilli(totals.earned, totals.transferredIn))} />
      )}
      {totals && (
        <Stat label="Spent (all time)" value={formatKudos(addMilli(totals.spent, totals.transferredOut))} />
      )}
      {totals && totals.awarded !== 0 && <Stat label="Awarded" value={formatKudos(totals.awarded)} />}
      {totals && (
        <Stat
          label="Ledger total"
          value={formatKudos(totals.net)}
          hint={
            // Milli-kudos: equal to within half a hundredth, the precision a balance is shown with.
            Math.abs(totals.net - account.kudos) < 5
              ? 'the entries below add up to your balance'
              : `${formatKudos(addMilli(account.kudos, asMilli(-totals.net)))} of the balance is not in the entries yet`
          }
        />
      )}
    </dl>
  );
}

export function LedgerScreen() {
  const { all, kinds, setKinds, refresh, error, loaded } = useLedger();
  const account = useAccount((s) => s.account);
  // Every balance change (pushed as account:changed) may come with new entries.
  useEffect(() => {
    void refresh();
  }, [account, refresh]);
  return (
    <div className="grid">
      <Card title="Your kudos" wide>
        <Balance />
      </Card>
      <Card title="Transfer kudos" wide>
        <TransferForm />
      </Card>
      <Card title="Earned vs spent" wide>
        {all ? (
          <Suspense fallback={<Loading what="the chart" />}>
            <EarnedSpentChart entries={all.entries} now={Date.now()} />
          </Suspense>
        ) : (
          !loaded && <Loading what="the ledger" />
        )}
      </Card>
      <Card title="Entries" wide>
        {error !== null && <ErrorNotice error={error} />}
        {all ? (
          <EventList entries={all.entries} kinds={kinds} onKinds={setKinds} />
        ) : (
          !loaded && <Loading what="the ledger" />
        )}
      </Card>
    </div>
  );
}
