import { PUBLIC_HORDE_URL as PUBLIC_URL } from '../../../../shared/api/common';
import type { HordeChoice } from '../../../../shared/bridge/contract';
import { TextField } from '../../components/Fields';

/** Where the public AI Horde hands out accounts and their API keys. */
export const PUBLIC_REGISTER_URL = 'https://aihorde.net/register';

export function HordeChoiceField({
  value,
  onChange,
}: {
  value: HordeChoice;
  onChange: (v: HordeChoice) => void;
}) {
  const customUrl = value.mode === 'custom' ? value.url : '';
  return (
    <fieldset>
      <legend>Horde</legend>
      <div className="stack">
        <label className="switch">
          <input
            type="radio"
            name="horde"
            checked={value.mode === 'embedded'}
            onChange={() => onChange({ mode: 'embedded' })}
          />
          <span>Embedded horde on this computer (default: no account or network needed)</span>
        </label>
        <label className="switch">
          <input
            type="radio"
            name="horde"
            checked={value.mode === 'public'}
            onChange={() => onChange({ mode: 'public' })}
          />
          <span>Public AI Horde ({PUBLIC_URL})</span>
        </label>
        {value.mode === 'public' && (
          <div className="notice info" role="note" aria-label="About the public AI Horde">
            <p>
              On the public AI Horde your worker earns only with an account: it does not accept anonymous
              workers, and anonymous requests wait behind everyone else’s. An account is free —{' '}
              <a href={PUBLIC_REGISTER_URL} target="_blank" rel="noreferrer">
                register at aihorde.net
              </a>{' '}
              and enter its key under API key below.
            </p>
          </div>
        )}
        <label className="switch">
          <input
            type="radio"
            name="horde"
            checked={value.mode === 'custom'}
            onChange={() => onChange({ mode: 'custom', url: customUrl })}
          />
          <span>Another horde at an address</span>
        </label>
        {value.mode === 'custom' && (
          <TextField
            label="Horde URL"
            type="url"
            placeholder="http://192.168.1.20:7001/api"
            value={value.url}
            required
            onChange={(url) => onChange({ mode: 'custom', url })}
          />
        )}
      </div>
    </fieldset>
  );
}

export function hordeChoiceProblem(h: HordeChoice): string | null {
  if (h.mode !== 'custom') return null;
  try {
    const u = new URL(h.url);
    return u.protocol === 'http:' || u.protocol === 'https:'
      ? null
      : 'The horde URL must start with http:// or https://.';
  } catch {
    return 'Enter the horde’s full address, like http://192.168.1.20:7001/api.';
  }
}
