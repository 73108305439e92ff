import { useModels } from '../../stores';
import { HORDE_LABEL, KIND_LABEL } from './labels';

/** Which kinds of work can earn on the chosen horde, why, and the horde's own queue figures. */
export function WhatEarnsWhere() {
  const earnings = useModels((s) => s.earnings);
  if (!earnings) return <p className="muted">Reading the horde’s figures…</p>;
  const f = earnings.figures;
  const queued: Partial<Record<string, string>> = f
    ? {
        text:
          f.queuedTextRequests !== undefined
            ? `${f.queuedTextRequests} text requests queued, ${f.textWorkers ?? '?'} text workers`
            : undefined,
        alchemy:
          f.queuedForms !== undefined
            ? `${f.queuedForms} alchemy forms queued, ${f.alchemists ?? '?'} alchemists`
            : undefined,
        image:
          f.queuedImageRequests !== undefined
            ? `${f.queuedImageRequests} image requests queued, ${f.imageWorkers ?? '?'} image workers`
            : undefined,
      }
    : {};
  const alchemy = earnings.kinds.filter((k) => k.kind !== 'text' && k.kind !== 'image');
  const rows = [
    {
      label: 'Alchemy (caption, interrogation, NSFW check, strip background, upscale)',
      k: alchemy[0],
      figure: queued.alchemy,
    },
    { label: KIND_LABEL.text, k: earnings.kinds.find((k) => k.kind === 'text'), figure: queued.text },
    { label: KIND_LABEL.image, k: earnings.kinds.find((k) => k.kind === 'image'), figure: queued.image },
  ];
  return (
    <div className="stack">
      <p className="muted">On {HORDE_LABEL[earnings.horde]}:</p>
      <dl className="earn-where">
        {rows.map(
          (r) =>
            r.k && (
              <div key={r.label}>
                <dt>
                  {r.label}:{' '}
                  <span className={`earn-level ${r.k.level}`}>
                    {r.k.level === 'full' ? 'earns' : 'earns in part'}
                  </span>
                </dt>
                <dd>
                  {r.k.why}
                  {r.figure && <span className="muted"> Now: {r.figure}.</span>}
                </dd>
              </div>
            ),
        )}
      </dl>
      {!f && <p className="muted">The horde’s queue figures could not be read.</p>}
    </div>
  );
}
