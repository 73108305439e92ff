import type { LocalModel } from '../../../../shared/bridge/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ProgressBar } from '../../components/ProgressBar';
import { Empty, Loading } from '../../components/States';
import { formatBytes } from '../../format';
import { useSettings, useWorker } from '../../stores';

const LOAD_LABEL = {
  found: 'Found, not loaded',
  loading: 'Loading',
  ready: 'Ready',
  error: 'Failed to load',
} as const;

/** "42 % · 120 MB of 290 MB read": file bytes count for 95 %, the sessions being built for the rest. */
export function loadLine(load: LocalModel['load']): string {
  const percent = `${Math.floor(Math.max(0, Math.min(1, load.fraction)) * 100)} %`;
  if (load.bytesLoaded === undefined || load.bytesTotal === undefined) return percent;
  return `${percent} · ${formatBytes(load.bytesLoaded)} of ${formatBytes(load.bytesTotal)} read`;
}

function ModelRow({ m }: { m: LocalModel }) {
  return (
    <li className="stack" style={{ gap: '0.25rem' }}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <strong>{m.name}</strong>
        <span className="muted">
          {m.kind} · {formatBytes(m.sizeBytes)} · {LOAD_LABEL[m.load.state]}
          {m.load.state === 'ready' &&
            m.load.seconds !== undefined &&
            ` (loaded in ${m.load.seconds.toFixed(1)} s)`}
        </span>
      </div>
      {m.load.state === 'loading' && (
        <>
          <ProgressBar label={`Loading ${m.name}`} value={m.load.fraction} />
          <p className="muted" aria-label={`Loading progress of ${m.name}`} style={{ margin: 0 }}>
            {loadLine(m.load)}
          </p>
        </>
      )}
      {m.load.state === 'error' && (
        <p className="notice error">{m.load.error ?? 'The model could not be loaded.'}</p>
      )}
    </li>
  );
}

export function LocalModels() {
  const { models, modelsError } = useWorker();
  const dir = useSettings((s) => s.settings?.modelsDir);
  if (modelsError !== null) return <ErrorNotice error={modelsError} />;
  if (models === null) return <Loading what="models" />;
  if (models.length === 0) {
    return (
      <Empty>
        No models in {dir ?? 'the models folder'}. Put an ONNX model folder there (see Settings) and the
        worker will find it.
      </Empty>
    );
  }
  return (
    <ul aria-label="Local models" className="stack" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {models.map((m) => (
        <ModelRow key={m.path} m={m} />
      ))}
    </ul>
  );
}
