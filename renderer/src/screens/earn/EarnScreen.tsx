import { useEffect } from 'react';
import { Card } from '../../components/Card';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Empty, Loading } from '../../components/States';
import { useAccount, useLedger, useModels, useWorker } from '../../stores';
import { CatalogChooser } from '../models/CatalogChooser';
import { WhatEarnsWhere } from '../models/WhatEarnsWhere';
import { EarnStats } from './EarnStats';
import { IdlePolicyForm } from './IdlePolicyForm';
import { LocalModels } from './LocalModels';
import { RunningJob } from './RunningJob';
import { StateBanner } from './StateBanner';
import { earnedSince, startOfToday, selfPaidSince } from './today';
import { ZERO } from '../../../../shared/ledger/money';

/** Pushed stats are the main feed; this slow poll only covers a dropped event connection. */
const FALLBACK_POLL_MS = 5000;

export function EarnScreen() {
  const { stats, loaded, error, refresh, refreshModels, models } = useWorker();
  const refreshLedger = useLedger((s) => s.refresh);
  const entries = useLedger((s) => s.all?.entries ?? null);
  const account = useAccount((s) => s.account);
  const loading = models?.some((m) => m.load.state === 'loading') ?? false;

  useEffect(() => {
    const t = setInterval(() => {
      void refresh();
      void refreshLedger();
    }, FALLBACK_POLL_MS);
    return () => clearInterval(t);
  }, [refresh, refreshLedger]);
  // Load progress is not pushed; poll it only while some model is loading.
  useEffect(() => {
    if (!loading) return;
    const t = setInterval(() => void refreshModels(), 1000);
    return () => clearInterval(t);
  }, [loading, refreshModels]);
  // The model list can change with the worker's state (a model finished loading, one failed).
  useEffect(() => {
    void refreshModels();
  }, [stats?.state, refreshModels]);
  // "Today" comes from the ledger; re-read it whenever the session's earnings or the balance move.
  useEffect(() => {
    void refreshLedger();
  }, [stats?.kudosThisSession, account, refreshLedger]);

  const earnedToday = entries === null ? null : earnedSince(entries, startOfToday(Date.now()));
  const since = stats?.session?.since;
  const selfPaid =
    entries === null
      ? null
      : {
          today: selfPaidSince(entries, startOfToday(Date.now())),
          session: since === undefined ? ZERO : selfPaidSince(entries, since),
        };
  // First run: nothing installed yet (and nothing the worker serves): offer the catalog first.
  const installed = useModels((s) => s.installed);
  const firstRun = installed !== null && installed.length === 0;

  if (!stats) {
    return (
      <div className="grid">
        <Card title="Worker" wide>
          {error !== null ? (
            <ErrorNotice error={error} />
          ) : loaded ? (
            <Empty>
              No worker runs in this copy of the app (it was started without one). You can still send
              requests.
            </Empty>
          ) : (
            <Loading what="the worker" />
          )}
        </Card>
      </div>
    );
  }
  return (
    <div className="grid two">
      <div className="wide card" style={{ padding: 0, border: 'none', background: 'none' }}>
        <StateBanner stats={stats} />
      </div>
      {firstRun && (
        <Card title="Choose what to earn with" wide>
          <CatalogChooser />
        </Card>
      )}
      <Card title="Earnings" wide>
        <EarnStats stats={stats} earnedToday={earnedToday} selfPaid={selfPaid} account={account} />
        {stats.advertised.models.length > 0 && (
          <p className="muted">
            Offers {stats.advertised.models.join(', ')} up to {stats.advertised.maxLength} tokens with{' '}
            {stats.advertised.maxContextLength} tokens of context: what this machine finishes within the
            horde’s time limit.
          </p>
        )}
        {(stats.advertised.imageModels?.length ?? 0) > 0 && (
          <p className="muted">
            Paints images with {stats.advertised.imageModels?.join(', ')}, as large as this machine finishes
            within the horde’s time limit.
          </p>
        )}
      </Card>
      <Card title="Running job">
        <RunningJob job={stats.currentJob} />
      </Card>
      <Card title="When to earn">
        <IdlePolicyForm />
      </Card>
      <Card title="What earns where" wide>
        <WhatEarnsWhere />
      </Card>
      <Card title="Local models" wide>
        <LocalModels />
      </Card>
    </div>
  );
}
