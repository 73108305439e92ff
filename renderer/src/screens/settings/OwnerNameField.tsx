import { useEffect, useState, type FormEvent } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { TextField } from '../../components/Fields';
import { useAccount, useBridge } from '../../stores';

/** The alias part of the horde's `alias#id` username. */
function aliasOf(username: string): string {
  const at = username.lastIndexOf('#');
  return at > 0 ? username.slice(0, at) : username;
}

function nameProblem(name: string): string | null {
  const n = name.trim();
  if (n.length === 0) return 'Your name needs at least one character.';
  if (n.length > 30) return 'Your name has at most 30 characters (the AI Horde’s rule).';
  if (n.includes('#')) return 'Your name cannot contain “#”: the horde adds “#” and your number itself.';
  return null;
}

/**
 * The embedded horde's owner name: what others on this horde (a club on the LAN) see and send
 * kudos to. It starts as the computer user's own name; the number after '#' never changes.
 */
export function OwnerNameField() {
  const bridge = useBridge();
  const account = useAccount((s) => s.account);
  const replace = useAccount((s) => s.replace);
  const refresh = useAccount((s) => s.refresh);
  const [draft, setDraft] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ ok: true } | { ok: false; error: unknown } | null>(null);
  const [saving, setSaving] = useState(false);
  const missing = account === null;
  useEffect(() => {
    if (missing) void refresh();
  }, [missing, refresh]);
  if (!account) return <p className="muted">Your name shows here once the horde answers.</p>;
  const current = aliasOf(account.username);
  const value = draft ?? current;
  const problem = nameProblem(value);
  const unchanged = value.trim() === current;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (problem || unchanged) return;
    setSaving(true);
    try {
      replace(await bridge.invoke('account:rename', { name: value.trim() }));
      setDraft(null);
      setOutcome({ ok: true });
    } catch (error) {
      setOutcome({ ok: false, error });
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      className="stack"
      aria-label="Your name on this horde"
      onSubmit={(e) => void onSubmit(e)}
      noValidate
    >
      <TextField
        label="Your name on this horde"
        value={value}
        onChange={(v) => {
          setOutcome(null);
          setDraft(v);
        }}
        hint={`Others on this horde see you as ${account.username} and send kudos to that name; the number stays when you change the name.`}
      />
      {problem && (
        <p className="notice warn" role="alert">
          {problem}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={saving || problem !== null || unchanged}>
          {saving ? 'Saving…' : 'Save name'}
        </button>
      </div>
      {outcome?.ok && (
        <p role="status" className="notice info">
          Name saved: you are {account.username} on this horde.
        </p>
      )}
      {outcome && !outcome.ok && <ErrorNotice error={outcome.error} />}
    </form>
  );
}
