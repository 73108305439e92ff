import { useEffect, useState } from 'react';
import { Card } from '../../components/Card';
import { NumberField, SelectField } from '../../components/Fields';
import type { JoinPolicy } from '../../../../shared/bridge/club';
import { useClub } from '../../stores';
import { fromKudos, toKudos } from '../../../../shared/ledger/money';

const JOIN: readonly { value: JoinPolicy; label: string }[] = [
  { value: 'invite', label: 'With an invite only' },
  { value: 'open', label: 'Anyone who finds it on this network' },
  { value: 'closed', label: 'No one new for now' },
];

/** The horde's own settings: what a new member starts with, the most one may hold, who may join. */
export function HordeSettingsCard() {
  const { settings, act, busy } = useClub();
  const [starting, setStarting] = useState(NaN);
  const [cap, setCap] = useState(NaN);
  const [join, setJoin] = useState<JoinPolicy>('invite');
  useEffect(() => {
    if (!settings) return;
    // The fields hold typed kudos; the settings cross the bridge as milli-kudos.
    setStarting(toKudos(settings.startingKudos));
    setCap(settings.kudosCap !== null ? toKudos(settings.kudosCap) : NaN);
    setJoin(settings.join);
  }, [settings]);
  if (!settings) return null;
  const valid = Number.isFinite(starting) && starting >= 0 && (!Number.isFinite(cap) || cap >= 1);
  return (
    <Card title="Horde settings">
      <NumberField
        label="Starting kudos of a new member"
        value={starting}
        min={0}
        step={1}
        onChange={setStarting}
      />
      <NumberField
        label="Most kudos one member may hold"
        hint="Empty: no cap. Earnings above it are not paid; transfers past it are refused."
        value={cap}
        min={1}
        step={1}
        onChange={setCap}
      />
      <SelectField label="Who may join" value={join} options={JOIN} onChange={setJoin} />
      <button
        type="button"
        className="primary"
        disabled={busy || !valid}
        onClick={() =>
          void act(
            'club:setSettings',
            {
              startingKudos: fromKudos(starting),
              kudosCap: Number.isFinite(cap) ? fromKudos(cap) : null,
              join,
            },
            'Horde settings saved: they apply now.',
          )
        }
      >
        Save horde settings
      </button>
    </Card>
  );
}
