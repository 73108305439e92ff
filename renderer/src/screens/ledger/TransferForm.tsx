import { useState, type FormEvent } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { NumberField, TextField } from '../../components/Fields';
import { formatKudos } from '../../format';
import { fromKudos, type Milli } from '../../../../shared/ledger/money';
import { useAccount, useLedger } from '../../stores';

const USERNAME = /^.+#\d+$/;

function newKey(): string {
  // randomUUID needs a secure context; loopback http is one, but a LAN address is not.
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

export function TransferForm() {
  const { transfer, transferring, transferError, lastTransfer, clearTransfer } = useLedger();
  const available = useAccount((s) => s.account?.available ?? null);
  const anonymous = useAccount((s) => s.account?.anonymous ?? false);
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState(NaN);
  // One key per confirmed intent: a retry after a network error reuses it so the horde applies it once.
  const [pending, setPending] = useState<{ key: string; to: string; kudos: Milli } | null>(null);
  // What the person typed is kudos; the bridge takes milli-kudos, converted here, once.
  const milli = Number.isFinite(amount) ? fromKudos(amount) : null;

  const problem =
    to.trim() === ''
      ? null
      : !USERNAME.test(to.trim())
        ? 'Usernames look like alias#123.'
        : Number.isFinite(amount) && amount <= 0
          ? 'The amount must be more than zero.'
          : available !== null && milli !== null && milli > available
            ? `You have ${formatKudos(available)} kudos available.`
            : null;
  const ready = to.trim() !== '' && Number.isFinite(amount) && problem === null && !anonymous;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!ready || milli === null) return;
    clearTransfer();
    setPending({ key: pending?.key ?? newKey(), to: to.trim(), kudos: milli });
  }

  async function confirm() {
    if (!pending) return;
    const done = await transfer({
      toUsername: pending.to,
      kudos: pending.kudos,
      idempotencyKey: pending.key,
    });
    setPending(null);
    if (done) {
      setTo('');
      setAmount(NaN);
    }
  }

  return (
    <form className="stack" onSubmit={onSubmit} aria-label="Transfer kudos" noValidate>
      {anonymous && (
        <p className="notice info">
          The anonymous account cannot send kudos: enter your API key in Settings.
        </p>
      )}
      <div className="row">
        <TextField
          label="Recipient username"
          placeholder="alias#123"
          value={to}
          onChange={setTo}
          autoComplete="off"
        />
        <NumberField label="Kudos to send" value={amount} min={0.01} step="any" onChange={setAmount} />
        <button type="submit" className="primary" disabled={!ready || transferring}>
          Send kudos…
        </button>
      </div>
      {problem && <p className="notice warn">{problem}</p>}
      {transferError !== null && <ErrorNotice error={transferError} />}
      {lastTransfer && (
        <p className="notice info" role="status">
          Sent {formatKudos(lastTransfer.transferred)} kudos to {lastTransfer.toUsername}.
        </p>
      )}
      {pending && (
        <ConfirmDialog
          title="Send kudos?"
          confirmLabel={transferring ? 'Sending…' : `Send ${formatKudos(pending.kudos)} kudos`}
          busy={transferring}
          onCancel={() => setPending(null)}
          onConfirm={() => void confirm()}
        >
          <p>
            Send <strong>{formatKudos(pending.kudos)} kudos</strong> to <strong>{pending.to}</strong>?
            Transfers cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </form>
  );
}
