import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { isFinalRequestState, type HordeModel } from '../../../../shared/bridge/contract';
import { Card } from '../../components/Card';
import { NumberField, SelectField, TextArea } from '../../components/Fields';
import { useAccount, useRequests } from '../../stores';
import { requestKey } from '../../stores/requests';
import { useDebounced } from '../../useDebounced';
import { PriceDisplay } from './PriceDisplay';
import {
  DEFAULT_FORM,
  estimatePrice,
  formProblems,
  LABELS,
  LIMITS,
  servedLimits,
  servingProblems,
  toRequest,
  type TextForm,
} from './textForm';

function modelOptions(models: HordeModel[] | null) {
  const text = (models ?? []).filter((m) => m.type === 'text');
  return [
    { value: '', label: 'Any model' },
    ...text.map((m) => ({
      value: m.name,
      label: `${m.name} (${m.count} worker${m.count === 1 ? '' : 's'})`,
    })),
  ];
}

export function TextRequestForm() {
  const { models, price, quote, clearQuote, submitText, text, textDraft, setTextDraft } = useRequests();
  const available = useAccount((s) => s.account?.available ?? null);
  const form = textDraft ?? DEFAULT_FORM;
  const [touchedModel, setTouchedModel] = useState(textDraft !== null);
  const set = <K extends keyof TextForm>(k: K, v: TextForm[K]) => setTextDraft({ ...form, [k]: v });

  // Until the user picks, default to a model some worker serves now, so a first request can run.
  useEffect(() => {
    if (touchedModel || form.model) return;
    const served = models?.find((m) => m.type === 'text' && m.count > 0);
    if (!served) return;
    // The defaults never ask more than the serving workers take, so the first request can run.
    const limits = servedLimits(models, served.name);
    setTextDraft({
      ...form,
      model: served.name,
      ...(limits
        ? {
            maxLength: Math.min(form.maxLength, limits.maxLength),
            maxContext: Math.min(form.maxContext, limits.maxContextLength),
          }
        : {}),
    });
  }, [models, touchedModel, form, setTextDraft]);

  const problems = formProblems(form);
  const unserved = servingProblems(form, models);
  const limits = servedLimits(models, form.model);
  const request = useMemo(() => toRequest(form), [form]);
  const settledForm = useDebounced(form, 400);
  const settled = settledForm === form;
  // Only the answer for exactly this form counts: an older quote must never show as this one's price.
  const quoted = settled && form.prompt.trim() !== '' && price.forRequest === requestKey(request);

  // The dry run needs a prompt (the horde refuses an empty one); until then the local estimate shows.
  useEffect(() => {
    if (settledForm.prompt.trim() === '' || formProblems(settledForm).length > 0) {
      clearQuote();
      return;
    }
    void quote(toRequest(settledForm));
  }, [settledForm, quote, clearQuote]);

  // The horde would refuse it (KudosUpfront): say why and what to change instead of sending it.
  const blocked = quoted && price.price?.needsUpfront === true;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (problems.length > 0 || form.prompt.trim() === '' || blocked) return;
    void submitText(request);
  }

  const busy =
    text.submitting || (text.id !== null && text.status !== null && !isFinalRequestState(text.status.state));
  return (
    <Card title="Text request">
      {/* noValidate: the problems list says what is wrong in words; browser bubbles would block silently. */}
      <form className="stack" onSubmit={onSubmit} aria-label="Text request" noValidate>
        <TextArea label="Prompt" value={form.prompt} onChange={(v) => set('prompt', v)} />
        <SelectField
          label="Model"
          value={form.model}
          options={modelOptions(models)}
          onChange={(v) => {
            setTouchedModel(true);
            set('model', v);
          }}
        />
        <div className="row">
          <NumberField
            label={LABELS.maxLength}
            value={form.maxLength}
            min={LIMITS.maxLength.min}
            max={Math.min(LIMITS.maxLength.max, limits?.maxLength ?? LIMITS.maxLength.max)}
            step={1}
            onChange={(v) => set('maxLength', v)}
            hint={limits ? `Serving workers write up to ${limits.maxLength}.` : undefined}
          />
          <NumberField
            label={LABELS.maxContext}
            value={form.maxContext}
            min={LIMITS.maxContext.min}
            {...(limits ? { max: limits.maxContextLength } : {})}
            step={1}
            onChange={(v) => set('maxContext', v)}
            hint={limits ? `Serving workers take up to ${limits.maxContextLength}.` : undefined}
          />
        </div>
        <fieldset>
          <legend>Sampler</legend>
          <div className="row">
            <NumberField
              label={LABELS.temperature}
              value={form.temperature}
              min={LIMITS.temperature.min}
              max={LIMITS.temperature.max}
              step="any"
              onChange={(v) => set('temperature', v)}
            />
            <NumberField
              label={LABELS.topP}
              value={form.topP}
              min={LIMITS.topP.min}
              max={LIMITS.topP.max}
              step="any"
              onChange={(v) => set('topP', v)}
            />
            <NumberField
              label={LABELS.topK}
              value={form.topK}
              min={LIMITS.topK.min}
              max={LIMITS.topK.max}
              step={1}
              onChange={(v) => set('topK', v)}
            />
            <NumberField
              label={LABELS.repPen}
              value={form.repPen}
              min={LIMITS.repPen.min}
              max={LIMITS.repPen.max}
              step="any"
              onChange={(v) => set('repPen', v)}
            />
          </div>
        </fieldset>
        {problems.length > 0 && (
          <ul className="notice warn" aria-label="Form problems">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
        {unserved.length > 0 && (
          <ul className="notice warn" aria-label="No worker can serve this">
            {unserved.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
        <PriceDisplay
          estimate={estimatePrice(form)}
          quote={quoted ? price.price : null}
          pricing={price.pricing || !settled}
          error={quoted ? price.error : null}
          available={available}
          maxLength={form.maxLength}
        />
        <div className="row">
          <button
            type="submit"
            className="primary"
            disabled={busy || problems.length > 0 || form.prompt.trim() === '' || blocked}
            aria-describedby={blocked ? 'submit-blocked' : undefined}
          >
            {text.submitting ? 'Submitting…' : 'Submit request'}
          </button>
          {blocked && (
            <span id="submit-blocked" className="muted">
              Submit waits until the request fits the free allowance or your kudos cover it.
            </span>
          )}
        </div>
      </form>
    </Card>
  );
}
