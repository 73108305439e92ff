import { createStore } from 'zustand/vanilla';
import type { AccountView, HordeBridge } from '../../../shared/bridge/contract';

export interface AccountState {
  account: AccountView | null;
  loaded: boolean;
  error: unknown;
  refresh(): Promise<void>;
  /** Sets the account from an answer that carries it (e.g. a transfer). */
  replace(account: AccountView): void;
  start(): () => void;
}

export function createAccountStore(bridge: HordeBridge) {
  return createStore<AccountState>()((set, get) => ({
    account: null,
    loaded: false,
    error: null,
    async refresh() {
      try {
        set({ account: await bridge.invoke('account:get', undefined), loaded: true, error: null });
      } catch (e) {
        set({ error: e, loaded: true });
      }
    },
    replace(account) {
      set({ account, loaded: true, error: null });
    },
    start() {
      const off = bridge.listen('account:changed', (account) => get().replace(account));
      void get().refresh();
      return off;
    },
  }));
}
