import { useState } from 'react';
import type { InstalledModel } from '../../../../shared/bridge/contract';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Empty, Loading } from '../../components/States';
import { formatBytes } from '../../format';
import { useModels } from '../../stores';

const SOURCE = {
  catalog: 'downloaded from the catalog',
  'hub-cache': 'Hugging Face cache',
  folder: 'folder in the models folder',
  linked: 'folder added from elsewhere',
} as const;

/** What the name a model goes out under means for what it is paid. */
function payNote(m: InstalledModel): string {
  if (m.kind === 'alchemy')
    return m.honestName
      ? `Serves ${m.advertisedAs.join(', ') || 'no form'}: forms are asked for by name, so it is paid like any alchemist.`
      : `Serves ${m.advertisedAs.join(', ') || 'no form'}. An upscaler is asked for by its model's name; until you confirm which model this is, it serves no upscale form.`;
  if (m.honestName)
    return `Goes out as ${m.advertisedAs[0] ?? m.name}, a name the horde can price as a known model.`;
  if (m.kind === 'image')
    return `Goes out under its own name, ${m.advertisedAs[0] ?? m.name}: your own horde serves it, but the AI Horde sends image jobs only for models in its image model reference. If this folder really is one of them (stable_diffusion is SD 1.5), confirm its name.`;
  if (m.source === 'catalog')
    return `Goes out under its own name, ${m.advertisedAs[0] ?? m.name}: the catalog knows no horde reference name for these weights, so the horde pays it as an unknown model (a fraction; about 1 kudos a job on the AI Horde).`;
  return `Goes out under its own name, ${m.advertisedAs[0] ?? m.name}: the horde pays an unknown model a fraction (about 1 kudos a job on the AI Horde). If this folder really is a known model, confirm its name.`;
}

function Row({ m }: { m: InstalledModel }) {
  const remove = useModels((s) => s.remove);
  const recheck = useModels((s) => s.recheck);
  const confirmName = useModels((s) => s.confirmName);
  const busy = useModels((s) => s.busy);
  const lastRecheck = useModels((s) => s.lastRecheck);
  const [confirming, setConfirming] = useState(false);
  const [naming, setNaming] = useState(false);
  const [as, setAs] = useState('');
  const canName = m.source !== 'catalog' && (m.kind !== 'alchemy' || m.forms.includes('upscale'));
  return (
    <li className="stack" style={{ gap: '0.3rem' }} aria-label={m.name}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <strong>{m.name}</strong>
        <span className="muted">
          {m.kind === 'alchemy' ? `alchemy (${m.forms.join(', ')})` : m.kind} · {formatBytes(m.sizeBytes)} ·{' '}
          {SOURCE[m.source]}
          {m.inUse ? ' · in use' : ''}
        </span>
      </div>
      <p className={m.honestName ? 'muted' : 'notice'} style={{ margin: 0 }}>
        {payNote(m)}
      </p>
      {lastRecheck?.name === m.name && (
        <p className={lastRecheck.damaged.length > 0 ? 'notice error' : 'muted'} role="status">
          {lastRecheck.note ??
            (lastRecheck.damaged.length > 0
              ? `${lastRecheck.damaged.length} of ${lastRecheck.filesChecked} files were damaged and removed (${lastRecheck.damaged.join(', ')}); download it again to repair.`
              : `All ${lastRecheck.filesChecked} files match their hashes.`)}
        </p>
      )}
      <div className="row">
        <button type="button" disabled={busy !== null} onClick={() => void recheck(m.name)}>
          Re-check files
        </button>
        {canName && (
          <button type="button" onClick={() => setNaming((v) => !v)}>
            {m.honestName ? 'Change its name' : 'Confirm what model this is'}
          </button>
        )}
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete
        </button>
      </div>
      {naming && (
        <form
          className="row"
          aria-label={`Name of ${m.name}`}
          onSubmit={(e) => {
            e.preventDefault();
            void confirmName(m.name, as.trim() || null).then(() => setNaming(false));
          }}
        >
          <label>
            {m.kind === 'text' ? 'This folder holds the weights of' : 'This upscaler is'}{' '}
            <input
              value={as}
              onChange={(e) => setAs(e.target.value)}
              placeholder={m.kind === 'text' ? 'e.g. Qwen/Qwen2.5-0.5B-Instruct' : 'e.g. RealESRGAN_x4plus'}
            />
          </label>
          <button type="submit">Confirm</button>
        </form>
      )}
      {confirming && (
        <ConfirmDialog
          title={`Delete ${m.name}?`}
          confirmLabel="Delete"
          onConfirm={() => {
            setConfirming(false);
            void remove(m.name);
          }}
          onCancel={() => setConfirming(false)}
        >
          {m.source === 'linked'
            ? 'The folder is only removed from the app; its files stay where they are.'
            : 'Its files are deleted from the models folder.'}
          {m.inUse ? ' The worker stops using it (it finishes its job first).' : ''}
        </ConfirmDialog>
      )}
    </li>
  );
}

export function InstalledModels() {
  const installed = useModels((s) => s.installed);
  const error = useModels((s) => s.error);
  if (error !== null) return <ErrorNotice error={error} />;
  if (!installed) return <Loading what="installed models" />;
  if (installed.length === 0) return <Empty>No models yet: download one below, or add a model folder.</Empty>;
  return (
    <ul aria-label="Installed models" className="stack" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {installed.map((m) => (
        <Row key={m.path} m={m} />
      ))}
    </ul>
  );
}
