import type {
  AccountView,
  CatalogView,
  HordeModel,
  InstalledModel,
  LocalModel,
  SettingsView,
  TextRequestStatus,
} from '../../../shared/bridge/contract';
import type { WorkerStats } from '../../../shared/worker/stats';
import { BUILT_IN_CATALOG } from '../../../shared/catalog/catalog';
import { earningOn } from '../../../shared/catalog/earnings';
import { fromKudos } from '../../../shared/ledger/money';

export const account = (over: Partial<AccountView> = {}): AccountView => ({
  username: 'owner#1',
  id: 1,
  kudos: fromKudos(120.5),
  evaluatingKudos: fromKudos(3.25),
  reserved: fromKudos(20),
  available: fromKudos(100.5),
  workerIds: ['w-1'],
  anonymous: false,
  ...over,
});

export const stats = (over: Partial<WorkerStats> = {}): WorkerStats => ({
  state: 'running',
  stateReason: '',
  mode: 'auto',
  jobsDone: 3,
  jobsFaulted: 0,
  tokensPerSecond: 12.5,
  kudosThisSession: fromKudos(8.4),
  kudosTotal: fromKudos(120.5),
  evaluatingKudos: fromKudos(3.25),
  uptimeSeconds: 1800,
  advertised: { models: ['tiny-gpt2'], maxLength: 256, maxContextLength: 1024, forms: [] },
  ...over,
});

export const settings = (over: Partial<SettingsView> = {}): SettingsView => ({
  horde: { mode: 'embedded' },
  workerName: 'my-pc',
  modelsDir: '/models',
  threads: 0,
  memoryMb: 0,
  lanSharing: false,
  lanPort: null,
  idle: { idleMinutes: 5, onlyOnAC: true, finishJobBeforePause: true },
  theme: 'system',
  apiKeyMasked: null,
  restartRequired: false,
  ...over,
});

export const hordeModels = (): HordeModel[] => [
  { name: 'tiny-gpt2', count: 1, performance: 10, queued: 0, jobs: 0, eta: 0, type: 'text' },
  {
    name: 'meta-llama/Meta-Llama-3-8B-Instruct',
    count: 0,
    performance: 0,
    queued: 0,
    jobs: 0,
    eta: 0,
    type: 'text',
  },
];

export const localModels = (): LocalModel[] => [
  {
    name: 'tiny-gpt2',
    kind: 'text',
    path: 'tiny-gpt2',
    sizeBytes: 2_400_000,
    load: { state: 'ready', fraction: 1 },
  },
];

export const textStatus = (over: Partial<TextRequestStatus> = {}): TextRequestStatus => ({
  id: 'job-1',
  state: 'waiting',
  waiting: 1,
  processing: 0,
  finished: 0,
  queuePosition: 2,
  waitTime: 95,
  isPossible: true,
  kudos: fromKudos(0),
  generations: [],
  ...over,
});

export const catalogView = (over: Partial<CatalogView> = {}): CatalogView => {
  const runnable = BUILT_IN_CATALOG.filter((e) => e.runnable);
  return {
    machine: { memoryMb: 8192, diskFreeMb: 50_000, gpu: false, modelsDir: '/models' },
    horde: 'public',
    items: runnable.map((entry) => ({
      entry,
      fits:
        entry.kind === 'text' && entry.speed === 'medium'
          ? { ok: false, reason: 'Needs about 1.0 GB of memory; 512 MB is free for models.' }
          : { ok: true },
      earning: earningOn('public', entry.kind),
      installed: false,
    })),
    ...over,
  };
};

export const installedModel = (over: Partial<InstalledModel> = {}): InstalledModel => ({
  name: 'my-folder-model',
  path: '/models/my-folder-model',
  kind: 'text',
  forms: [],
  sizeBytes: 5_000_000,
  source: 'folder',
  advertisedAs: ['my-folder-model'],
  honestName: false,
  inUse: true,
  ...over,
});
