import { useEffect, useState, type DragEvent, type FormEvent } from 'react';
import {
  IMAGE_CFG,
  IMAGE_N,
  IMAGE_SIDE,
  IMAGE_STEPS,
  SAMPLERS,
  type Sampler,
} from '../../../../shared/api/image';
import type { ImagePrice } from '../../../../shared/bridge/images';
import { Card } from '../../components/Card';
import { ErrorNotice } from '../../components/ErrorNotice';
import { NumberField, SelectField, Switch, TextArea, TextField } from '../../components/Fields';
import { formatKudos } from '../../format';
import { useImages } from '../../stores';
import { useDebounced } from '../../useDebounced';
import { buildRequest, DEFAULT_FORM, sizePresets, type ImageFormState } from './imageForm';

const ACCEPTED = ['image/png', 'image/jpeg', 'image/webp'];
const MODELS_REFRESH_MS = 20_000;
/** Offered where a worker has them; the price line says whether any worker can serve the request. */
const POST_PROCESSORS = [
  { name: 'GFPGAN', label: 'Fix faces (GFPGAN)' },
  { name: 'RealESRGAN_x2plus', label: 'Upscale ×2' },
  { name: 'strip_background', label: 'Strip background' },
];

function readDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(new Error('The image could not be read'));
    reader.onload = () => resolve(String(reader.result));
    reader.readAsDataURL(file);
  });
}

function PriceLine({
  price,
  pricing,
  error,
}: {
  price: ImagePrice | null;
  pricing: boolean;
  error: unknown;
}) {
  return (
    <div className="price" aria-live="polite">
      <dl>
        <dt>Price</dt>
        <dd aria-label="Price">
          {price ? `${formatKudos(price.kudos)} kudos` : '—'}
          {pricing && <span className="muted"> (asking the horde…)</span>}
        </dd>
        <dt>Available</dt>
        <dd aria-label="Available">{price ? `${formatKudos(price.available)} kudos` : '—'}</dd>
        <dt>Left after this request</dt>
        <dd aria-label="Left after this request">{price ? `${formatKudos(price.after)} kudos` : '—'}</dd>
        <dt>Workers</dt>
        <dd aria-label="Workers">
          {price?.workers === null || price === null
            ? '—'
            : price.workers === 0
              ? 'no worker serves this model now'
              : `${price.workers} online for this model`}
        </dd>
      </dl>
      {price && price.upfront.length > 0 && (
        <p
          className={`notice ${price.refused ? 'error' : 'warn'}`}
          role={price.refused ? 'alert' : undefined}
        >
          This request needs its kudos up front because {price.upfront.join('; ')}.{' '}
          {price.refused
            ? 'You do not have them: the horde will refuse it. Make it smaller or fewer steps, allow slow workers, or earn kudos first.'
            : 'You have them; they are held until the request ends.'}
        </p>
      )}
      {price?.workers === 0 && (
        <p className="notice warn">
          No worker can serve this now: the request would wait (and expire after 20 minutes) until one comes.
        </p>
      )}
      {error !== null && error !== undefined && <ErrorNotice error={error} />}
    </div>
  );
}

export function ImageForm() {
  const { models, modelsError, submit, submitting, error, price, prefill, job, loadModels } = useImages();
  const [f, setF] = useState<ImageFormState>(DEFAULT_FORM);
  const [custom, setCustom] = useState(false);
  const [over, setOver] = useState(false);
  const [quote, setQuote] = useState<ImagePrice | null>(null);
  const [pricing, setPricing] = useState(false);
  const [priceError, setPriceError] = useState<unknown>(null);
  const set = (patch: Partial<ImageFormState>) => setF((prev) => ({ ...prev, ...patch }));

  // Workers come and go: the model list (with its worker counts) is read on opening and every 20 s.
  useEffect(() => {
    void loadModels();
    const t = setInterval(() => void loadModels(), MODELS_REFRESH_MS);
    return () => clearInterval(t);
  }, [loadModels]);

  useEffect(() => {
    if (!prefill) return;
    const { source: _ignored, sampler, ...rest } = prefill.request;
    void _ignored;
    setF((prev) => ({
      ...prev,
      ...(rest as Partial<ImageFormState>),
      ...(sampler ? { sampler: sampler as Sampler } : {}),
      ...(prefill.source ? { source: prefill.source } : {}),
    }));
  }, [prefill]);

  const built = buildRequest(f);
  const settled = useDebounced(built.ok ? JSON.stringify(built.request) : null, 400);
  useEffect(() => {
    if (settled === null) return;
    let live = true;
    setPricing(true);
    price(JSON.parse(settled))
      .then((q) => live && (setQuote(q), setPriceError(null)))
      .catch((e: unknown) => live && (setQuote(null), setPriceError(e)))
      .finally(() => live && setPricing(false));
    return () => {
      live = false;
    };
  }, [settled, price]);

  const side = models?.find((m) => m.name === f.model)?.nativeSide ?? 512;
  const presets = sizePresets(side);
  const preset = presets.findIndex((p) => p.width === f.width && p.height === f.height);

  async function take(file: File | undefined) {
    if (!file) return;
    if (!ACCEPTED.includes(file.type)) {
      setPriceError(new Error('Drop a PNG, JPEG or WebP image.'));
      return;
    }
    set({ source: { dataUrl: await readDataUrl(file), name: file.name } });
  }
  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    void take(e.dataTransfer.files[0]);
  }
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (built.ok) void submit(built.request);
  }
  const busy = submitting || (job !== null && !job.settled);

  return (
    <Card title="Image request">
      <form className="stack" onSubmit={onSubmit} aria-label="Image request">
        <TextArea label="Prompt" value={f.prompt} onChange={(v) => set({ prompt: v })} rows={3} />
        <TextArea
          label="Negative prompt"
          value={f.negative}
          onChange={(v) => set({ negative: v })}
          rows={2}
        />
        <SelectField
          label="Model"
          value={f.model ?? ''}
          hint={
            modelsError ? 'The horde did not list its models.' : 'Workers online, then images queued for it.'
          }
          options={[
            { value: '', label: 'Any model' },
            ...(models ?? []).map((m) => ({
              value: m.name,
              label: `${m.name} — ${m.count} worker${m.count === 1 ? '' : 's'}${m.queued > 0 ? `, ${m.queued} queued` : ''}`,
            })),
          ]}
          onChange={(v) => {
            const native = models?.find((m) => m.name === v)?.nativeSide ?? 512;
            set({ model: v === '' ? null : v, ...(custom ? {} : { width: native, height: native }) });
          }}
        />
        <SelectField
          label="Size"
          value={custom || preset < 0 ? 'custom' : String(preset)}
          options={[
            ...presets.map((p, i) => ({ value: String(i), label: p.label })),
            { value: 'custom', label: 'Free size' },
          ]}
          onChange={(v) => {
            if (v === 'custom') return setCustom(true);
            setCustom(false);
            const p = presets[Number(v)]!;
            set({ width: p.width, height: p.height });
          }}
        />
        {(custom || preset < 0) && (
          <div className="row">
            <NumberField
              label="Width"
              value={f.width}
              min={IMAGE_SIDE.min}
              max={IMAGE_SIDE.max}
              step={IMAGE_SIDE.multiple}
              onChange={(v) => set({ width: v })}
            />
            <NumberField
              label="Height"
              value={f.height}
              min={IMAGE_SIDE.min}
              max={IMAGE_SIDE.max}
              step={IMAGE_SIDE.multiple}
              onChange={(v) => set({ height: v })}
            />
          </div>
        )}
        <div className="row">
          <NumberField
            label="Steps"
            value={f.steps}
            min={IMAGE_STEPS.min}
            max={IMAGE_STEPS.max}
            onChange={(v) => set({ steps: v })}
          />
          <SelectField
            label="Sampler"
            value={f.sampler}
            options={SAMPLERS.map((s) => ({ value: s, label: s }))}
            onChange={(v) => set({ sampler: v })}
          />
          <NumberField
            label="CFG"
            value={f.cfgScale}
            min={IMAGE_CFG.min}
            max={IMAGE_CFG.max}
            step={0.5}
            onChange={(v) => set({ cfgScale: v })}
          />
        </div>
        <div className="row">
          <TextField label="Seed" value={f.seed} placeholder="random" onChange={(v) => set({ seed: v })} />
          <NumberField
            label="Images"
            value={f.n}
            min={IMAGE_N.min}
            max={IMAGE_N.max}
            onChange={(v) => set({ n: v })}
          />
          <Switch label="Karras" checked={f.karras} onChange={(v) => set({ karras: v })} />
        </div>
        <div
          className={`dropzone${over ? ' over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
        >
          {f.source ? (
            <div className="row">
              <img className="thumb" src={f.source.dataUrl} alt="img2img source" />
              <span>img2img from {f.source.name}</span>
              <button type="button" onClick={() => set({ source: null })}>
                Remove
              </button>
            </div>
          ) : (
            <label>
              Drop an image here for img2img, or{' '}
              <input
                type="file"
                accept={ACCEPTED.join(',')}
                aria-label="img2img source"
                onChange={(e) => void take(e.currentTarget.files?.[0])}
              />
            </label>
          )}
        </div>
        {f.source && (
          <NumberField
            label="Strength"
            hint="How much of the source is redrawn: 0.01 keeps it, 1 replaces it."
            value={f.strength}
            min={0.01}
            max={1}
            step={0.01}
            onChange={(v) => set({ strength: v })}
          />
        )}
        <fieldset className="stack">
          <legend>Post-processing</legend>
          {POST_PROCESSORS.map((p) => (
            <Switch
              key={p.name}
              label={p.label}
              checked={f.postProcessing.includes(p.name)}
              onChange={(on) =>
                set({
                  postProcessing: on
                    ? [...f.postProcessing, p.name]
                    : f.postProcessing.filter((x) => x !== p.name),
                })
              }
            />
          ))}
        </fieldset>
        <div className="row">
          <Switch
            label="Slow workers"
            hint="Off costs 20 % more and needs the kudos up front."
            checked={f.slowWorkers}
            onChange={(v) => set({ slowWorkers: v })}
          />
          <Switch
            label="Trusted workers only"
            checked={f.trustedWorkers}
            onChange={(v) => set({ trustedWorkers: v })}
          />
          <Switch
            label="NSFW"
            hint="Off: workers censor NSFW images (they are not charged)."
            checked={f.nsfw}
            onChange={(v) => set({ nsfw: v })}
          />
        </div>
        <PriceLine
          price={quote}
          pricing={pricing}
          error={built.ok ? priceError : f.prompt.trim() === '' ? null : new Error(built.message)}
        />
        <button type="submit" className="primary" disabled={!built.ok || busy || quote?.refused === true}>
          {submitting ? 'Sending…' : `Generate ${f.n} image${f.n === 1 ? '' : 's'}`}
        </button>
        {error !== null && error !== undefined && <ErrorNotice error={error} />}
      </form>
    </Card>
  );
}
