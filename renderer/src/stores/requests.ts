import { createStore } from 'zustand/vanilla';
import {
  isFinalRequestState,
  type AlchemyRequest,
  type AlchemyStatus,
  type HistoryEntry,
  type HordeBridge,
  type HordeModel,
  type RequestPrice,
  type RequestProgress,
  type TextRequest,
  type TextRequestStatus,
} from '../../../shared/bridge/contract';

import type { TextForm } from '../screens/request/textForm';
import type { Milli } from '../../../shared/ledger/money';

/** Identifies a request's priced content (the prompt text does not change the price). */
export function requestKey(req: TextRequest): string {
  return JSON.stringify({ models: req.models, params: req.params });
}

export interface Tracked<S> {
  id: string | null;
  /** The price quoted at submit. */
  kudos: Milli | null;
  status: S | null;
  submitting: boolean;
  cancelling: boolean;
  error: unknown;
  /** How far the in-app worker is with it (tokens of max_length), while it runs; embedded horde only. */
  progress: RequestProgress | null;
}

const idle = <S>(): Tracked<S> => ({
  id: null,
  kudos: null,
  status: null,
  submitting: false,
  cancelling: false,
  error: null,
  progress: null,
});

export interface RequestsState {
  models: HordeModel[] | null;
  modelsError: unknown;
  /** The latest dry run; `forRequest` is the request it priced, so a form never shows another form's price. */
  price: { pricing: boolean; price: RequestPrice | null; error: unknown; forRequest: string | null };
  text: Tracked<TextRequestStatus>;
  alchemy: Tracked<AlchemyStatus>;
  history: HistoryEntry[] | null;
  historyError: unknown;
  /** The text form as last edited; null until the user (or the default model) touches it. */
  textDraft: TextForm | null;
  setTextDraft(draft: TextForm): void;
  refreshModels(): Promise<void>;
  /** Dry run; only the answer to the latest call is kept, however the answers are ordered. */
  quote(req: TextRequest): Promise<void>;
  clearQuote(): void;
  submitText(req: TextRequest): Promise<void>;
  cancelText(): Promise<void>;
  submitAlchemy(req: AlchemyRequest): Promise<void>;
  cancelAlchemy(): Promise<void>;
  refreshHistory(): Promise<void>;
  start(): () => void;
}

/**
 * The window's requests. A request it shows is followed by the tracker's
 * `request:updated` pushes (electron/bridge/request-tracker.ts), not by a
 * timer of its own: one source, so two answers can never disagree on screen.
 */
export function createRequestsStore(bridge: HordeBridge) {
  let quoteSeq = 0;

  return createStore<RequestsState>()((set, get) => {
    function setText(patch: Partial<Tracked<TextRequestStatus>>) {
      set((s) => ({ text: { ...s.text, ...patch } }));
    }
    function setAlchemy(patch: Partial<Tracked<AlchemyStatus>>) {
      set((s) => ({ alchemy: { ...s.alchemy, ...patch } }));
    }

    function applyText(status: TextRequestStatus) {
      if (status.id !== get().text.id) return; // an answer about a request the user has moved on from
      // A poll sent before the cancel may answer after it: an ended request does not start again.
      const shown = get().text.status;
      if (shown?.id === status.id && isFinalRequestState(shown.state) && !isFinalRequestState(status.state))
        return;
      setText({ status, error: null });
      if (isFinalRequestState(status.state)) void get().refreshHistory();
    }
    function applyAlchemy(status: AlchemyStatus) {
      if (status.id !== get().alchemy.id) return;
      const shown = get().alchemy.status;
      if (shown?.id === status.id && isFinalRequestState(shown.state) && !isFinalRequestState(status.state))
        return;
      setAlchemy({ status, error: null });
      if (isFinalRequestState(status.state)) void get().refreshHistory();
    }

    /**
     * The first look at a request the window starts to show (queue position at once, without
     * waiting for the tracker's next pass); after it, the tracker's request:updated pushes are
     * the one source of its updates.
     */
    async function firstLookText(id: string) {
      try {
        applyText(await bridge.invoke('requests:status', { id }));
      } catch (e) {
        if (get().text.id === id) setText({ error: e });
      }
    }
    async function firstLookAlchemy(id: string) {
      try {
        applyAlchemy(await bridge.invoke('alchemy:status', { id }));
      } catch (e) {
        if (get().alchemy.id === id) setAlchemy({ error: e });
      }
    }

    /**
     * After a reload or a restart the window no longer knows the request it followed; the
     * history does: the newest one still in flight goes back on the panel (progress, Cancel).
     */
    function reattach() {
      const pending = (get().history ?? []).filter((h) => !isFinalRequestState(h.state));
      const text = pending.find((h) => h.kind === 'text');
      if (text && get().text.id === null && !get().text.submitting) {
        setText({ id: text.id, kudos: text.quoted ?? text.kudos });
        void firstLookText(text.id);
      }
      const alchemy = pending.find((h) => h.kind === 'alchemy');
      if (alchemy && get().alchemy.id === null && !get().alchemy.submitting) {
        setAlchemy({ id: alchemy.id, kudos: alchemy.quoted ?? alchemy.kudos });
        void firstLookAlchemy(alchemy.id);
      }
    }

    return {
      models: null,
      modelsError: null,
      price: { pricing: false, price: null, error: null, forRequest: null },
      text: idle(),
      alchemy: idle(),
      history: null,
      historyError: null,
      textDraft: null,
      setTextDraft(textDraft) {
        set({ textDraft });
      },

      async refreshModels() {
        try {
          set({ models: await bridge.invoke('horde:models', undefined), modelsError: null });
        } catch (e) {
          set({ modelsError: e });
        }
      },

      async quote(req) {
        const seq = ++quoteSeq;
        const forRequest = requestKey(req);
        set((s) => ({ price: { ...s.price, pricing: true } }));
        try {
          const price = await bridge.invoke('requests:price', req);
          if (seq === quoteSeq) set({ price: { pricing: false, price, error: null, forRequest } });
        } catch (e) {
          if (seq === quoteSeq) set({ price: { pricing: false, price: null, error: e, forRequest } });
        }
      },
      clearQuote() {
        quoteSeq++;
        set({ price: { pricing: false, price: null, error: null, forRequest: null } });
      },

      async submitText(req) {
        set({ text: { ...idle<TextRequestStatus>(), submitting: true } });
        try {
          const job = await bridge.invoke('requests:submitText', req);
          setText({ id: job.id, kudos: job.kudos, submitting: false });
          void get().refreshHistory();
          await firstLookText(job.id);
        } catch (e) {
          setText({ submitting: false, error: e });
        }
      },
      async cancelText() {
        const id = get().text.id;
        if (!id) return;
        setText({ cancelling: true });
        try {
          applyText(await bridge.invoke('requests:cancel', { id }));
        } catch (e) {
          setText({ error: e });
        } finally {
          setText({ cancelling: false });
        }
      },

      async submitAlchemy(req) {
        set({ alchemy: { ...idle<AlchemyStatus>(), submitting: true } });
        try {
          const job = await bridge.invoke('alchemy:submit', req);
          setAlchemy({ id: job.id, kudos: job.kudos, submitting: false });
          void get().refreshHistory();
          await firstLookAlchemy(job.id);
        } catch (e) {
          setAlchemy({ submitting: false, error: e });
        }
      },
      async cancelAlchemy() {
        const id = get().alchemy.id;
        if (!id) return;
        setAlchemy({ cancelling: true });
        try {
          applyAlchemy(await bridge.invoke('alchemy:cancel', { id }));
        } catch (e) {
          setAlchemy({ error: e });
        } finally {
          setAlchemy({ cancelling: false });
        }
      },

      async refreshHistory() {
        try {
          set({ history: await bridge.invoke('requests:history', { limit: 50 }), historyError: null });
        } catch (e) {
          set({ historyError: e });
        }
      },

      start() {
        const offProgress = bridge.listen('request:progress', (p) => {
          if (p.kind === 'text' && p.id === get().text.id) setText({ progress: p });
        });
        const off = bridge.listen('request:updated', (u) => {
          if (u.text) applyText(u.text);
          if (u.alchemy) applyAlchemy(u.alchemy);
          set((s) => ({
            history: s.history
              ? s.history.some((h) => h.id === u.entry.id)
                ? s.history.map((h) => (h.id === u.entry.id ? u.entry : h))
                : [u.entry, ...s.history]
              : s.history,
          }));
        });
        void get().refreshModels();
        void get()
          .refreshHistory()
          .then(() => reattach());
        return () => {
          off();
          offProgress();
        };
      },
    };
  });
}
