import { z } from 'zod';
import { JOIN_POLICIES } from '../club/types';
import type { ClubFlagView, ClubSettings, InviteView, MemberView } from '../club/types';
import { MilliKudosSchema, type Milli } from './kudos';

export type * from '../club/types';

/**
 * The bridge's club channels: sharing this app's horde on the LAN, joining
 * another's, and running one's own (members, kudos, flags, settings,
 * backups). Owner operations exist only here, on the owning app's bridge
 * (IPC, or serve's loopback bridge with its token) — the horde's HTTP API has
 * none of them (test/integration/club-safety.test.ts walks every one).
 */

/** The range a LAN port may be chosen from: above the privileged ports. */
export const LAN_PORT = { min: 1024, max: 65535 } as const;
/** The port tried first when sharing is turned on and none was kept yet. */
export const DEFAULT_LAN_PORT = 7001;

export interface ShareView {
  /** LAN sharing is on in the saved settings. */
  enabled: boolean;
  /** The horde listens on the LAN now (false until a restart after turning sharing on). */
  listening: boolean;
  /** The port kept in the settings; null before sharing was first turned on. */
  port: number | null;
  /** Addresses other machines can use, `host:port`, non-loopback interfaces only. */
  addresses: string[];
  /** Why the horde is not on the LAN although sharing is on (e.g. the port is taken). */
  problem: string | null;
  /** Announced on the LAN (mDNS) under this name. */
  announcedAs: string | null;
  invites: InviteView[];
  restartRequired: boolean;
}

export interface InviteCard {
  invite: InviteView;
  /** One code per address other machines can use (the first is the one the QR code carries). */
  codes: string[];
  /** The first code as a QR code: an SVG image as a data: URL. */
  qr: string;
}

export interface DiscoveredHorde {
  /** The name the horde announces (its owner's machine). */
  name: string;
  /** The horde's API base, `http://host:port/api`. */
  url: string;
  /** `host:port` for the invite field. */
  address: string;
  /** Who may join it: an invite is needed unless `open`. */
  join: 'invite' | 'open' | 'unknown';
}

export interface JoinResult {
  url: string;
  username: string;
  /** True only where the horde is pinned for the run (a flag): the app moves onto the joined horde at once otherwise. */
  restartRequired: boolean;
}

export interface BackupView {
  file: string;
  at: number;
  bytes: number;
}

export interface ClubHandlers {
  'club:share': (arg: void) => Promise<ShareView>;
  /** Turns LAN sharing on or off and keeps the port (validated: free, 1024..65535). */
  'club:setSharing': (arg: { enabled: boolean; port?: number }) => Promise<ShareView>;
  'club:invite': (arg: { hours?: number; note?: string }) => Promise<InviteCard>;
  'club:revokeInvite': (arg: { id: number }) => Promise<ShareView>;
  /** Hordes announced on the LAN (mDNS), as heard in the last few seconds. */
  'club:discover': (arg: void) => Promise<DiscoveredHorde[]>;
  /** Joins a horde with an invite code (or, where it is open, its address and no token). */
  'club:join': (arg: { code: string; name: string }) => Promise<JoinResult>;
  'club:members': (arg: void) => Promise<MemberView[]>;
  'club:award': (arg: { username: string; kudos: Milli; reason: string }) => Promise<MemberView[]>;
  'club:move': (arg: { from: string; to: string; kudos: Milli; reason: string }) => Promise<MemberView[]>;
  'club:flags': (arg: { all?: boolean }) => Promise<ClubFlagView[]>;
  'club:resolveFlag': (arg: {
    id: number;
    action: 'clear' | 'confirm';
    reason: string;
  }) => Promise<ClubFlagView[]>;
  'club:settings': (arg: void) => Promise<ClubSettings>;
  'club:setSettings': (arg: Partial<ClubSettings>) => Promise<ClubSettings>;
  'club:backup': (arg: void) => Promise<BackupView>;
  'club:backups': (arg: void) => Promise<BackupView[]>;
  /** Puts a backup back: the horde stops, the file is restored, the horde starts again on it. */
  'club:restore': (arg: { file: string }) => Promise<BackupView>;
}

export const CLUB_CHANNELS = [
  'club:share',
  'club:setSharing',
  'club:invite',
  'club:revokeInvite',
  'club:discover',
  'club:join',
  'club:members',
  'club:award',
  'club:move',
  'club:flags',
  'club:resolveFlag',
  'club:settings',
  'club:setSettings',
  'club:backup',
  'club:backups',
  'club:restore',
] as const satisfies readonly (keyof ClubHandlers)[];

/** The channels only the horde's owner may use (everything but joining another horde and looking for one). */
export const CLUB_OWNER_CHANNELS = CLUB_CHANNELS.filter(
  (c): c is Exclude<(typeof CLUB_CHANNELS)[number], 'club:discover' | 'club:join'> =>
    c !== 'club:discover' && c !== 'club:join',
);

const NoArg = z.union([z.undefined(), z.null()]).transform((): void => undefined);
const Username = z.string().trim().min(3).max(64).regex(/#\d+$/, 'a member is written NAME#ID');
const Reason = z.string().trim().min(1, 'say why (it is kept in the ledger)').max(200);
/** Milli-kudos in whole hundredths of a kudos (multiples of 10), as the AI Horde keeps kudos. */
const Hundredths = MilliKudosSchema.refine((m) => m % 10 === 0, 'whole hundredths of a kudos');
const Kudos = Hundredths.refine((m) => Math.abs(m) >= 10, 'at least 0.01 kudos').refine(
  (m) => Math.abs(m) <= 10_000_000_000,
  'at most 10,000,000 kudos at once',
);
const Id = z.int().min(1);

export const ClubSettingsPatchSchema = z
  .object({
    startingKudos: Hundredths.refine(
      (m) => m >= 0 && m <= 1_000_000_000,
      'from 0 to 1,000,000 kudos',
    ).optional(),
    kudosCap: Hundredths.refine((m) => m >= 1000 && m <= 1_000_000_000_000, 'from 1 to 1,000,000,000 kudos')
      .nullable()
      .optional(),
    join: z.enum(JOIN_POLICIES).optional(),
  })
  .strict();

export const CLUB_SCHEMAS = {
  'club:share': NoArg,
  'club:setSharing': z
    .object({ enabled: z.boolean(), port: z.int().min(LAN_PORT.min).max(LAN_PORT.max).optional() })
    .strict(),
  'club:invite': z.preprocess(
    (v) => v ?? {},
    z
      .object({
        hours: z
          .number()
          .min(0.01)
          .max(24 * 7)
          .optional(),
        note: z.string().max(100).optional(),
      })
      .strict(),
  ),
  'club:revokeInvite': z.object({ id: Id }).strict(),
  'club:discover': NoArg,
  'club:join': z
    .object({
      code: z.string().trim().min(3).max(300),
      name: z
        .string()
        .trim()
        .min(1)
        .max(30)
        .refine((n) => !n.includes('#'), "a name without '#'"),
    })
    .strict(),
  'club:members': NoArg,
  'club:award': z.object({ username: Username, kudos: Kudos, reason: Reason }).strict(),
  'club:move': z
    .object({
      from: Username,
      to: Username,
      kudos: Kudos.refine((k) => k > 0, 'a positive amount'),
      reason: Reason,
    })
    .strict(),
  'club:flags': z.preprocess((v) => v ?? {}, z.object({ all: z.boolean().optional() }).strict()),
  'club:resolveFlag': z.object({ id: Id, action: z.enum(['clear', 'confirm']), reason: Reason }).strict(),
  'club:settings': NoArg,
  'club:setSettings': ClubSettingsPatchSchema,
  'club:backup': NoArg,
  'club:backups': NoArg,
  'club:restore': z.object({ file: z.string().min(1).max(4096) }).strict(),
} satisfies Record<keyof ClubHandlers, z.ZodType>;

export type { ClubFlagView, ClubSettings, InviteView, MemberView };
