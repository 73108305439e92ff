import type { RequestPrice, UpfrontView } from '../../../../shared/bridge/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { explainError } from '../../errors';
import { formatKudos } from '../../format';
import { asMilli, type Milli } from '../../../../shared/ledger/money';

export interface PriceDisplayProps {
  /** The price computed here from shared/kudos, shown until the horde's dry run answers. */
  estimate: Milli | null;
  /** The horde's dry-run quote for the form as it is now; null while typing or pricing. */
  quote: RequestPrice | null;
  pricing: boolean;
  error: unknown;
  /** The account's spendable kudos as they are now (the header shows the same figure). */
  available: Milli | null;
  /** The form's max length, to say how far over the free allowance it is. */
  maxLength: number;
}

/** "Up to 512 tokens is free now; you need 27.54 more kudos for 600." and what to change. */
export function upfrontAdvice(u: UpfrontView, maxLength: number): string {
  return (
    `Up to ${u.freeMaxLength} tokens is free right now (the allowance shrinks while the horde is busy); ` +
    `you need ${formatKudos(u.short)} more kudos for ${maxLength}. ` +
    `Lower max length so it runs free, or earn the kudos it needs up front by letting the worker run.`
  );
}

export function PriceDisplay({ estimate, quote, pricing, error, available, maxLength }: PriceDisplayProps) {
  const price = quote?.kudos ?? estimate;
  // The quote's balance is a snapshot from when it was priced; the account moves on (a job
  // earned or paid), so the live figure wins and the quote's only fills in before it loads.
  const avail = available ?? quote?.available ?? null;
  const after = price !== null && avail !== null ? asMilli(avail - price) : (quote?.after ?? null);
  return (
    <div className="price" aria-live="polite">
      <dl>
        <dt>Price</dt>
        <dd aria-label="Price">
          {price === null ? '—' : `${formatKudos(price)} kudos`}
          {!quote && price !== null && (
            <span className="muted"> (estimate{pricing ? ', asking the horde…' : ''})</span>
          )}
        </dd>
        <dt>Available</dt>
        <dd aria-label="Available">{avail === null ? '—' : `${formatKudos(avail)} kudos`}</dd>
        <dt>Left after this request</dt>
        <dd aria-label="Left after this request">{after === null ? '—' : `${formatKudos(after)} kudos`}</dd>
      </dl>
      {quote?.needsUpfront && (
        <ErrorNotice
          explained={{
            ...explainError({ rc: 'KudosUpfront', message: '' }),
            next: upfrontAdvice(quote.upfront, maxLength),
          }}
        />
      )}
      {quote && !quote.needsUpfront && after !== null && after < 0 && (
        <p className="notice info" role="note" aria-label="About credit">
          Requests of up to {quote.upfront.freeMaxLength} tokens run on credit, as on the AI Horde: this one
          can go although your balance drops below zero, and the worker that serves it is paid in full. Past{' '}
          {quote.upfront.freeMaxLength} tokens the horde wants the kudos up front.
        </p>
      )}
      {quote?.warnings.map((w) => (
        <p key={w.code} className="notice warn">
          {w.message}
        </p>
      ))}
      {error !== null && error !== undefined && <ErrorNotice error={error} />}
    </div>
  );
}
