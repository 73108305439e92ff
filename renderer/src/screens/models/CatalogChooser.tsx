import type { CatalogItem } from '../../../../shared/bridge/contract';
import { downloadMb, formatMb, memoryNeedMb } from '../../../../shared/catalog/catalog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/States';
import { useModels } from '../../stores';
import { DownloadRow } from './DownloadRow';
import { HORDE_LABEL, KIND_LABEL } from './labels';

const SPEED = { fast: 'fast', medium: 'medium speed', slow: 'slow' } as const;

function advertisedAs(item: CatalogItem): string {
  const { model, forms } = item.entry.advertise;
  if (model) return `goes out as ${model}`;
  if (forms.length > 0) return `serves ${forms.join(', ')}`;
  return 'goes out under its own name';
}

function Item({ item }: { item: CatalogItem }) {
  const download = useModels((s) => s.download);
  const cancel = useModels((s) => s.cancel);
  const busy = useModels((s) => s.busy);
  const progress = useModels((s) => s.downloads[item.entry.id]);
  const { entry } = item;
  const running = progress && ['checking', 'downloading', 'verifying'].includes(progress.state);
  return (
    <li className="stack catalog-item" style={{ gap: '0.35rem' }} aria-label={entry.title}>
      <div className="row" style={{ justifyContent: 'space-between', alignItems: 'baseline' }}>
        <strong>{entry.title}</strong>
        <span className="muted">{KIND_LABEL[entry.kind]}</span>
      </div>
      <p style={{ margin: 0 }}>{entry.summary}</p>
      <p className="muted" style={{ margin: 0 }}>
        About {formatMb(downloadMb(entry))} to download · about {formatMb(memoryNeedMb(entry))} of memory ·{' '}
        {SPEED[entry.speed]} · licence {entry.licence} · {advertisedAs(item)}
      </p>
      {entry.licenceNote && <p className="notice">{entry.licenceNote}</p>}
      <p style={{ margin: 0 }}>
        <span className={`earn-level ${item.earning.level}`}>
          {item.earning.level === 'full'
            ? 'Earns'
            : item.earning.level === 'limited'
              ? 'Earns a little'
              : 'Earns nothing'}
        </span>{' '}
        {item.earning.why}
      </p>
      {progress && (
        <DownloadRow
          title={entry.title}
          progress={progress}
          onCancel={() => void cancel(entry.id)}
          onRetry={() => void download(entry.id)}
        />
      )}
      {!running && (
        <div className="row">
          {item.installed ? (
            <span className="muted">Installed</span>
          ) : item.fits.ok ? (
            progress?.state === 'error' || progress?.state === 'cancelled' ? null : (
              <button
                type="button"
                className="primary"
                disabled={busy === `download:${entry.id}`}
                onClick={() => void download(entry.id)}
              >
                Download and earn
              </button>
            )
          ) : (
            <span className="muted">Not for this machine: {item.fits.reason}</span>
          )}
        </div>
      )}
    </li>
  );
}

/** The catalog as this machine sees it: what fits first, each with what it earns on the chosen horde. */
export function CatalogChooser({ intro }: { intro?: string }) {
  const catalog = useModels((s) => s.catalog);
  const error = useModels((s) => s.error);
  const actionError = useModels((s) => s.actionError);
  if (error !== null) return <ErrorNotice error={error} />;
  if (!catalog) return <Loading what="the model catalog" />;
  const items = catalog.items
    .filter((i) => i.entry.runnable)
    .sort((a, b) => Number(b.fits.ok) - Number(a.fits.ok) || levelRank(b) - levelRank(a));
  return (
    <div className="stack">
      <p className="muted">
        {intro ??
          `Models for ${HORDE_LABEL[catalog.horde]}, for this machine: ${formatMb(catalog.machine.memoryMb)} of memory free for models, ${formatMb(catalog.machine.diskFreeMb)} free on disk${catalog.machine.gpu ? ', a GPU' : ', no GPU found'}. Downloads go to ${catalog.machine.modelsDir} (Hugging Face cache layout).`}
      </p>
      {actionError !== null && <ErrorNotice error={actionError} />}
      <ul aria-label="Model catalog" className="stack" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {items.map((item) => (
          <Item key={item.entry.id} item={item} />
        ))}
      </ul>
    </div>
  );
}

function levelRank(i: CatalogItem): number {
  return i.earning.level === 'full' ? 2 : i.earning.level === 'limited' ? 1 : 0;
}
