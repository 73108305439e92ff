import QRCode from 'qrcode';
import type { ClubJoined } from '../../../shared/api/club';
import {
  DEFAULT_LAN_PORT,
  type BackupView,
  type ClubHandlers,
  type InviteCard,
  type JoinResult,
  type ShareView,
} from '../../../shared/bridge/club';
import { bridgeError, isBridgeError } from '../../../shared/bridge/errors';
import { groupToken, parseInviteCode } from '../../../shared/club/invite-code';
import type { FetchLike } from '../../client/http';
import { HordeClient } from '../../client/horde-client';
import { HordeError } from '../../../shared/api/horde-error';
import { toKudos } from '../../../shared/ledger/money';
import type { HordeAdmin } from '../../horde/index';
import type { Credentials } from '../credentials';
import type { SettingsStore } from '../settings-store';
import type { ClubDiscovery } from './discovery';
import { lanAddresses } from './lan-addresses';
import { pickPort, portFree } from './port-check';

/** The embedded horde as this app runs it now. */
export interface OwnHorde {
  admin: HordeAdmin;
  port: number;
  /** Listening beyond loopback. */
  lan: boolean;
  /** The address it is bound to (0.0.0.0: every interface). */
  bindHost: string;
}

/** Backups of the horde's database (records' module, through compose). */
export interface BackupPort {
  backupNow(): Promise<BackupView>;
  list(): Promise<BackupView[]>;
  restore(file: string): Promise<BackupView>;
}

export interface ClubServiceDeps {
  /** null: this app uses another horde (it owns none now). */
  horde: () => OwnHorde | null;
  /** Why the horde is not on the LAN although sharing is on. */
  problem: () => string | null;
  settings: SettingsStore;
  credentials: Credentials;
  /** null: mDNS is off in this run. */
  discovery: ClubDiscovery | null;
  /** The name announced on the LAN. */
  announceName: string;
  backups: BackupPort | null;
  /** Says the horde's settings again on the network (who may join is in its mDNS record). */
  reannounce?: () => void;
  /** Settles once the saved settings are applied (sharing and joining rebind the horde live). */
  applied?: () => Promise<void>;
  fetch?: FetchLike;
  /** How long joining waits for the other horde. */
  joinTimeoutMs?: number;
  /** The horde this run was started on by its command line (serve's --horde), which no setting overrides. */
  pinnedHorde?: string;
}

/**
 * The club channels: what the owner of this app's horde does from the window
 * (share, invite, members, kudos, flags, settings, backups) and what a member
 * does to join another's. These run only behind the owning app's bridge; the
 * horde's HTTP API has none of the owner operations.
 */
export function clubHandlers(deps: ClubServiceDeps): ClubHandlers {
  const owner = (): OwnHorde => {
    const h = deps.horde();
    if (!h) {
      throw bridgeError(
        'NotHordeOwner',
        'This app uses another horde now: only the app that runs a horde can manage it.',
      );
    }
    return h;
  };
  /** Refusals of the horde's own checks (no such user, not enough kudos, over the cap) as BridgeErrors. */
  const run = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (isBridgeError(e)) throw e;
      const rc = (e as { rc?: unknown }).rc;
      const message = e instanceof Error ? e.message : String(e);
      if (typeof rc === 'string') throw bridgeError(rc, message);
      if (e instanceof RangeError || (e instanceof Error && /^no user /.test(e.message)))
        throw bridgeError('BadArgument', message);
      throw e;
    }
  };

  const addresses = (h: OwnHorde): string[] => (h.lan ? lanAddresses(h.port, h.bindHost) : []);

  const share = (): ShareView => {
    const h = owner();
    const s = deps.settings.get();
    return {
      enabled: s.lanSharing,
      listening: h.lan,
      port: s.lanPort,
      addresses: addresses(h),
      problem: s.lanSharing ? deps.problem() : null,
      announcedAs: h.lan && deps.discovery ? deps.announceName : null,
      invites: h.admin.invites(),
      // Sharing applies live: what differs after the switch is a port problem, said in `problem`.
      restartRequired:
        deps.applied === undefined && (s.lanSharing !== h.lan || (h.lan && s.lanPort !== h.port)),
    };
  };

  const members = () => owner().admin.members();
  const flags = (all = false) => owner().admin.flags({ all });

  return {
    'club:share': async () => share(),

    'club:setSharing': async ({ enabled, port }) => {
      const h = owner();
      const saved = deps.settings.get().lanPort;
      let next = port ?? saved;
      if (enabled) {
        // The port the horde holds now is "free" for it; any other must be free on this machine.
        if (next === null) next = await pickPort([DEFAULT_LAN_PORT]);
        else if (!(h.lan && next === h.port) && !(await portFree(next))) {
          throw bridgeError('PortInUse', `Port ${next} is in use by another program on this computer.`);
        }
      }
      await deps.settings.update({ lanSharing: enabled, lanPort: next });
      await deps.applied?.();
      return share();
    },

    'club:invite': async ({ hours, note }) => {
      const h = owner();
      const where = addresses(h);
      if (where.length === 0) {
        // Sharing on but not on the LAN (its port was taken, say): the problem is what to fix, not the switch.
        const problem = !h.lan && deps.settings.get().lanSharing ? deps.problem() : null;
        throw bridgeError(
          'NotSharing',
          h.lan
            ? 'This computer has no network address other machines can reach.'
            : problem
              ? `Sharing is on but this horde is not on the network: ${problem}`
              : 'Turn on sharing first: an invite carries the address other machines use.',
        );
      }
      const invite = h.admin.invite({
        ...(hours !== undefined ? { hours } : {}),
        ...(note !== undefined ? { note } : {}),
      });
      const codes = where.map((a) => `${a}/${groupToken(invite.token)}`);
      const svg = await QRCode.toString(codes[0] as string, {
        type: 'svg',
        margin: 2,
        errorCorrectionLevel: 'M',
      });
      const { token: _shownOnce, ...view } = invite;
      void _shownOnce;
      return {
        invite: view,
        codes,
        qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
      } satisfies InviteCard;
    },

    'club:revokeInvite': async ({ id }) => {
      if (!owner().admin.revokeInvite(id)) {
        throw bridgeError('NotFound', `Invite ${id} is not open (used, expired or withdrawn already).`);
      }
      return share();
    },

    'club:discover': async () => {
      if (!deps.discovery) return [];
      // Our own horde is not a horde to join.
      const mine = new Set(deps.horde()?.lan ? addresses(deps.horde() as OwnHorde) : []);
      return deps.discovery.found().filter((d) => !mine.has(d.address));
    },

    'club:join': async ({ code, name }) => {
      // Refused before anything is asked of the club's horde: the account would be made for nothing.
      if (deps.pinnedHorde !== undefined) {
        throw bridgeError(
          'HordePinned',
          `This run uses ${deps.pinnedHorde}, named on its command line: it cannot move onto a club's horde.`,
        );
      }
      const parsed = parseInviteCode(code);
      let url: string;
      let token: string | undefined;
      if ('error' in parsed) {
        // An address alone joins a horde whose owner lets anyone on the LAN in.
        const bare = /^(?:https?:\/\/)?([a-z0-9.-]+:\d{1,5})(?:\/api)?\/?$/i.exec(code.trim());
        if (!bare) throw bridgeError('BadArgument', parsed.error);
        url = `http://${bare[1]}/api`;
      } else {
        url = parsed.url;
        token = parsed.token;
      }
      const joined = await postJoin(deps, url, { name, ...(token !== undefined ? { token } : {}) });
      await deps.credentials.setKeyFor(url, joined.apikey);
      await deps.settings.update({ horde: { mode: 'custom', url } });
      // The app moves onto the club's horde now; a host without live switching (no `applied`) needs a restart.
      await deps.applied?.();
      return {
        url,
        username: joined.username,
        restartRequired: deps.applied === undefined,
      } satisfies JoinResult;
    },

    'club:members': async () => members(),
    'club:award': async ({ username, kudos, reason }) => {
      // The bridge carries whole hundredths in milli-kudos; the horde's admin takes kudos (exact).
      run(() => owner().admin.award(username, toKudos(kudos), reason));
      return members();
    },
    'club:move': async ({ from, to, kudos, reason }) => {
      run(() => owner().admin.move(from, to, toKudos(kudos), reason));
      return members();
    },
    'club:flags': async ({ all }) => flags(all ?? false),
    'club:resolveFlag': async ({ id, action, reason }) => {
      const admin = owner().admin;
      const done = action === 'clear' ? admin.clearFlag(id, reason) : admin.confirmFlag(id, reason);
      if (!done) throw bridgeError('NotFound', `Flag ${id} is not open.`);
      return flags(true);
    },
    'club:settings': async () => owner().admin.clubSettings(),
    'club:setSettings': async (patch) => {
      const clean = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const saved = run(() => owner().admin.setClubSettings(clean));
      deps.reannounce?.();
      return saved;
    },
    'club:backup': async () => needBackups(owner, deps).backupNow(),
    'club:backups': async () => needBackups(owner, deps).list(),
    'club:restore': async ({ file }) => needBackups(owner, deps).restore(file),
  };
}

function needBackups(owner: () => OwnHorde, deps: ClubServiceDeps): BackupPort {
  owner();
  if (!deps.backups) throw bridgeError('BackupFailed', 'Backups are not available in this copy of the app.');
  return deps.backups;
}

async function postJoin(
  deps: ClubServiceDeps,
  url: string,
  body: { name: string; token?: string },
): Promise<ClubJoined> {
  // The club horde is reached through the one horde client; the key is the one it answers.
  const client = new HordeClient({
    baseUrl: url,
    apiKey: '',
    clientAgent: 'horde-desktop:club:join',
    timeoutMs: deps.joinTimeoutMs ?? 10_000,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  try {
    return await client.clubJoin(body);
  } catch (err) {
    if (err instanceof HordeError && err.rc === 'HordeUnreachable')
      throw bridgeError(
        'HordeUnreachable',
        `No horde answered at ${url}. Check the address and that its owner shares it.`,
      );
    if (err instanceof HordeError && err.rc === 'BadHordeAnswer')
      throw bridgeError('BadHordeAnswer', `The machine at ${url} did not answer like a club horde.`);
    throw err;
  }
}
