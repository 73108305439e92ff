import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useSettings } from '../../stores';

/**
 * The key is write-only here: the main side stores it (safeStorage) and only ever answers its masked
 * form, so the input starts empty and is cleared once saved.
 */
export function ApiKeyField({ masked }: { masked: string | null }) {
  const { setApiKey, saving } = useSettings();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<'set' | 'cleared' | null>(null);

  async function save(value: string | null) {
    setError(null);
    setSaved(null);
    const outcome = await setApiKey(value);
    if (outcome.ok) {
      setKey('');
      setSaved(value === null ? 'cleared' : 'set');
    } else {
      setError(outcome.error);
    }
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (key.trim() !== '') void save(key.trim());
  }

  return (
    <form className="stack" onSubmit={onSubmit} aria-label="API key">
      <p aria-label="Current API key">
        {masked ? (
          <>
            Current key: <code>{masked}</code>
          </>
        ) : (
          <span className="muted">
            No key set: the app uses this computer’s own account on the embedded horde, or anonymous
            elsewhere.
          </span>
        )}
      </p>
      <div className="row">
        <label className="field">
          <span>New API key</span>
          <input
            type="password"
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.currentTarget.value)}
          />
        </label>
        <button type="submit" className="primary" disabled={saving || key.trim() === ''}>
          Save key
        </button>
        {masked && (
          <button type="button" disabled={saving} onClick={() => void save(null)}>
            Clear key
          </button>
        )}
      </div>
      {saved && (
        <p role="status" className="notice info">
          {saved === 'set' ? 'Key saved.' : 'Key cleared.'}
        </p>
      )}
      {error !== null && <ErrorNotice error={error} />}
    </form>
  );
}
