import { useEffect, useState } from 'react';
import { Card } from '../../components/Card';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/States';
import { useClub } from '../../stores';
import { JoinCard } from './JoinCard';
import { MembersCard } from './MembersCard';
import { ShareCard } from './ShareCard';
import { FlagsCard } from './FlagsCard';
import { HordeSettingsCard } from './HordeSettingsCard';
import { formatTime } from '../../format';

/**
 * Club: share this app's horde with a household, a club or a lab and run it
 * (owner), or join someone else's (member). The owner's operations exist only
 * here, through this app's bridge: nothing of it is reachable from the network.
 */
export function ClubScreen() {
  const { role, refresh, error, done } = useClub();
  useEffect(() => {
    void refresh();
  }, [refresh]);
  if (role === null) return error ? <ErrorNotice error={error} /> : <Loading what="the club" />;
  return (
    <div className="grid">
      {(error !== null || done !== null) && (
        <div className="card wide" aria-live="polite">
          {error !== null && <ErrorNotice error={error} />}
          {done !== null && (
            <p className="notice info" role="status">
              {done}
            </p>
          )}
        </div>
      )}
      {role === 'owner' ? (
        <>
          <ShareCard />
          <MembersCard />
          <FlagsCard />
          <HordeSettingsCard />
          <BackupsCard />
          <JoinCard />
        </>
      ) : (
        <>
          <Card title="Your club" wide>
            <p>
              This app uses another horde, so there is nothing here to manage: its owner runs it from their
              own copy of Horde Desktop.
            </p>
          </Card>
          <JoinCard />
        </>
      )}
    </div>
  );
}

function BackupsCard() {
  const { backups, act, busy } = useClub();
  const [restoring, setRestoring] = useState<string | null>(null);
  return (
    <Card title="Backups">
      <p>
        The horde keeps rolling backups of its database. Restoring puts one back; the current file is kept
        beside it.
      </p>
      <button
        type="button"
        disabled={busy}
        onClick={() => void act('club:backup', undefined, 'Backup made.')}
      >
        Backup now
      </button>
      {backups.length > 0 && (
        <ul className="plain" aria-label="Backups">
          {backups.map((b) => (
            <li key={b.file} className="row">
              <span>
                {formatTime(b.at)} · {(b.bytes / 1024).toFixed(0)} KiB
              </span>
              <button type="button" disabled={busy} onClick={() => setRestoring(b.file)}>
                Restore…
              </button>
            </li>
          ))}
        </ul>
      )}
      {restoring !== null && (
        <ConfirmDialog
          title="Restore this backup?"
          confirmLabel="Restore"
          onCancel={() => setRestoring(null)}
          onConfirm={() => {
            const file = restoring;
            setRestoring(null);
            void act('club:restore', { file }, 'Backup restored: the horde is back as it was then.');
          }}
        >
          Every kudos change since this backup is undone on the horde. Members keep their keys.
        </ConfirmDialog>
      )}
    </Card>
  );
}
