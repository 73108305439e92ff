import { useState } from 'react';
import type { IdlePolicySettings, ScheduleWindow, Weekday } from '../../../../shared/worker/stats';
import { ErrorNotice } from '../../components/ErrorNotice';
import { NumberField, Switch } from '../../components/Fields';
import { Loading } from '../../components/States';
import { useSettings, useWorker } from '../../stores';
import { SignalFields } from './SignalFields';

const DAYS: readonly { day: Weekday; label: string }[] = [
  { day: 1, label: 'Mon' },
  { day: 2, label: 'Tue' },
  { day: 3, label: 'Wed' },
  { day: 4, label: 'Thu' },
  { day: 5, label: 'Fri' },
  { day: 6, label: 'Sat' },
  { day: 0, label: 'Sun' },
];
const ALL_DAYS: Weekday[] = [0, 1, 2, 3, 4, 5, 6];
const DEFAULT_WINDOW: ScheduleWindow = { days: ALL_DAYS, start: '22:00', end: '07:00' };
const DEFAULT_IDLE_MINUTES = 5;

function ScheduleEditor({
  window: w,
  onChange,
}: {
  window: ScheduleWindow;
  onChange: (w: ScheduleWindow) => void;
}) {
  return (
    <div className="stack">
      <div className="row">
        <label className="field">
          <span>From</span>
          <input
            type="time"
            value={w.start}
            onChange={(e) => e.currentTarget.value && onChange({ ...w, start: e.currentTarget.value })}
          />
        </label>
        <label className="field">
          <span>Until</span>
          <input
            type="time"
            value={w.end}
            onChange={(e) => e.currentTarget.value && onChange({ ...w, end: e.currentTarget.value })}
          />
        </label>
      </div>
      <fieldset>
        <legend>On these days</legend>
        <div className="row">
          {DAYS.map(({ day, label }) => (
            <label key={day} className="switch">
              <input
                type="checkbox"
                checked={w.days.includes(day)}
                onChange={(e) =>
                  onChange({
                    ...w,
                    days: e.currentTarget.checked ? [...w.days, day].sort() : w.days.filter((d) => d !== day),
                  })
                }
              />
              <span>{label}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <small className="muted">
        A window that ends before it starts runs past midnight (e.g. 22:00 to 07:00).
      </small>
    </div>
  );
}

function PolicyFields({ idle }: { idle: IdlePolicySettings }) {
  const { save, saving } = useSettings();
  const support = useWorker((s) => s.stats?.signals);
  const shell = useSettings((s) => s.info?.shell);
  const [error, setError] = useState<unknown>(null);
  // The minutes box keeps its own text so a half-typed number is not saved (or snapped back).
  const [minutes, setMinutes] = useState(idle.idleMinutes > 0 ? idle.idleMinutes : DEFAULT_IDLE_MINUTES);

  async function apply(patch: Partial<IdlePolicySettings>) {
    const r = await save({ idle: patch });
    setError(r.ok ? null : r.error);
  }

  const whenIdle = idle.idleMinutes > 0;
  const window = idle.schedule?.[0];
  return (
    <div className="stack" aria-busy={saving}>
      <Switch
        label="Earn only when the computer is idle"
        checked={whenIdle}
        onChange={(on) => void apply({ idleMinutes: on ? minutes : 0 })}
        hint={
          shell === 'serve'
            ? 'Headless (npm run serve) has no keyboard or mouse idle time to read: while this is on, the worker waits. The desktop app reads it from the system.'
            : 'Stops within a second when you use the keyboard or mouse.'
        }
      />
      {whenIdle && (
        <NumberField
          label="Idle for (minutes)"
          value={minutes}
          min={1}
          max={240}
          step={1}
          onChange={(v) => {
            setMinutes(v);
            if (Number.isInteger(v) && v >= 1 && v <= 240) void apply({ idleMinutes: v });
          }}
        />
      )}
      <Switch
        label="Only on AC power"
        checked={idle.onlyOnAC}
        onChange={(v) => void apply({ onlyOnAC: v })}
        hint="Pause on battery."
      />
      <SignalFields idle={idle} support={support} apply={(patch) => void apply(patch)} />
      <Switch
        label="Finish the running job before pausing"
        checked={idle.finishJobBeforePause}
        onChange={(v) => void apply({ finishJobBeforePause: v })}
        hint="Dropped jobs count against the worker and can put it into maintenance."
      />
      {idle.finishJobBeforePause && <AfterReturnField idle={idle} apply={apply} />}
      <Switch
        label="Earn only on a schedule"
        checked={window !== undefined}
        onChange={(on) => void apply({ schedule: on ? [DEFAULT_WINDOW] : [] })}
      />
      {window && (
        <ScheduleEditor
          window={window}
          onChange={(w) => void apply({ schedule: [w, ...(idle.schedule ?? []).slice(1)] })}
        />
      )}
      {error !== null && <ErrorNotice error={error} />}
    </div>
  );
}

const DEFAULT_AFTER_RETURN_SECONDS = 30;
const MAX_AFTER_RETURN_SECONDS = 3600;

/** How long a job may go on, slowed, once the user is back (absent or null: until the horde's deadline). */
function AfterReturnField({
  idle,
  apply,
}: {
  idle: IdlePolicySettings;
  apply: (patch: Partial<IdlePolicySettings>) => Promise<void>;
}) {
  const limit = idle.afterReturnSeconds ?? null;
  // Kept as typed, so a half-typed number is neither saved nor snapped back.
  const [seconds, setSeconds] = useState(limit ?? DEFAULT_AFTER_RETURN_SECONDS);
  const valid = Number.isInteger(seconds) && seconds >= 0 && seconds <= MAX_AFTER_RETURN_SECONDS;
  return (
    <div className="stack">
      <Switch
        label="When you come back, let the job run until the horde's deadline"
        checked={limit === null}
        onChange={(on) =>
          void apply({ afterReturnSeconds: on ? null : valid ? seconds : DEFAULT_AFTER_RETURN_SECONDS })
        }
        hint="It goes on at low priority and half speed, and is handed back only if it could not be done in time."
      />
      {limit !== null && (
        <NumberField
          label="After you come back, a job may keep running for (seconds)"
          value={seconds}
          min={0}
          max={MAX_AFTER_RETURN_SECONDS}
          step={1}
          hint={
            valid
              ? 'A job that cannot end in this time is handed back at once (it counts as failed). 0: only a job about to end is finished.'
              : `A whole number of seconds from 0 to ${MAX_AFTER_RETURN_SECONDS}.`
          }
          onChange={(v) => {
            setSeconds(v);
            if (Number.isInteger(v) && v >= 0 && v <= MAX_AFTER_RETURN_SECONDS)
              void apply({ afterReturnSeconds: v });
          }}
        />
      )}
    </div>
  );
}

export function IdlePolicyForm() {
  const { settings, loaded, error } = useSettings();
  if (!settings)
    return error !== null ? (
      <ErrorNotice error={error} />
    ) : loaded ? null : (
      <Loading what="the idle policy" />
    );
  return <PolicyFields idle={settings.idle} />;
}
