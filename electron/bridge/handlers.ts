import { isImageForm } from '../../shared/api/interrogate';
import type {
  AccountView,
  AppInfo,
  BridgeHandlers,
  IdlePolicySettings,
  Settings,
  SettingsView,
  TextRequest,
  UpfrontView,
  WorkerStats,
} from '../../shared/bridge/contract';
import { bridgeError, isBridgeError, toBridgeError, withHint } from '../../shared/bridge/errors';
import { upfrontKudosRequired, upfrontVerdict } from '../../shared/kudos/upfront';
import { alchemyFormCost } from '../../shared/kudos/pricing';
import type { AskedFor } from '../../shared/kudos/results';
import { HordeError } from '../../shared/api/horde-error';
import { randomUUID } from 'node:crypto';
import type { Credentials } from './credentials';
import type { IntentLog } from './intents';
import { checkSettingsPatch } from './settings-checks';
import type { BridgeEventBus } from './events';
import type { RequestHistory } from './history';
import type { RequestTracker } from './request-tracker';
import type { Journal } from './journal';
import { unavailableModelHandlers, type ModelHandlers } from './model-handlers';
import { unavailableClubHandlers } from './club/unavailable';
import type { ClubHandlers } from '../../shared/bridge/club';
import type { HordeConnection, LocalModelsPort, Logger, ProgramsPort, WorkerPort } from './ports';
import type { SettingsStore } from './settings-store';
import type { ImageHandlers } from '../../shared/bridge/images';
import { accountView, newHistoryEntry, textAsyncBody } from './views';
import { asMilli, toKudos, type Milli } from '../../shared/ledger/money';
import { milliFromHorde } from '../../shared/bridge/kudos';

export interface BridgeDeps {
  info: { version: string; shell: AppInfo['shell']; dataDir: string };
  settings: SettingsStore;
  credentials: Credentials;
  horde: HordeConnection;
  journal: Journal;
  history: RequestHistory;
  tracker: RequestTracker;
  bus: BridgeEventBus;
  /** null when no worker runs in this process. */
  worker: WorkerPort | null;
  models: LocalModelsPort;
  /** The running programs for the picker; absent where no worker runs. */
  programs?: ProgramsPort;
  /** Write-ahead intents: what the app is about to ask of the horde, for the reconciler after a crash. */
  intents: IntentLog;
  /** Set when the journal is read from the horde's ledger: call it instead of recording on the side. */
  syncJournal?: () => Promise<number>;
  /** The Image request screen's channels (images:*). */
  images: ImageHandlers;
  /** The Models screen's channels (models-service.ts); absent where no models service runs. */
  modelHandlers?: ModelHandlers;
  /** Renames the embedded horde's owner; absent on another horde, where the account is the user's own. */
  renameOwner?: (name: string) => void;
  /** The club channels (club/service.ts); absent: each says this copy has no club. */
  clubHandlers?: ClubHandlers;
  /**
   * Settles once the settings saved so far are applied (a switch of horde or of LAN sharing
   * rebinds the backend): `settings:set` answers after it, so the window sees the new horde.
   */
  applied?: () => Promise<void>;
  log?: Logger;
  now?: () => number;
}

/**
 * The bridge's handlers, one per channel, shared by serve mode and the
 * Electron main process. Arguments arrive validated (schemas.ts); every
 * rejection is a plain BridgeError with a hint where one helps.
 */
export function createBridgeHandlers(deps: BridgeDeps) {
  const now = deps.now ?? Date.now;
  const client = () => deps.horde.client;
  let lastUsername: string | null = null;

  // Only this horde's requests hold this horde's kudos.
  const reserved = (): Milli =>
    asMilli(deps.history.pending(deps.horde.slot).reduce((sum, e) => sum + e.kudos, 0));

  async function account(): Promise<AccountView> {
    const user = await client().findUser();
    lastUsername = user.username;
    return accountView(user, reserved());
  }

  function settingsView(): SettingsView {
    return {
      ...deps.settings.get(),
      apiKeyMasked: deps.credentials.masked,
      restartRequired: deps.settings.restartRequired,
    };
  }

  function needWorker(): WorkerPort {
    if (!deps.worker) throw bridgeError('NoWorker', 'No worker runs in this app.');
    return deps.worker;
  }

  const handlers = {
    ...deps.images,
    'app:info': async () => {
      let username = lastUsername;
      try {
        username = (await account()).username;
      } catch {
        // The screen still shows the rest; the horde may be down or the key wrong.
      }
      return {
        version: deps.info.version,
        shell: deps.info.shell,
        horde: { mode: deps.horde.mode, url: deps.horde.url },
        username,
        workerEnabled: deps.worker !== null,
        dataDir: deps.info.dataDir,
      };
    },

    'settings:get': async () => settingsView(),

    'settings:set': async (patch) => {
      // Only what changes is checked: a saved folder that went missing must not block saving the theme.
      const current = deps.settings.get();
      await checkSettingsPatch({
        ...(patch.modelsDir !== undefined && patch.modelsDir !== current.modelsDir
          ? { modelsDir: patch.modelsDir }
          : {}),
        ...(patch.threads !== undefined && patch.threads !== current.threads
          ? { threads: patch.threads }
          : {}),
      });
      const settings = await deps.settings.update(patch);
      if (patch.idle !== undefined || patch.threads !== undefined)
        deps.worker?.setPolicy?.(workerPolicy(settings));
      // A new horde or sharing: answered once the backend is bound to it (these handlers may be
      // the old binding's; the view comes from the settings, which all bindings share).
      await deps.applied?.();
      return settingsView();
    },

    'settings:setApiKey': async ({ apiKey }) => {
      if (apiKey !== null) {
        try {
          await deps.horde.clientWithKey(apiKey).findUser();
        } catch (e) {
          // A key the horde refuses is not saved; an unreachable horde is no proof the key is wrong.
          if (!(e instanceof HordeError) || e.rc !== 'HordeUnreachable') throw e;
        }
      }
      // The requester calls use the new key at once; the worker starts again with it (compose.ts).
      await deps.credentials.setUserKey(apiKey);
      void pushAccount();
      return { apiKeyMasked: deps.credentials.masked };
    },

    'settings:checkApiKey': async ({ apiKey }) => {
      const user = await deps.horde.clientWithKey(apiKey).findUser();
      return { username: user.username, kudos: milliFromHorde(user.kudos) };
    },

    'horde:health': async () => {
      const { mode, url } = deps.horde;
      const online = await client()
        .heartbeat()
        .then(() => true)
        .catch(() => false);
      return { mode, url, online, checkedAt: now() };
    },

    'account:get': () => account(),

    'worker:stats': async () => deps.worker?.stats() ?? null,

    'worker:control': async ({ action }) => {
      const worker = needWorker();
      await asWorkerError(() => worker.control(action));
      return worker.stats();
    },

    'worker:leaveMaintenance': async () => {
      const worker = needWorker();
      await asWorkerError(() => worker.leaveMaintenance());
      return worker.stats();
    },

    'worker:programs': async () => {
      const programs = deps.programs;
      if (!programs) throw bridgeError('NoWorker', 'No worker runs in this app.');
      if (!programs.support.available) return { names: [], how: programs.support.how };
      return { names: await programs.read(), how: programs.support.how };
    },

    'models:local': () => deps.models.list(),

    'horde:models': async () => {
      const [models, workers] = await Promise.all([
        client().models('text'),
        // What the serving workers offer bounds the request form; without the list it keeps the horde's bounds.
        client()
          .textWorkers()
          .catch(() => null),
      ]);
      const limits = workers ? servedTextLimits(workers) : null;
      return models
        .map((m) => {
          const l = limits?.get(m.name);
          return { ...m, ...(l ? { maxLength: l.maxLength, maxContextLength: l.maxContextLength } : {}) };
        })
        .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
    },

    'requests:price': async (req) => {
      const [quote, acct, perf] = await Promise.all([
        client().textAsync(textAsyncBody(req, true)),
        account(),
        client()
          .performance()
          .catch(() => ({ queued_text_requests: 0, text_thread_count: 0 })),
      ]);
      const kudos = milliFromHorde(quote.kudos ?? 0);
      return {
        kudos,
        available: acct.available,
        after: asMilli(acct.available - kudos),
        ...upfrontOf(req, acct.available, perf),
        warnings: quote.warnings ?? [],
      };
    },

    'requests:submitText': async (req) => {
      // One generation's text is kept: its bound is max_length tokens (shared/kudos/results.ts).
      const asked = { maxLength: req.params.max_length };
      const intent = await beginRequest('text', req.prompt, req.models, asked);
      const answer = await settleOnRefusal(intent, () => client().textAsync(textAsyncBody(req, false)));
      if (!answer.id)
        throw bridgeError(
          'BadHordeAnswer',
          answer.message ?? 'The horde accepted the request but gave no id.',
        );
      const kudos = milliFromHorde(answer.kudos ?? 0);
      await deps.tracker.track({
        ...newHistoryEntry('text', answer.id, req.prompt, req.models, kudos, now(), asked),
        horde: hordeSlot(),
      });
      await deps.intents.settle(intent, answer.id);
      void pushAccount();
      return { id: answer.id, kudos, warnings: answer.warnings ?? [] };
    },

    'requests:status': ({ id }) => deps.tracker.refreshText(id),

    'requests:cancel': ({ id }) => deps.tracker.refreshText(id, true),

    'requests:history': async (q) => deps.history.list(q),

    'alchemy:submit': async ({ sourceImage, forms }) => {
      const models = forms.filter((f) => isImageForm(f));
      const asked = { forms: [...forms] };
      const intent = await beginRequest('alchemy', forms.join(', '), models, asked);
      const answer = await settleOnRefusal(intent, () =>
        client().interrogateAsync({
          forms: forms.map((name) => ({ name })),
          source_image: sourceImage.replace(/^data:image\/[a-z]+;base64,/, ''),
        }),
      );
      if (!answer.id)
        throw bridgeError(
          'BadHordeAnswer',
          answer.message ?? 'The horde accepted the request but gave no id.',
        );
      // The interrogate route quotes no price; the app prices the forms as the horde does.
      const kudos = milliFromHorde(
        answer.kudos ?? forms.reduce((sum, f) => sum + alchemyFormCost(f, { slowWorkers: true }), 0),
      );
      await deps.tracker.track({
        ...newHistoryEntry('alchemy', answer.id, forms.join(', '), models, kudos, now(), asked),
        horde: hordeSlot(),
      });
      await deps.intents.settle(intent, answer.id);
      void pushAccount();
      return { id: answer.id, kudos, warnings: answer.warnings ?? [] };
    },

    'alchemy:status': ({ id }) => deps.tracker.refreshAlchemy(id),

    'alchemy:cancel': ({ id }) => deps.tracker.refreshAlchemy(id, true),

    'journal:entries': async (q) => deps.journal.query(q),

    'account:transfer': async ({ toUsername, kudos: milli, idempotencyKey }) => {
      // The horde takes and answers float kudos; the intent file keeps them as floats too.
      const kudos = toKudos(milli);
      // On a horde without idempotency the reconciler tells a sent transfer by the user's gifted total.
      const giftedBefore = deps.syncJournal ? undefined : (await client().findUser()).kudos_details?.gifted;
      await deps.intents.begin({
        type: 'transfer',
        id: idempotencyKey,
        at: now(),
        horde: hordeSlot(),
        toUsername,
        kudos,
        ...(giftedBefore !== undefined ? { giftedBefore } : {}),
      });
      const idempotent = deps.horde.mode === 'embedded';
      const answer = await settleOnRefusal(idempotencyKey, () =>
        client().transfer(toUsername, kudos, idempotencyKey, undefined, { idempotent }),
      ).catch(async (e: unknown) => {
        // An ambiguous failure on a horde without idempotency: the user's record says whether it
        // was applied, before anyone sends it again.
        const sent = e instanceof HordeError && e.sentNothing;
        if (
          idempotent ||
          giftedBefore === undefined ||
          sent ||
          !(e instanceof HordeError) ||
          (e.status > 0 && e.status < 500)
        )
          throw e;
        const gifted = (
          await client()
            .findUser()
            .catch(() => undefined)
        )?.kudos_details?.gifted;
        if (gifted === undefined) throw e;
        if (gifted + 0.005 >= giftedBefore + kudos) return { transferred: kudos };
        // The horde answered (5xx): it is done with the call, and did not apply it. No answer at all:
        // it may still be applying it, so the intent stays open for the next reconcile.
        if (e.status >= 500) {
          await deps.intents.settle(idempotencyKey, 'not sent');
          throw bridgeError(
            e.rc,
            `${e.message} The horde did not apply the transfer: your kudos are where they were.`,
            'You can send it again.',
          );
        }
        throw bridgeError(
          e.rc,
          `${e.message} The horde has not applied the transfer so far, but it may still.`,
          'Check your balance in a minute before you send it again.',
        );
      });
      if (deps.syncJournal) await deps.syncJournal();
      else
        await deps.journal.record({
          id: `transfer:${idempotencyKey}`,
          at: now(),
          kind: 'transfer_out',
          kudos: asMilli(-milliFromHorde(answer.transferred)),
          counterparty: toUsername,
        });
      await deps.intents.settle(idempotencyKey, 'applied');
      const acct = await account();
      deps.bus.emit('account:changed', acct);
      return { transferred: milliFromHorde(answer.transferred), toUsername, account: acct };
    },

    'account:rename': async ({ name }) => {
      if (!deps.renameOwner)
        throw bridgeError(
          'BadArgument',
          'Only the embedded horde’s owner name can be changed here.',
          'On the AI Horde or another horde, the name belongs to your account there: change it on that horde’s site.',
        );
      deps.renameOwner(name);
      const acct = await account();
      deps.bus.emit('account:changed', acct);
      return acct;
    },
    ...(deps.modelHandlers ?? unavailableModelHandlers),
    ...(deps.clubHandlers ?? unavailableClubHandlers),
  } satisfies BridgeHandlers;

  function hordeSlot(): string {
    return deps.horde.slot;
  }

  async function beginRequest(
    kind: 'text' | 'alchemy',
    summary: string,
    models: string[],
    asked: AskedFor,
  ): Promise<string> {
    const id = randomUUID();
    await deps.intents.begin({
      type: 'request',
      id,
      at: now(),
      horde: hordeSlot(),
      kind,
      summary: summary.slice(0, 500),
      models,
      asked,
    });
    return id;
  }

  /** A refusal from the horde settles the intent (nothing happened); any other failure leaves it for the reconciler. */
  async function settleOnRefusal<T>(intent: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof HordeError && e.rc !== 'HordeUnreachable' && e.status < 500)
        await deps.intents.settle(intent, `refused: ${e.rc}`);
      throw e;
    }
  }

  async function pushAccount(): Promise<void> {
    try {
      deps.bus.emit('account:changed', await account());
    } catch (e) {
      deps.log?.warn('account refresh failed', e);
    }
  }

  return { handlers: guardAll(handlers, deps.log), pushAccount };
}

/** Per model, the most any online text worker serving it takes. */
export function servedTextLimits(
  workers: readonly {
    online: boolean;
    maintenance_mode: boolean;
    models: string[];
    max_length: number;
    max_context_length: number;
  }[],
): Map<string, { maxLength: number; maxContextLength: number }> {
  const out = new Map<string, { maxLength: number; maxContextLength: number }>();
  for (const w of workers) {
    if (!w.online || w.maintenance_mode) continue;
    for (const model of w.models) {
      const seen = out.get(model) ?? { maxLength: 0, maxContextLength: 0 };
      out.set(model, {
        maxLength: Math.max(seen.maxLength, w.max_length),
        maxContextLength: Math.max(seen.maxContextLength, w.max_context_length),
      });
    }
  }
  return out;
}

/** The worker's policy carries the thread cap too; Settings keeps it at the top for the Settings screen. */
export function workerPolicy(settings: Settings): IdlePolicySettings {
  return settings.threads > 0 ? { ...settings.idle, threads: settings.threads } : settings.idle;
}

/** The upfront rule for this request on the horde as it is now: free allowance, kudos needed, shortfall. */
function upfrontOf(
  req: TextRequest,
  available: Milli,
  perf: { queued_text_requests: number; text_thread_count: number },
): { needsUpfront: boolean; upfront: UpfrontView } {
  const verdict = upfrontVerdict({
    maxLength: req.params.max_length,
    queuedJobs: perf.queued_text_requests,
    activeWorkerThreads: perf.text_thread_count,
  });
  const required = milliFromHorde(
    verdict.required
      ? upfrontKudosRequired({ models: req.models, maxLength: req.params.max_length, n: req.params.n })
      : 0,
  );
  const short = asMilli(Math.max(0, required - available));
  return {
    needsUpfront: verdict.required && short > 0,
    upfront: { freeMaxLength: verdict.freeMaxLength, required, short },
  };
}

/** The worker throws plain Errors whose messages are written for the user; keep them. */
async function asWorkerError(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof Error && !isBridgeError(e)) throw bridgeError('WorkerError', e.message);
    throw e;
  }
}

/** Every handler rejects with a plain BridgeError (with a hint where one helps), never an Error or a stack. */
function guardAll<H extends BridgeHandlers>(handlers: H, log?: Logger): H {
  const out: Partial<Record<keyof H, unknown>> = {};
  for (const key of Object.keys(handlers) as (keyof H & string)[]) {
    const fn = handlers[key] as (arg: unknown) => Promise<unknown>;
    out[key] = async (arg: unknown) => {
      try {
        return await fn(arg);
      } catch (e) {
        const err = withHint(toBridgeError(e));
        if (err.rc === 'Internal') log?.warn(`bridge ${key} failed`, e);
        throw err;
      }
    };
  }
  return out as H;
}

export type { WorkerStats };
