import { bridgeError } from '../../shared/bridge/errors';
import { asMilli, ZERO, type Milli } from '../../shared/ledger/money';
import {
  isFinalRequestState,
  type AlchemyStatus,
  type HistoryEntry,
  type RequestState,
  type TextRequestStatus,
} from '../../shared/bridge/contract';
import type { HordeClient } from '../client/horde-client';
import { HordeError } from '../../shared/api/horde-error';
import type { BridgeEventBus } from './events';
import { boundResult, type RequestHistory } from './history';
import type { ImageFetcher } from './image-fetcher';
import type { Journal } from './journal';
import type { Logger } from './ports';
import { alchemyFormView, alchemyImageUrl, alchemyState, alchemySummary, textStatusView } from './views';

export interface RequestTrackerDeps {
  client: () => HordeClient;
  /** The horde followed ('embedded' or its URL): requests made on another horde are left alone. */
  horde: string;
  history: RequestHistory;
  journal: Journal;
  bus: BridgeEventBus;
  images: ImageFetcher;
  /** Called when a request ends (its kudos are settled), so the account view can be pushed. */
  onSettled: () => void;
  /** Record what a request cost in the journal (false when the journal is read from the horde's ledger). */
  recordPaid?: boolean;
  now?: () => number;
  pollMs?: number;
  log?: Logger;
}

/**
 * Follows the user's own requests until they end: reads their status from
 * the horde, keeps the history current, records what each one cost in the
 * journal, and pushes 'request:updated' whenever what the window shows of a
 * request changes (its state, its queue position and wait, its results). That
 * push is the window's one source of request updates: it asks for a status
 * only once, when it starts to show a request, through the same `refresh*`.
 */
export class RequestTracker {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private polling: Promise<void> | null = null;
  private readonly now: () => number;
  private readonly pollMs: number;
  /** The last status pushed per request, so a poll that changed nothing pushes nothing. */
  private readonly pushed = new Map<string, string>();

  constructor(private readonly deps: RequestTrackerDeps) {
    this.now = deps.now ?? Date.now;
    this.pollMs = deps.pollMs ?? 2000;
  }

  start(): void {
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
  }

  /** A new request to follow. */
  async track(entry: HistoryEntry): Promise<void> {
    await this.deps.history.put(entry);
    this.deps.bus.emit('request:updated', { entry });
    this.schedule();
  }

  /** A request made on another horde than the one bound now: asking this one would only say "not found". */
  private onOtherHorde(id: string): void {
    const entry = this.deps.history.get(id);
    if (entry?.horde !== undefined && entry.horde !== this.deps.horde)
      throw bridgeError(
        'OtherHorde',
        `This request was made on ${entry.horde === 'embedded' ? 'the embedded horde' : entry.horde}, not on the horde this app uses now.`,
        'Switch back to that horde in Settings to follow it; it stays in your history.',
      );
  }

  async refreshText(id: string, cancel = false): Promise<TextRequestStatus> {
    this.onOtherHorde(id);
    const client = this.deps.client();
    let status: TextRequestStatus;
    try {
      const answer = cancel ? await client.textCancel(id) : await client.textStatus(id);
      status = textStatusView(id, answer);
      // A cancelled request reads as done on the horde (what was generated is kept); the user cancelled it, so
      // say so — also in every later read of it (a poll answered after the cancel must not turn it into "Done").
      const known = this.deps.history.get(id);
      if ((cancel && !this.endedBefore(id)) || known?.state === 'cancelled') {
        status.state = 'cancelled';
        const quoted = known?.quoted ?? known?.kudos ?? 0;
        status.refunded = asMilli(Math.max(0, quoted - status.kudos));
      }
    } catch (e) {
      await this.expireIfGone(id, e);
      throw e;
    }
    const entry = this.deps.history.get(id);
    // The window gets no more of a generation than the request asked for (a worker on a shared
    // horde may send far more); the history keeps the same (history.ts).
    if (entry)
      status.generations = status.generations.map((g) => ({ ...g, text: boundResult(g.text, entry.asked) }));
    if (entry) {
      const first = status.generations.find((g) => g.state === 'ok') ?? status.generations[0];
      const next: HistoryEntry = { ...entry, state: status.state };
      if (first) next.result = first.text;
      if (status.kudos > 0 || status.state === 'cancelled') next.kudos = status.kudos;
      if (status.refunded !== undefined) next.refunded = status.refunded;
      await this.update(entry, next, { text: status }, status.kudos);
    }
    return status;
  }

  async refreshAlchemy(id: string, cancel = false): Promise<AlchemyStatus> {
    this.onOtherHorde(id);
    const client = this.deps.client();
    let status: AlchemyStatus;
    try {
      const answer = cancel ? await client.interrogateCancel(id) : await client.interrogateStatus(id);
      const forms = await Promise.all(
        answer.forms.map(async (f) => {
          const view = alchemyFormView(f);
          const url = alchemyImageUrl(f);
          if (url) view.image = await this.deps.images.dataUrl(url);
          return view;
        }),
      );
      let state: RequestState = alchemyState(answer);
      if (cancel && !this.endedBefore(id)) state = 'cancelled';
      status = { id, state, forms };
    } catch (e) {
      await this.expireIfGone(id, e);
      throw e;
    }
    const entry = this.deps.history.get(id);
    if (entry) {
      const next: HistoryEntry = { ...entry, state: status.state };
      const summary = alchemySummary(status);
      if (summary !== undefined) next.result = summary;
      await this.update(entry, next, { alchemy: status }, status.state === 'done' ? entry.kudos : ZERO);
    }
    return status;
  }

  private endedBefore(id: string): boolean {
    const entry = this.deps.history.get(id);
    return entry !== undefined && isFinalRequestState(entry.state);
  }

  private async update(
    before: HistoryEntry,
    next: HistoryEntry,
    status: { text?: TextRequestStatus; alchemy?: AlchemyStatus },
    paid: Milli,
  ): Promise<void> {
    const ended = isFinalRequestState(next.state) && !isFinalRequestState(before.state);
    if (ended) next.finishedAt = this.now();
    const changed = JSON.stringify(before) !== JSON.stringify(next);
    if (changed) await this.deps.history.put(next);
    const shown = JSON.stringify(status);
    const statusChanged = (status.text ?? status.alchemy) !== undefined && this.pushed.get(next.id) !== shown;
    if (ended) this.pushed.delete(next.id);
    else if (statusChanged) this.pushed.set(next.id, shown);
    if (ended && paid > 0 && this.deps.recordPaid !== false) {
      await this.deps.journal.record({
        id: `paid:${next.id}`,
        at: next.finishedAt ?? this.now(),
        kind: 'job_paid',
        kudos: asMilli(-paid),
        ref: next.id,
        memo: next.kind === 'text' ? `text request (${next.models[0] ?? 'any model'})` : 'alchemy request',
      });
    }
    if (changed || statusChanged) this.deps.bus.emit('request:updated', { entry: next, ...status });
    if (ended) this.deps.onSettled();
  }

  /** The horde forgot the request (expired after 20 minutes): mark it so it stops holding kudos. */
  private async expireIfGone(id: string, e: unknown): Promise<void> {
    if (!(e instanceof HordeError) || (e.rc !== 'RequestNotFound' && e.status !== 404)) return;
    const entry = this.deps.history.get(id);
    if (!entry || isFinalRequestState(entry.state)) return;
    await this.update(entry, { ...entry, state: 'expired' }, {}, ZERO);
  }

  private schedule(): void {
    if (!this.running || this.timer || this.deps.history.pending(this.deps.horde).length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.polling = this.pollOnce().finally(() => {
        this.polling = null;
        this.schedule();
      });
    }, this.pollMs);
  }

  /** One pass over the pending requests. Errors are logged; the next pass tries again. */
  async pollOnce(): Promise<void> {
    for (const entry of this.deps.history.pending(this.deps.horde)) {
      if (!this.running) return;
      try {
        if (entry.kind === 'text') await this.refreshText(entry.id);
        else await this.refreshAlchemy(entry.id);
      } catch (e) {
        this.deps.log?.warn(`status of ${entry.id} failed`, e);
      }
    }
  }
}
