import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { useStore, type StoreApi } from 'zustand';
import type { HordeBridge } from '../../../shared/bridge/contract';
import { createAccountStore, type AccountState } from './account';
import { createHealthStore, type HealthState } from './health';
import { createRequestsStore, type RequestsState } from './requests';
import { createImagesStore, type ImagesState } from './images';
import { createLedgerStore, type LedgerState } from './ledger';
import { createModelsStore, type ModelsState } from './models';
import { createSettingsStore, type SettingsState } from './settings';
import { createWorkerStore, type WorkerStore } from './worker';
import { createClubStore, type ClubState } from './club';

/**
 * One set of stores per bridge, handed down by context rather than held in module globals, so each
 * component test gets fresh stores around its own fake bridge.
 */
export interface Stores {
  bridge: HordeBridge;
  worker: StoreApi<WorkerStore>;
  account: StoreApi<AccountState>;
  settings: StoreApi<SettingsState>;
  ledger: StoreApi<LedgerState>;
  requests: StoreApi<RequestsState>;
  health: StoreApi<HealthState>;
  images: StoreApi<ImagesState>;
  models: StoreApi<ModelsState>;
  club: StoreApi<ClubState>;
}

export function createStores(bridge: HordeBridge): Stores {
  const account = createAccountStore(bridge);
  return {
    bridge,
    worker: createWorkerStore(bridge),
    account,
    settings: createSettingsStore(bridge),
    ledger: createLedgerStore(bridge, (r) => account.getState().replace(r.account)),
    requests: createRequestsStore(bridge),
    health: createHealthStore(bridge),
    images: createImagesStore(bridge),
    models: createModelsStore(bridge),
    club: createClubStore(bridge),
  };
}

/** Subscribes every store to its bridge events and loads first data; returns the teardown. */
export function startStores(stores: Stores): () => void {
  const offs = [
    stores.worker.getState().start(),
    stores.account.getState().start(),
    stores.settings.getState().start(),
    stores.requests.getState().start(),
    stores.health.getState().start(),
    stores.images.getState().start(),
    stores.models.getState().start(),
  ];
  return () => offs.forEach((off) => off());
}

const StoresContext = createContext<Stores | null>(null);

export function StoresProvider({ stores, children }: { stores: Stores; children: ReactNode }) {
  useEffect(() => startStores(stores), [stores]);
  return <StoresContext.Provider value={stores}>{children}</StoresContext.Provider>;
}

function useStores(): Stores {
  const s = useContext(StoresContext);
  if (!s) throw new Error('a screen was rendered outside <StoresProvider>');
  return s;
}

const identity = <T,>(s: T): T => s;

// The hooks the screens use; a selector keeps a component from re-rendering on unrelated changes.
export function useWorker<T = WorkerStore>(
  select: (s: WorkerStore) => T = identity as (s: WorkerStore) => T,
): T {
  return useStore(useStores().worker, select);
}
export function useAccount<T = AccountState>(
  select: (s: AccountState) => T = identity as (s: AccountState) => T,
): T {
  return useStore(useStores().account, select);
}
export function useSettings<T = SettingsState>(
  select: (s: SettingsState) => T = identity as (s: SettingsState) => T,
): T {
  return useStore(useStores().settings, select);
}
export function useLedger<T = LedgerState>(
  select: (s: LedgerState) => T = identity as (s: LedgerState) => T,
): T {
  return useStore(useStores().ledger, select);
}
export function useRequests<T = RequestsState>(
  select: (s: RequestsState) => T = identity as (s: RequestsState) => T,
): T {
  return useStore(useStores().requests, select);
}
export function useHealth<T = HealthState>(
  select: (s: HealthState) => T = identity as (s: HealthState) => T,
): T {
  return useStore(useStores().health, select);
}
export function useImages<T = ImagesState>(
  select: (s: ImagesState) => T = identity as (s: ImagesState) => T,
): T {
  return useStore(useStores().images, select);
}
export function useModels<T = ModelsState>(
  select: (s: ModelsState) => T = identity as (s: ModelsState) => T,
): T {
  return useStore(useStores().models, select);
}
export function useClub<T = ClubState>(select: (s: ClubState) => T = identity as (s: ClubState) => T): T {
  return useStore(useStores().club, select);
}
/** The bridge itself, for a one-off read a store does not hold (e.g. which shell hosts the window). */
export function useBridge() {
  return useStores().bridge;
}
