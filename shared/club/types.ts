/**
 * What a club horde's owner sees and sets: shared by the embedded horde's
 * admin side (electron/horde/admin.ts), which produces these, and the bridge
 * (shared/bridge/club.ts), which carries them to the window. Kudos are integer milli-kudos
 * (`Milli`), as everywhere on the bridge (shared/bridge/kudos.ts); the horde's ledger keeps them so.
 */
import type { Milli } from '../ledger/money';

/** Who may become a member: with an invite only (default), anyone who finds the horde on the LAN, or no one. */
export const JOIN_POLICIES = ['invite', 'open', 'closed'] as const;
export type JoinPolicy = (typeof JOIN_POLICIES)[number];

export interface ClubSettings {
  /** Kudos a new member starts with (one balanced event when they join). */
  startingKudos: Milli;
  /** The most kudos one member may hold; null: no cap. */
  kudosCap: Milli | null;
  join: JoinPolicy;
}

export type InviteState = 'open' | 'used' | 'expired' | 'revoked';

export interface InviteView {
  id: number;
  note: string;
  createdAt: number;
  expiresAt: number;
  state: InviteState;
  /** The member it registered, once used. */
  usedBy: string | null;
}

/** A fresh invite: the token is shown only here (the horde keeps its hash). */
export interface NewInvite extends InviteView {
  token: string;
}

export interface MemberView {
  id: number;
  username: string;
  kudos: Milli;
  evaluatingKudos: Milli;
  /** Workers this member ran, and how many checked in within the horde's stale time. */
  workers: number;
  workersOnline: number;
  /** Epoch ms of the member's last worker check-in or request; null when never seen. */
  lastSeen: number | null;
  trusted: boolean;
  flagged: boolean;
  /** The horde's owner (this app's own account). */
  owner: boolean;
  createdAt: number;
}

export interface ClubFlagView {
  id: number;
  userId: number;
  username: string;
  code: string;
  reason: string;
  createdAt: number;
  clearedAt: number | null;
  confirmedAt: number | null;
  /** Why the owner cleared or confirmed it. */
  resolution: string | null;
}

/** What `POST /v2/club/join` answers: the new member's account on the horde that issued it. */
export interface JoinedMember {
  id: number;
  username: string;
  apikey: string;
}
