import { createStore } from 'zustand/vanilla';
import type {
  HordeBridge,
  JournalKind,
  LedgerPage,
  TransferRequest,
  TransferResult,
} from '../../../shared/bridge/contract';

/** The list's filter: the kinds the user ticked (all of them = no filter). */
export const ALL_KINDS: readonly JournalKind[] = [
  'job_earned',
  'job_paid',
  'uptime',
  'transfer_in',
  'transfer_out',
  'award',
];

export interface LedgerState {
  /** Every entry (newest first), for the chart and the totals. */
  all: LedgerPage | null;
  kinds: readonly JournalKind[];
  loaded: boolean;
  error: unknown;
  transferring: boolean;
  transferError: unknown;
  lastTransfer: TransferResult | null;
  refresh(): Promise<void>;
  setKinds(kinds: readonly JournalKind[]): void;
  transfer(req: TransferRequest): Promise<TransferResult | null>;
  clearTransfer(): void;
}

/** Enough for months of a desktop worker's history; the chart aggregates per hour or day. */
const LIMIT = 5000;

export function createLedgerStore(bridge: HordeBridge, onAccount?: (r: TransferResult) => void) {
  return createStore<LedgerState>()((set, get) => ({
    all: null,
    kinds: ALL_KINDS,
    loaded: false,
    error: null,
    transferring: false,
    transferError: null,
    lastTransfer: null,
    async refresh() {
      try {
        // Filtering is done here rather than by the bridge so the chart keeps every kind.
        set({ all: await bridge.invoke('journal:entries', { limit: LIMIT }), loaded: true, error: null });
      } catch (e) {
        set({ error: e, loaded: true });
      }
    },
    setKinds(kinds) {
      set({ kinds });
    },
    async transfer(req) {
      set({ transferring: true, transferError: null, lastTransfer: null });
      try {
        const result = await bridge.invoke('account:transfer', req);
        set({ lastTransfer: result });
        onAccount?.(result);
        void get().refresh();
        return result;
      } catch (e) {
        set({ transferError: e });
        return null;
      } finally {
        set({ transferring: false });
      }
    },
    clearTransfer() {
      set({ transferError: null, lastTransfer: null });
    },
  }));
}
