import { useState, type FormEvent } from 'react';
import type { HordeMode, KeyCheck } from '../../../../shared/bridge/contract';
import { ApiKeySchema } from '../../../../shared/bridge/schemas';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatKudos } from '../../format';
import { useSettings } from '../../stores';
import { PUBLIC_REGISTER_URL } from './HordeChoiceField';

/** Why a typed key cannot be a key, in words; null when its format is right (the horde decides the rest). */
export function keyFormatProblem(key: string): string | null {
  const k = key.trim();
  if (k === '') return null;
  const r = ApiKeySchema.safeParse(k);
  if (r.success) return null;
  if (k.length < 10) return 'An API key is at least 10 characters long; this looks cut short.';
  if (k.length > 256) return 'This is longer than any API key; paste only the key.';
  return 'An API key has only letters, digits, - and _; check for spaces or quotes pasted with it.';
}

/**
 * The key is write-only here: the main side stores it (safeStorage) and only ever answers its masked
 * form, so the input starts empty and is cleared once saved. Its format is checked as it is typed, and
 * "Check key" asks the chosen horde whose key it is before anything is saved.
 */
export function ApiKeyField({ masked, mode }: { masked: string | null; mode: HordeMode }) {
  const { setApiKey, checkApiKey, saving } = useSettings();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<'set' | 'cleared' | null>(null);
  const [checked, setChecked] = useState<KeyCheck | null>(null);
  const [checking, setChecking] = useState(false);
  const problem = keyFormatProblem(key);
  const usable = key.trim() !== '' && problem === null;

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

  async function check() {
    setError(null);
    setChecked(null);
    setChecking(true);
    try {
      setChecked(await checkApiKey(key.trim()));
    } catch (e) {
      setError(e);
    } finally {
      setChecking(false);
    }
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (usable) void save(key.trim());
  }

  return (
    <form className="stack" onSubmit={onSubmit} aria-label="API key">
      {mode === 'public' && (
        <p className="notice info" role="note">
          The AI Horde gives each account a key. No account yet?{' '}
          <a href={PUBLIC_REGISTER_URL} target="_blank" rel="noreferrer">
            Register for free at aihorde.net
          </a>{' '}
          and paste the key it shows here.
        </p>
      )}
      <p aria-label="Current API key">
        {masked ? (
          <>
            Current key: <code>{masked}</code>
          </>
        ) : (
          <span className="muted">
            {mode === 'embedded'
              ? 'No key set: the app uses this computer’s own account on the embedded horde.'
              : 'No key set: you use this horde as the anonymous user.'}
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
            aria-invalid={problem !== null}
            aria-describedby="api-key-problem"
            onChange={(e) => {
              setKey(e.currentTarget.value);
              setChecked(null);
              setSaved(null);
            }}
          />
        </label>
        <button type="button" disabled={checking || !usable} onClick={() => void check()}>
          {checking ? 'Checking…' : 'Check key'}
        </button>
        <button type="submit" className="primary" disabled={saving || !usable}>
          Save key
        </button>
        {masked && (
          <button type="button" disabled={saving} onClick={() => void save(null)}>
            Clear key
          </button>
        )}
      </div>
      <p id="api-key-problem" className={problem ? 'field-problem' : 'visually-hidden'} aria-live="polite">
        {problem ?? ''}
      </p>
      {checked && (
        <p role="status" className="notice info" aria-label="Key check">
          This key belongs to <strong>{checked.username}</strong>, who has {formatKudos(checked.kudos)} kudos
          on this horde.
        </p>
      )}
      {saved && (
        <p role="status" className="notice info">
          {saved === 'set' ? 'Key saved.' : 'Key cleared.'}
        </p>
      )}
      {error !== null && <ErrorNotice error={error} />}
    </form>
  );
}
