import { useState, type FormEvent } from 'react';
import type { Settings, SettingsPatch, SettingsView, Theme } from '../../../../shared/bridge/contract';
import type { DtypeChoice } from '../../../../shared/worker/dtype';
import { Card } from '../../components/Card';
import { ErrorNotice } from '../../components/ErrorNotice';
import { NumberField, SelectField, Switch, TextField } from '../../components/Fields';
import { Loading } from '../../components/States';
import { useSettings } from '../../stores';
import { ApiKeyField } from './ApiKeyField';
import { HordeChoiceField, hordeChoiceProblem } from './HordeChoiceField';
import { OwnerNameField } from './OwnerNameField';
import { TextDtypeField } from './TextDtypeField';

type Draft = Pick<
  Settings,
  'horde' | 'workerName' | 'modelsDir' | 'threads' | 'memoryMb' | 'lanSharing' | 'theme'
> & { textDtype: DtypeChoice };

function draftOf(s: SettingsView): Draft {
  const { horde, workerName, modelsDir, threads, memoryMb, lanSharing, theme } = s;
  return {
    horde,
    workerName,
    modelsDir,
    threads,
    memoryMb,
    lanSharing,
    theme,
    textDtype: s.textDtype ?? 'auto',
  };
}

function problems(d: Draft): string[] {
  const out: string[] = [];
  const h = hordeChoiceProblem(d.horde);
  if (h) out.push(h);
  if (d.workerName.trim() === '' || d.workerName.length > 100)
    out.push('The worker name must be 1 to 100 characters.');
  if (!Number.isInteger(d.threads) || d.threads < 0)
    out.push('Threads must be a whole number (0 = automatic).');
  if (!Number.isInteger(d.memoryMb) || d.memoryMb < 0)
    out.push('The memory cap must be a whole number of MiB (0 = no cap).');
  return out;
}

const THEMES: readonly { value: Theme; label: string }[] = [
  { value: 'system', label: 'Follow the system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

function SettingsForm({ settings }: { settings: SettingsView }) {
  const { save, saving, info } = useSettings();
  const [draft, setDraft] = useState<Draft>(() => draftOf(settings));
  const [outcome, setOutcome] = useState<{ ok: true } | { ok: false; error: unknown } | null>(null);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setOutcome(null);
    setDraft((d) => ({ ...d, [k]: v }));
  };
  const issues = problems(draft);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (issues.length > 0) return;
    const { textDtype, ...rest } = draft;
    const patch: SettingsPatch = { ...rest, workerName: draft.workerName.trim() };
    // Sent only when changed: a new precision reloads the text model.
    if (textDtype !== (settings.textDtype ?? 'auto')) patch.textDtype = textDtype;
    setOutcome(await save(patch));
  }

  return (
    <form className="stack" onSubmit={(e) => void onSubmit(e)} aria-label="Settings" noValidate>
      <HordeChoiceField value={draft.horde} onChange={(h) => set('horde', h)} />
      <fieldset>
        <legend>Worker</legend>
        <div className="stack">
          <TextField
            label="Worker name"
            value={draft.workerName}
            onChange={(v) => set('workerName', v)}
            hint="How the horde lists your worker."
          />
          <TextField
            label="Models folder"
            value={draft.modelsDir}
            onChange={(v) => set('modelsDir', v)}
            hint="Folder with the ONNX models the worker may serve."
          />
          <div className="row">
            <NumberField
              label="Threads (0 = automatic)"
              value={draft.threads}
              min={0}
              step={1}
              onChange={(v) => set('threads', v)}
            />
            <NumberField
              label="Memory cap in MiB (0 = none)"
              value={draft.memoryMb}
              min={0}
              step={256}
              onChange={(v) => set('memoryMb', v)}
            />
          </div>
          <TextDtypeField value={draft.textDtype} onChange={(v) => set('textDtype', v)} />
        </div>
      </fieldset>
      <fieldset>
        <legend>Sharing</legend>
        <Switch
          label="Share the embedded horde on the local network"
          checked={draft.lanSharing}
          onChange={(v) => set('lanSharing', v)}
          hint="Off by default. Other computers on your network can then send jobs and spend kudos here; each needs an API key."
        />
        {draft.lanSharing && (
          <p className="notice warn" role="note">
            Anyone on this network who has an API key for this horde can use it. Only turn this on at home or
            in a club you trust, and never on public Wi-Fi.
          </p>
        )}
      </fieldset>
      <SelectField label="Theme" value={draft.theme} options={THEMES} onChange={(v) => set('theme', v)} />
      {issues.length > 0 && (
        <ul className="notice warn" aria-label="Settings problems">
          {issues.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={saving || issues.length > 0}>
          {saving ? 'Saving…' : 'Save settings'}
        </button>
      </div>
      {outcome?.ok && (
        <p role="status" className="notice info">
          Settings saved{info ? `: this app uses the horde at ${info.horde.url}` : ''}.
        </p>
      )}
      {outcome && !outcome.ok && <ErrorNotice error={outcome.error} />}
    </form>
  );
}

function AppInfoLine() {
  const info = useSettings((s) => s.info);
  if (!info) return null;
  return (
    <p className="muted">
      Horde Desktop {info.version} · {info.shell === 'electron' ? 'desktop app' : 'browser (serve mode)'} ·
      horde at {info.horde.url} · data in {info.dataDir}
    </p>
  );
}

export function SettingsScreen() {
  const { settings, info, error, loaded } = useSettings();
  // The horde this run talks to (serve --horde overrides the saved choice), not only the saved one.
  const mode = info?.horde.mode ?? settings?.horde.mode ?? 'embedded';
  return (
    <div className="grid">
      <Card title="Settings" wide>
        {error !== null && <ErrorNotice error={error} />}
        {/* The draft starts from the first settings read; a save answers the same values back. */}
        {settings ? <SettingsForm settings={settings} /> : !loaded && <Loading what="settings" />}
      </Card>
      <Card title="API key" wide>
        {settings ? (
          <ApiKeyField masked={settings.apiKeyMasked} mode={mode} />
        ) : (
          !loaded && <Loading what="settings" />
        )}
      </Card>
      {mode === 'embedded' && (
        <Card title="You on this horde" wide>
          <OwnerNameField />
        </Card>
      )}
      <Card title="When the worker earns" wide>
        <p>
          When the worker earns — idle minutes, only on AC power, full-screen and named programs, other
          programs’ CPU use, the weekly schedule — is set in the{' '}
          <a href="#earn">Earn screen’s “When to earn” card</a>, beside the worker it controls and its Earn
          now / Pause for 1 hour buttons (also in the tray menu).
        </p>
      </Card>
      <Card title="About" wide>
        <AppInfoLine />
      </Card>
    </div>
  );
}
