import { createStore } from 'zustand/vanilla';
import type {
  BackupView,
  ClubFlagView,
  ClubSettings,
  DiscoveredHorde,
  InviteCard,
  JoinResult,
  MemberView,
  ShareView,
} from '../../../shared/bridge/club';
import type { BridgeArg, BridgeChannel, BridgeResult, HordeBridge } from '../../../shared/bridge/contract';

/**
 * The Club screen's state: this app's horde as its owner runs it (sharing,
 * invites, members, flags, settings, backups), or, where the app uses
 * another horde, only what a member does (find and join one).
 */
export interface ClubState {
  /** null until loaded; 'member' when this app owns no horde now. */
  role: 'owner' | 'member' | null;
  share: ShareView | null;
  card: InviteCard | null;
  members: MemberView[];
  flags: ClubFlagView[];
  settings: ClubSettings | null;
  backups: BackupView[];
  found: DiscoveredHorde[];
  joined: JoinResult | null;
  busy: boolean;
  error: unknown;
  /** A sentence about the last thing done ("Awarded 15 kudos to bob#3"). */
  done: string | null;
  refresh(): Promise<void>;
  discover(): Promise<void>;
  /** Runs one club call, then reloads what it changed; false when it was refused (`error` says why). */
  act<K extends BridgeChannel>(
    channel: K,
    arg: BridgeArg<K>,
    done?: string,
  ): Promise<BridgeResult<K> | undefined>;
}

export function createClubStore(bridge: HordeBridge) {
  const call = <K extends BridgeChannel>(channel: K, arg: BridgeArg<K>): Promise<BridgeResult<K>> =>
    (bridge.invoke as (c: K, a: BridgeArg<K>) => Promise<BridgeResult<K>>)(channel, arg);
  return createStore<ClubState>()((set, get) => ({
    role: null,
    share: null,
    card: null,
    members: [],
    flags: [],
    settings: null,
    backups: [],
    found: [],
    joined: null,
    busy: false,
    error: null,
    done: null,
    async refresh() {
      try {
        const share = await call('club:share', undefined);
        const [members, flags, settings, backups] = await Promise.all([
          call('club:members', undefined),
          call('club:flags', { all: true }),
          call('club:settings', undefined),
          call('club:backups', undefined).catch(() => [] as BackupView[]),
        ]);
        set({ role: 'owner', share, members, flags, settings, backups });
      } catch (e) {
        if ((e as { rc?: string }).rc === 'NotHordeOwner') set({ role: 'member' });
        else set({ error: e });
      }
    },
    async discover() {
      try {
        set({ found: await call('club:discover', undefined) });
      } catch {
        // Discovery is a convenience: typing the invite still works.
      }
    },
    async act<K extends BridgeChannel>(channel: K, arg: BridgeArg<K>, done?: string) {
      set({ busy: true, error: null, done: null });
      try {
        const r: BridgeResult<K> = await call(channel, arg);
        if (channel === 'club:invite') set({ card: r as InviteCard });
        if (channel === 'club:join') set({ joined: r as JoinResult });
        set({ done: done ?? null });
        if (get().role === 'owner') await get().refresh();
        return r;
      } catch (e) {
        set({ error: e });
        return undefined;
      } finally {
        set({ busy: false });
      }
    },
  }));
}
