/**
 * What each kind of work can earn on a horde, in words for the Earn screen. The
 * public AI Horde's rules are read from its server (horde/bridge_reference.py,
 * horde/classes/kobold/worker.py can_generate, stable/interrogation_worker.py; see
 * shared notes IMAGE-API.md §G); the embedded horde is this app's own.
 */
import type { WorkKind } from './schema';

export type HordeKind = 'embedded' | 'public' | 'custom';

export interface Earning {
  /** `full`: every request for it can come to this worker; `limited`: only some; `none`: none. */
  level: 'full' | 'limited' | 'none';
  why: string;
}

/** The AI Horde's uptime reward for an alchemist, per 10 minutes, paid straight to the spendable balance. */
export const PUBLIC_ALCHEMY_UPTIME_KUDOS = 40;

const ALCHEMY: readonly WorkKind[] = ['caption', 'interrogation', 'nsfw', 'strip_background', 'upscale'];

export function isAlchemyKind(kind: WorkKind): boolean {
  return ALCHEMY.includes(kind);
}

export function earningOn(horde: HordeKind, kind: WorkKind): Earning {
  if (horde === 'embedded')
    return {
      level: 'full',
      why: 'Your own embedded horde: every request for this kind of work can come to this worker. Kudos earned here stay on this horde, not on the public AI Horde.',
    };
  if (horde === 'custom')
    return {
      level: 'limited',
      why: 'This horde sets its own rules; another Horde Desktop horde treats this worker like its own, an AI Horde server like the public one.',
    };
  if (isAlchemyKind(kind))
    return {
      level: 'full',
      why: `Alchemy forms are requested by name and served by any worker. An alchemist earns ${PUBLIC_ALCHEMY_UPTIME_KUDOS} kudos of uptime per 10 minutes, paid straight to the spendable balance, plus each form's kudos.`,
    };
  if (kind === 'text')
    return {
      level: 'limited',
      why: 'Text requests go by default only to validated backends (AI Horde Worker, KoboldCpp, TabbyAPI); this worker gets only requests that accept others, at 0.3× the reward, and unknown models earn about 1 kudos a job.',
    };
  return {
    level: 'limited',
    why: 'An unknown image bridge gets only plain txt2img requests with r2 off, at 0.75× the reward, and only for models in the horde’s image model reference.',
  };
}
