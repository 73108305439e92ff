import { useState } from 'react';
import { useModels } from '../../stores';

/** Adds a model folder from elsewhere (a native picker in the desktop app; a typed path in the browser). */
export function AddFolder({ canPick }: { canPick: boolean }) {
  const addFolder = useModels((s) => s.addFolder);
  const pickFolder = useModels((s) => s.pickFolder);
  const busy = useModels((s) => s.busy);
  const [path, setPath] = useState('');
  return (
    <form
      className="stack"
      aria-label="Add a model folder"
      onSubmit={(e) => {
        e.preventDefault();
        if (path.trim()) void addFolder(path.trim()).then((ok) => ok && setPath(''));
      }}
    >
      <p className="muted" style={{ margin: 0 }}>
        A folder in the transformers.js layout (config.json, onnx/*.onnx, tokenizer files), or a Stable
        Diffusion ONNX export (text_encoder/, unet/, vae_decoder/, tokenizer/, scheduler/). It is linked into
        the models folder; its files stay where they are. It goes out under its own name unless you confirm
        which model it is.
      </p>
      <div className="row">
        <label>
          Folder{' '}
          <input
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="/path/to/model"
            size={40}
          />
        </label>
        {canPick && (
          <button
            type="button"
            onClick={() =>
              void pickFolder().then((picked) => {
                if (picked) setPath(picked);
              })
            }
          >
            Choose…
          </button>
        )}
        <button type="submit" disabled={busy === 'add-folder' || !path.trim()}>
          Add folder
        </button>
      </div>
    </form>
  );
}
