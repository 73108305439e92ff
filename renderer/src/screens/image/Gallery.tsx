import { useEffect, useState } from 'react';
import type { GalleryImage } from '../../../../shared/bridge/images';
import { Card } from '../../components/Card';
import { Empty } from '../../components/States';
import { formatBytes } from '../../format';
import { useImages } from '../../stores';

function Thumb({ g, onOpen }: { g: GalleryImage; onOpen: () => void }) {
  const loadFile = useImages((s) => s.loadFile);
  const src = useImages((s) => s.files[g.id]);
  useEffect(() => {
    void loadFile(g.id);
  }, [g.id, loadFile]);
  return (
    <button type="button" className="gallery-thumb" onClick={onOpen} aria-label={`Open image seed ${g.seed}`}>
      {src ? <img src={src} alt={g.prompt} /> : <span className="muted">…</span>}
      {g.censored && <span className="badge">censored</span>}
    </button>
  );
}

function save(dataUrl: string, filename: string): void {
  const a = document.createElement('a');
  a.href = dataUrl;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
}

function FullView({ g, onClose }: { g: GalleryImage; onClose: () => void }) {
  const { files, download, againWithSeed, useAsSource, remove } = useImages();
  const [copied, setCopied] = useState(false);
  return (
    <div className="full-view" role="dialog" aria-label="Image" aria-modal="false">
      {files[g.id] && <img className="full-image" src={files[g.id]} alt={g.prompt} />}
      <dl className="price">
        <dt>Prompt</dt>
        <dd>{g.prompt}</dd>
        {g.negative.trim() !== '' && (
          <>
            <dt>Negative</dt>
            <dd>{g.negative}</dd>
          </>
        )}
        <dt>Settings</dt>
        <dd>
          {g.width}×{g.height}, {g.steps} steps, {g.sampler}
          {g.karras ? ' karras' : ''}, CFG {g.cfgScale}
          {g.strength !== undefined ? `, img2img strength ${g.strength}` : ''}
        </dd>
        <dt>Seed</dt>
        <dd aria-label="Seed">{g.seed}</dd>
        <dt>Model, worker</dt>
        <dd>
          {g.model}, {g.workerName} · {formatBytes(g.bytes)}
        </dd>
      </dl>
      <div className="row wrap">
        <button type="button" onClick={async () => save(...spread(await download(g.id, 'png')))}>
          Download PNG
        </button>
        <button type="button" onClick={async () => save(...spread(await download(g.id, 'webp')))}>
          Download WebP
        </button>
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(g.seed).then(() => setCopied(true));
          }}
        >
          {copied ? 'Seed copied' : 'Copy seed'}
        </button>
        <button type="button" onClick={() => againWithSeed(g)}>
          Again with this seed
        </button>
        <button type="button" onClick={() => void useAsSource(g)}>
          Use as img2img source
        </button>
        <button
          type="button"
          onClick={() => {
            void remove([g.id]);
            onClose();
          }}
        >
          Delete
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}

const spread = (f: { dataUrl: string; filename: string }): [string, string] => [f.dataUrl, f.filename];

export function Gallery() {
  const { gallery, remove } = useImages();
  const [open, setOpen] = useState<string | null>(null);
  const current = gallery.find((g) => g.id === open);
  const total = gallery.reduce((s, g) => s + g.bytes, 0);
  return (
    <Card title="Gallery" wide>
      {gallery.length === 0 ? (
        <Empty>Images you generate are kept here, in the app's data folder.</Empty>
      ) : (
        <div className="stack">
          <p className="muted">
            {gallery.length} image{gallery.length === 1 ? '' : 's'}, {formatBytes(total)} in the data folder
            (the oldest go first past 500 images or 512 MB).{' '}
            <button type="button" onClick={() => void remove(gallery.map((g) => g.id))}>
              Delete all
            </button>
          </p>
          <div className="gallery-grid" role="list" aria-label="Gallery">
            {gallery.map((g) => (
              <div role="listitem" key={g.id}>
                <Thumb g={g} onOpen={() => setOpen(g.id)} />
              </div>
            ))}
          </div>
          {current && <FullView g={current} onClose={() => setOpen(null)} />}
        </div>
      )}
    </Card>
  );
}
