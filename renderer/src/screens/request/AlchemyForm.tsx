import { useState, type DragEvent, type FormEvent } from 'react';
import type { InterrogationTag } from '../../../../shared/api/alchemy-results';
import type { AlchemyFormName, AlchemyFormView } from '../../../../shared/bridge/contract';
import { alchemyFormKudos, imageTiles } from '../../../../shared/kudos/pricing';
import { Card } from '../../components/Card';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Switch } from '../../components/Fields';
import { Loading } from '../../components/States';
import { formatKudos } from '../../format';
import { isFinalRequestState } from '../../../../shared/bridge/contract';
import { useRequests } from '../../stores';
import { milliFromHorde } from '../../../../shared/bridge/kudos';
import type { Milli } from '../../../../shared/ledger/money';

export const FORMS: readonly { name: AlchemyFormName; label: string }[] = [
  { name: 'caption', label: 'Caption' },
  { name: 'interrogation', label: 'Interrogation (tags)' },
  { name: 'nsfw', label: 'NSFW check' },
  { name: 'strip_background', label: 'Strip background' },
  { name: 'RealESRGAN_x2plus', label: 'Upscale ×2' },
];

const ACCEPTED = ['image/png', 'image/jpeg', 'image/webp'];

interface Picked {
  name: string;
  dataUrl: string;
  tiles: number;
}

function readDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(new Error('The image could not be read'));
    reader.onload = () => resolve(String(reader.result));
    reader.readAsDataURL(file);
  });
}

/** Tiles of 512×512 the image covers; the post-processors are priced per tile. */
function measureTiles(dataUrl: string, onTiles: (tiles: number) => void): void {
  const img = new Image();
  img.onload = () => onTiles(imageTiles(img.naturalWidth || 1, img.naturalHeight || 1));
  img.src = dataUrl;
}

/** What the chosen forms are worth, as the embedded horde charges them (the worker earns the same). */
export function alchemyEstimate(forms: readonly AlchemyFormName[], tiles: number): Milli {
  // The horde's prices, computed here as it would: its float kudos, to milli-kudos once.
  return milliFromHorde(forms.reduce((sum, f) => sum + alchemyFormKudos(f, tiles), 0));
}

const STATE_WORDS: Record<AlchemyFormView['state'], string> = {
  waiting: 'waiting',
  processing: 'running',
  done: 'done',
  faulted: 'failed',
};

/** "strip_background.webp", from the data: URL's type. */
export function downloadName(form: string, dataUrl: string): string {
  const type = /^data:image\/([a-z0-9+.-]+)[;,]/i.exec(dataUrl)?.[1]?.toLowerCase() ?? 'png';
  return `${form}.${type === 'jpeg' ? 'jpg' : type}`;
}

function TagList({ tags, label }: { tags: readonly InterrogationTag[]; label: string }) {
  return (
    <ul className="tag-list" aria-label={`Tags of ${label}`}>
      {tags.map((t, i) => (
        <li key={`${t.category ?? ''}:${t.text}:${i}`}>
          <span className="tag-text">
            {t.text}
            {t.category && <span className="muted"> ({t.category})</span>}
          </span>
          {Number.isFinite(t.confidence) ? (
            <meter min={0} max={1} value={t.confidence} aria-label={`Score of ${t.text}`} />
          ) : (
            <span />
          )}
          <span className="tag-score">
            {Number.isFinite(t.confidence) ? `${Math.round(t.confidence * 100)}%` : 'no score'}
          </span>
        </li>
      ))}
    </ul>
  );
}

function FormResult({ f }: { f: AlchemyFormView }) {
  const label = FORMS.find((x) => x.name === f.form)?.label ?? f.form;
  return (
    <div className="stack alchemy-result">
      <strong>
        {label}: {STATE_WORDS[f.state] ?? f.state}
      </strong>
      {f.caption !== undefined && (
        <p className="caption">{f.caption || 'The captioner wrote nothing for this image.'}</p>
      )}
      {f.tags && <TagList tags={f.tags} label={label} />}
      {f.nsfw !== undefined && (
        <p className={f.nsfw ? 'verdict danger' : 'verdict ok'}>
          {f.nsfw
            ? 'Not safe for work: the check found adult content in this image.'
            : 'Safe for work: the check found no adult content in this image.'}
        </p>
      )}
      {f.text && (
        <dl className="price">
          {Object.entries(f.text).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
      {f.image && (
        <figure className="stack">
          <img className="result-image" src={f.image} alt={`Result of ${label}`} />
          <a className="button" href={f.image} download={downloadName(f.form, f.image)}>
            Download the {label.toLowerCase()} result
          </a>
        </figure>
      )}
    </div>
  );
}

export function AlchemyForm() {
  const { alchemy, submitAlchemy, cancelAlchemy } = useRequests();
  const [picked, setPicked] = useState<Picked | null>(null);
  const [pickError, setPickError] = useState<unknown>(null);
  const [forms, setForms] = useState<AlchemyFormName[]>(['caption']);
  const [over, setOver] = useState(false);

  async function take(file: File | undefined) {
    if (!file) return;
    if (!ACCEPTED.includes(file.type)) {
      setPickError({ rc: 'ImageValidationFailed', message: 'unsupported image type' });
      return;
    }
    setPickError(null);
    try {
      const dataUrl = await readDataUrl(file);
      // One tile until the size is known; the estimate updates when the image has decoded.
      setPicked({ name: file.name, dataUrl, tiles: 1 });
      measureTiles(dataUrl, (tiles) => setPicked((p) => (p && p.dataUrl === dataUrl ? { ...p, tiles } : p)));
    } catch (e) {
      setPickError(e);
    }
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    void take(e.dataTransfer.files[0]);
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!picked || forms.length === 0) return;
    void submitAlchemy({ sourceImage: picked.dataUrl, forms });
  }

  const running =
    alchemy.submitting ||
    (alchemy.id !== null && !(alchemy.status && isFinalRequestState(alchemy.status.state)));
  return (
    <Card title="Alchemy">
      <form className="stack" onSubmit={onSubmit} aria-label="Alchemy">
        <div
          className={over ? 'dropzone over' : 'dropzone'}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
        >
          {picked && <img src={picked.dataUrl} alt={`Chosen image ${picked.name}`} />}
          <label className="field">
            <span>Image (drop it here or pick a file)</span>
            <input
              type="file"
              accept={ACCEPTED.join(',')}
              onChange={(e) => void take(e.currentTarget.files?.[0])}
            />
          </label>
        </div>
        {pickError !== null && <ErrorNotice error={pickError} />}
        <fieldset>
          <legend>What to do with it</legend>
          {FORMS.map((f) => (
            <Switch
              key={f.name}
              label={f.label}
              checked={forms.includes(f.name)}
              onChange={(on) => setForms((cur) => (on ? [...cur, f.name] : cur.filter((x) => x !== f.name)))}
            />
          ))}
        </fieldset>
        <p className="price">
          Price: about <strong>{formatKudos(alchemyEstimate(forms, picked?.tiles ?? 1))}</strong> kudos
        </p>
        <div className="row">
          <button type="submit" className="primary" disabled={!picked || forms.length === 0 || running}>
            {alchemy.submitting ? 'Submitting…' : 'Run alchemy'}
          </button>
          {alchemy.id && running && (
            <button
              type="button"
              className="danger"
              disabled={alchemy.cancelling}
              onClick={() => void cancelAlchemy()}
            >
              Cancel
            </button>
          )}
        </div>
        {alchemy.error !== null && <ErrorNotice error={alchemy.error} />}
        {alchemy.id && !alchemy.status && <Loading what="the alchemy status" />}
        {alchemy.status && (
          <div className="stack" aria-live="polite">
            {alchemy.status.forms.map((f) => (
              <FormResult key={f.form} f={f} />
            ))}
          </div>
        )}
      </form>
    </Card>
  );
}
