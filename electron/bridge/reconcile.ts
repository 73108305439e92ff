import type { HistoryEntry } from '../../shared/bridge/contract';
import type { HordeClient } from '../client/horde-client';
import type { RequestHistory } from './history';
import type { IntentLog, RequestIntent, TransferIntent } from './intents';
import type { Journal } from './journal';
import type { LedgerFeed, Logger } from './ports';
import { newHistoryEntry } from './views';
import { asMilli, ZERO, type Milli } from '../../shared/ledger/money';
import { milliFromHorde } from '../../shared/bridge/kudos';

export interface ReconcileDeps {
  intents: IntentLog;
  history: RequestHistory;
  journal: Journal;
  client: HordeClient;
  /** 'embedded' or the horde's URL: intents for another horde wait until that horde is used again. */
  horde: string;
  /** True when the journal is read from the horde's ledger (the embedded horde). */
  fromLedger: boolean;
  /** The embedded horde's list of the user's requests, when there is one. */
  feed?: LedgerFeed;
  log?: Logger;
}

export interface ReconcileReport {
  /** Requests the horde had that the history lacked (the crash came between the horde's answer and the save). */
  recovered: string[];
  /** In-flight transfers the horde had applied, and those it never saw (not re-sent). */
  transfersApplied: string[];
  transfersNotSent: string[];
}

/**
 * After a restart, settles every intent left open by a crash, from the
 * horde's own records: the user's active requests (`active_generations`) and,
 * with the embedded horde, the ledger's settlements (already in the journal);
 * for transfers, the ledger entry under the transfer's idempotency key, or on
 * a horde without idempotency (the public AI Horde) whether the user's
 * `gifted` total grew by the amount. A transfer is never sent again: the user
 * did not see it succeed, and a second send could pay twice.
 */
export async function reconcile(deps: ReconcileDeps, now = Date.now): Promise<ReconcileReport> {
  const report: ReconcileReport = { recovered: [], transfersApplied: [], transfersNotSent: [] };
  const open = deps.intents.pending().filter((i) => i.horde === deps.horde);
  if (open.length === 0) return report;
  const user = await deps.client.findUser();
  const requests = open.filter((i): i is RequestIntent => i.type === 'request');
  if (requests.length > 0) {
    const since = Math.min(...requests.map((r) => r.at));
    const take = (kind: HistoryEntry['kind']): RequestIntent | undefined => {
      const i = requests.findIndex((r) => r.kind === kind);
      return i >= 0 ? requests.splice(i, 1)[0] : undefined;
    };
    const recover = async (entry: HistoryEntry) => {
      await deps.history.put({ ...entry, horde: deps.horde });
      report.recovered.push(entry.id);
    };
    const active = user.active_generations ?? {};
    const listed = deps.feed?.requestsSince?.(user.id, since);
    const byKind: (readonly [HistoryEntry['kind'], readonly string[]])[] = listed
      ? [
          ['text', listed.filter((r) => r.kind === 'text').map((r) => r.id)],
          ['alchemy', listed.filter((r) => r.kind === 'alchemy').map((r) => r.id)],
        ]
      : [
          ['text', active.text ?? []],
          ['alchemy', active.alchemy ?? []],
        ];
    for (const [kind, ids] of byKind) {
      for (const id of ids) {
        if (deps.history.has(id)) continue;
        const intent = take(kind);
        await recover(
          newHistoryEntry(
            kind,
            id,
            intent?.summary ?? RECOVERED,
            intent?.models ?? [],
            ZERO,
            intent?.at ?? now(),
            intent?.asked,
          ),
        );
      }
    }
    if (deps.fromLedger) {
      // Finished before the restart: the ledger's settlements name the request they were for.
      const paid = new Map<string, { kudos: Milli; at: number }>();
      for (const e of deps.journal.query({ kinds: ['job_paid'], from: since }).entries) {
        if (!e.ref || deps.history.has(e.ref)) continue;
        const p = paid.get(e.ref) ?? { kudos: ZERO, at: e.at };
        paid.set(e.ref, { kudos: asMilli(p.kudos - e.kudos), at: Math.max(p.at, e.at) });
      }
      for (const [id, p] of paid) {
        const intent = take('text');
        await recover({
          ...newHistoryEntry(
            'text',
            id,
            intent?.summary ?? RECOVERED,
            intent?.models ?? [],
            p.kudos,
            intent?.at ?? p.at,
            intent?.asked,
          ),
          state: 'done',
          finishedAt: p.at,
        });
      }
    }
    for (const r of open) if (r.type === 'request') await deps.intents.settle(r.id, 'reconciled');
  }
  for (const t of open.filter((i): i is TransferIntent => i.type === 'transfer')) {
    const applied = deps.fromLedger
      ? inJournal(deps.journal, t.id)
      : await viaGifted(deps, t, user.kudos_details?.gifted);
    if (applied === null) {
      deps.log?.warn(`cannot tell whether the interrupted transfer ${t.id} reached the horde; not re-sent`);
      await deps.intents.settle(t.id, 'unknown');
      continue;
    }
    if (applied) report.transfersApplied.push(t.id);
    else {
      report.transfersNotSent.push(t.id);
      deps.log?.warn(
        `a transfer of ${t.kudos} kudos to ${t.toUsername} was interrupted before the horde applied it; it was not re-sent`,
      );
    }
    await deps.intents.settle(t.id, applied ? 'applied' : 'not sent');
  }
  return report;
}

const RECOVERED = '(request recovered after a restart)';

function inJournal(journal: Journal, idempotencyKey: string): boolean {
  const tail = `:${idempotencyKey}#`;
  return journal.query({ kinds: ['transfer_out'] }).entries.some((e) => e.id.includes(tail));
}

async function viaGifted(
  deps: ReconcileDeps,
  t: TransferIntent,
  gifted: number | undefined,
): Promise<boolean | null> {
  if (t.giftedBefore === undefined || gifted === undefined) return null;
  if (gifted + 0.005 < t.giftedBefore + t.kudos) return false;
  await deps.journal.record({
    id: `transfer:${t.id}`,
    at: t.at,
    kind: 'transfer_out',
    kudos: asMilli(-milliFromHorde(t.kudos)),
    counterparty: t.toUsername,
  });
  return true;
}
