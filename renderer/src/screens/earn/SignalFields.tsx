import { useState } from 'react';
import type { IdlePolicySettings, SignalsSupport } from '../../../../shared/worker/stats';
import { ErrorNotice } from '../../components/ErrorNotice';
import { NumberField, Switch } from '../../components/Fields';
import { useWorker } from '../../stores';

const DEFAULT_CPU_LIMIT = 50;

/**
 * The policy switches fed by measured signals: each is shown only where its probe works on this
 * machine; where it does not, one line says why.
 */
export function SignalFields({
  idle,
  support,
  apply,
}: {
  idle: IdlePolicySettings;
  support: SignalsSupport | undefined;
  apply: (patch: Partial<IdlePolicySettings>) => void;
}) {
  if (!support) return null;
  const cpuOn = idle.maxCpuPercentOthers !== undefined && idle.maxCpuPercentOthers < 100;
  return (
    <>
      {support.fullscreen.available ? (
        <Switch
          label="Pause while a full-screen program runs"
          checked={idle.pauseWhenFullscreen ?? false}
          onChange={(v) => apply({ pauseWhenFullscreen: v })}
          hint={`Games, videos and presentations keep the whole machine. ${support.fullscreen.how}`}
        />
      ) : (
        <p className="muted" aria-label="Full-screen pause">
          Full-screen pause: {support.fullscreen.how}
        </p>
      )}
      {support.cpu.available && (
        <>
          <Switch
            label="Pause while other programs keep the CPU busy"
            checked={cpuOn}
            onChange={(on) => apply({ maxCpuPercentOthers: on ? DEFAULT_CPU_LIMIT : 100 })}
            hint={support.cpu.how}
          />
          {cpuOn && (
            <NumberField
              label="Other programs' CPU use above (%)"
              value={idle.maxCpuPercentOthers ?? DEFAULT_CPU_LIMIT}
              min={5}
              max={95}
              step={5}
              onChange={(v) => {
                if (Number.isFinite(v) && v >= 5 && v <= 95) apply({ maxCpuPercentOthers: v });
              }}
            />
          )}
        </>
      )}
      {support.programs.available ? (
        <ProgramList
          names={idle.pausePrograms ?? []}
          onChange={(pausePrograms) => apply({ pausePrograms })}
        />
      ) : (
        <p className="muted">Pause for named programs: {support.programs.how}</p>
      )}
    </>
  );
}

function ProgramList({ names, onChange }: { names: string[]; onChange: (names: string[]) => void }) {
  const { programs, programsError, loadPrograms } = useWorker();
  const [picking, setPicking] = useState(false);
  const [filter, setFilter] = useState('');
  const has = (n: string) => names.some((x) => x.toLowerCase() === n.toLowerCase());
  const add = (n: string) => {
    const name = n.trim();
    if (name && !has(name)) onChange([...names, name]);
  };
  const shown = (programs?.names ?? []).filter(
    (n) => !has(n) && n.toLowerCase().includes(filter.trim().toLowerCase()),
  );
  return (
    <fieldset>
      <legend>Pause while these programs run</legend>
      {names.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul
          aria-label="Programs that pause earning"
          className="row"
          style={{ listStyle: 'none', padding: 0 }}
        >
          {names.map((n) => (
            <li key={n}>
              <button type="button" onClick={() => onChange(names.filter((x) => x !== n))} title="Remove">
                {n} ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      {!picking ? (
        <button
          type="button"
          onClick={() => {
            setPicking(true);
            void loadPrograms();
          }}
        >
          Choose from running programs…
        </button>
      ) : (
        <div className="stack">
          <label className="field">
            <span>Find or type a program name</span>
            <input
              value={filter}
              onChange={(e) => setFilter(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  add(filter);
                  setFilter('');
                }
              }}
            />
          </label>
          {programsError !== null && <ErrorNotice error={programsError} />}
          <ul aria-label="Running programs" className="picker">
            {shown.slice(0, 200).map((n) => (
              <li key={n}>
                <button type="button" onClick={() => add(n)}>
                  {n}
                </button>
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => setPicking(false)}>
            Done
          </button>
        </div>
      )}
    </fieldset>
  );
}
