import { useEffect } from 'react';
import { ONNX_DTYPES, pickDtype, type DtypeChoice, type OnnxDtype } from '../../../../shared/worker/dtype';
import { SelectField } from '../../components/Fields';
import { useWorker } from '../../stores';

const LABELS: Record<OnnxDtype, string> = {
  fp32: 'fp32: full precision (largest, slowest on a CPU)',
  q8: 'q8: 8-bit',
  int8: 'int8: 8-bit, signed',
  uint8: 'uint8: 8-bit, unsigned',
  q4: 'q4: 4-bit',
  bnb4: 'bnb4: 4-bit NF4',
  fp16: 'fp16: half precision (GPU)',
  q4f16: 'q4f16: 4-bit, half precision (GPU)',
};

const OPTIONS: readonly { value: DtypeChoice; label: string }[] = [
  { value: 'auto', label: 'Automatic: the best the model ships for this device' },
  ...ONNX_DTYPES.map((d) => ({ value: d, label: LABELS[d] })),
];

/** What `choice` loads for one model's variants on the CPU engine, or why it cannot load. */
function outcome(
  dtypes: readonly OnnxDtype[],
  choice: DtypeChoice,
): { loads: OnnxDtype } | { missing: true } {
  try {
    return { loads: pickDtype(dtypes, 'cpu', choice) };
  } catch {
    return { missing: true };
  }
}

/**
 * The text precision setting (`textDtype`) and, for each text model in the
 * models folder, the variants it ships and the one the choice loads there.
 */
export function TextDtypeField({
  value,
  onChange,
}: {
  value: DtypeChoice;
  onChange: (v: DtypeChoice) => void;
}) {
  const models = useWorker((s) => s.models);
  const refreshModels = useWorker((s) => s.refreshModels);
  useEffect(() => {
    if (models === null) void refreshModels();
  }, [models, refreshModels]);
  const text = (models ?? []).filter((m) => m.kind === 'text');
  return (
    <div className="stack">
      <SelectField
        label="Text model precision"
        value={value}
        options={OPTIONS}
        onChange={onChange}
        hint="Automatic takes q8, then q4 on a CPU (a quarter or an eighth of the memory traffic of fp32 per token), and q4f16, then fp16 on a GPU. Saving a new choice reloads the text model."
      />
      {models !== null && (
        <ul className="muted" aria-label="Text model variants">
          {text.length === 0 && <li>No text model in the models folder yet.</li>}
          {text.map((m) => {
            const dtypes = m.dtypes ?? [];
            const o = outcome(dtypes, value);
            const ships = dtypes.length > 0 ? dtypes.join(', ') : 'no complete variant';
            return (
              <li key={m.name} className={'missing' in o ? 'notice warn' : undefined}>
                {m.name} ships {ships}
                {'missing' in o
                  ? `; it has no ${value} variant, so it will not load. Choose Automatic or one it ships.`
                  : `; on the CPU it loads ${o.loads}.`}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
