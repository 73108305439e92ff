import { earningOn } from '../../../shared/catalog/earnings';
import type {
  BridgeArg,
  BridgeChannel,
  BridgeEventName,
  BridgeEvents,
  BridgeResult,
  HordeBridge,
} from '../../../shared/bridge/contract';
import { requestKudos } from '../../../shared/kudos/pricing';
import * as fx from './fixtures';
import { asMilli, fromKudos } from '../../../shared/ledger/money';
import { milliFromHorde } from '../../../shared/bridge/kudos';

type Handler<K extends BridgeChannel> = (arg: BridgeArg<K>) => BridgeResult<K> | Promise<BridgeResult<K>>;
export type FakeHandlers = { [K in BridgeChannel]?: Handler<K> };

export interface FakeBridge extends HordeBridge {
  calls: { channel: BridgeChannel; arg: unknown }[];
  callsTo<K extends BridgeChannel>(channel: K): BridgeArg<K>[];
  emit<E extends BridgeEventName>(event: E, payload: BridgeEvents[E]): void;
  listenerCount(event: BridgeEventName): number;
}

/** Answers a fresh app would give; each test overrides the channels it is about. */
export function defaultHandlers(): FakeHandlers {
  return {
    'app:info': () => ({
      version: '0.1.0',
      shell: 'serve',
      horde: { mode: 'embedded', url: 'http://127.0.0.1:1/api' },
      username: 'owner#1',
      workerEnabled: true,
      dataDir: '/data',
    }),
    'settings:get': () => fx.settings(),
    'settings:set': (patch) => ({
      ...fx.settings(),
      ...patch,
      idle: { ...fx.settings().idle, ...patch.idle },
    }),
    'settings:setApiKey': ({ apiKey }) => ({ apiKeyMasked: apiKey ? `••••••${apiKey.slice(-4)}` : null }),
    'settings:checkApiKey': () => ({ username: 'someone#7', kudos: fromKudos(1234.5) }),
    'horde:health': () => ({
      mode: 'embedded',
      url: 'http://127.0.0.1:1/api',
      online: true,
      checkedAt: 0,
    }),
    'account:get': () => fx.account(),
    'worker:stats': () => fx.stats(),
    'worker:control': ({ action }) =>
      fx.stats({ state: action === 'pause_1h' ? 'paused' : 'running', mode: action }),
    'worker:leaveMaintenance': () => fx.stats(),
    'worker:programs': () => ({ names: ['bash', 'steam', 'vlc'], how: 'A fake list.' }),
    'models:local': () => fx.localModels(),
    'horde:models': () => fx.hordeModels(),
    'images:models': () => [],
    'images:gallery': () => [],
    'models:catalog': () => fx.catalogView(),
    'models:installed': () => [fx.installedModel()],
    'models:download': ({ id }) => ({
      id,
      repo: 'org/name',
      state: 'checking',
      bytesDone: 0,
      bytesTotal: 0,
      bytesPerSecond: 0,
      secondsLeft: null,
      resumedFromBytes: 0,
      refetchedBytes: 0,
    }),
    'models:cancelDownload': () => null,
    'models:delete': () => [],
    'models:addFolder': () => [fx.installedModel()],
    'models:confirmName': ({ name, as }) => [
      fx.installedModel({ name, advertisedAs: as ? [as] : [name], honestName: as !== null }),
    ],
    'models:recheck': ({ name }) => ({ name, filesChecked: 3, damaged: [] }),
    'models:pickFolder': () => ({ path: null }),
    'horde:earnings': () => ({
      horde: 'public',
      kinds: (['text', 'caption', 'image'] as const).map((kind) => ({ kind, ...earningOn('public', kind) })),
      figures: { queuedTextRequests: 12, textWorkers: 30, queuedForms: 4, alchemists: 2 },
    }),
    'requests:price': (req) => {
      // As the main side does: the horde's float price, to milli-kudos once.
      const kudos = milliFromHorde(requestKudos(req));
      const available = fx.account().available;
      return {
        kudos,
        available,
        after: asMilli(available - kudos),
        needsUpfront: false,
        upfront: { freeMaxLength: 512, required: fromKudos(0), short: fromKudos(0) },
        warnings: [],
      };
    },
    'requests:submitText': () => ({ id: 'job-1', kudos: fromKudos(7), warnings: [] }),
    'requests:status': ({ id }) => fx.textStatus({ id }),
    'requests:cancel': ({ id }) => fx.textStatus({ id, state: 'cancelled' }),
    'requests:history': () => [],
    'journal:entries': () => ({
      entries: [],
      totals: {
        earned: fromKudos(0),
        spent: fromKudos(0),
        transferredIn: fromKudos(0),
        transferredOut: fromKudos(0),
        awarded: fromKudos(0),
        net: fromKudos(0),
      },
    }),
  };
}

export function fakeBridge(overrides: FakeHandlers = {}): FakeBridge {
  const handlers: FakeHandlers = { ...defaultHandlers(), ...overrides };
  const listeners = new Map<BridgeEventName, Set<(p: never) => void>>();
  const calls: FakeBridge['calls'] = [];
  const bridge: FakeBridge = {
    calls,
    callsTo: <K extends BridgeChannel>(channel: K) =>
      calls.filter((c) => c.channel === channel).map((c) => c.arg as BridgeArg<K>),
    invoke: (async <K extends BridgeChannel>(channel: K, arg: BridgeArg<K>) => {
      calls.push({ channel, arg });
      const h = handlers[channel] as Handler<K> | undefined;
      if (!h) throw { rc: 'UnknownChannel', message: `no fake for ${channel}` };
      return h(arg);
    }) as HordeBridge['invoke'],
    listen(event, cb) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(cb as (p: never) => void);
      return () => set.delete(cb as (p: never) => void);
    },
    emit(event, payload) {
      for (const cb of listeners.get(event) ?? []) (cb as (p: typeof payload) => void)(payload);
    },
    listenerCount: (event) => listeners.get(event)?.size ?? 0,
  };
  return bridge;
}
