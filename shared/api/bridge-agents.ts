/**
 * What each image worker software can do, by its `bridge_agent`
 * ("name:version:url"), the way the AI Horde's bridge reference decides it
 * (IMAGE-API.md §C): capabilities accumulate by version; an agent that does
 * not parse, or whose name is not listed, has no capability at all, and is
 * treated as "AI Horde Worker" 23 for samplers. Our own worker is listed
 * under its own name with what it really supports, never under another
 * bridge's name.
 */

export type Capability =
  | 'img2img'
  | 'inpainting'
  | 'karras'
  | 'post-processing'
  | 'r2'
  | 'r2_source'
  | 'hires_fix'
  | 'tiling'
  | 'clip_skip'
  | 'controlnet'
  | 'lora'
  | 'textual_inversion'
  | 'lcm'
  | (string & {});

interface BridgeEntry {
  /** Capabilities first offered at each version (major number). */
  capabilities: Record<number, readonly string[]>;
  /** Samplers by version: with karras, and the extra ones allowed only without it. */
  samplers: Record<number, { karras: readonly string[]; noKarras: readonly string[] }>;
  /** The newest version; official bridges behind it earn ×0.9. */
  latest: number;
  /** An official bridge earns full rewards; any other ×0.75. */
  official: boolean;
}

const KARRAS_SAMPLERS = [
  'k_lms',
  'k_heun',
  'k_euler',
  'k_euler_a',
  'k_dpm_2',
  'k_dpm_2_a',
  'k_dpm_fast',
  'k_dpm_adaptive',
  'k_dpmpp_2s_a',
  'k_dpmpp_2m',
  'dpmsolver',
] as const;

/** The name our worker sends (electron/worker/version.ts). */
export const DESKTOP_BRIDGE = 'horde-desktop';

/**
 * Our worker: txt2img and img2img with karras sigmas, results uploaded to the
 * horde's upload URL (r2) and sources fetched from its URL (r2_source), and
 * the schedulers of the SD pipeline (issue 19). Post-processing, hires fix,
 * tiling, LoRA, TI and ControlNet are not offered. Edit this when the worker
 * gains a feature; the pop offers exactly what is listed here.
 */
const DESKTOP_ENTRY: BridgeEntry = {
  capabilities: { 0: ['img2img', 'karras', 'r2', 'r2_source'] },
  samplers: {
    0: {
      karras: [
        'k_euler',
        'k_euler_a',
        'k_lms',
        'k_heun',
        'k_dpm_2',
        'k_dpm_2_a',
        'k_dpmpp_2m',
        'DDIM',
        'lcm',
      ],
      noKarras: [],
    },
  },
  latest: 0,
  official: true,
};

/** Names and versions as the AI Horde's reference has them; capability names are its own. */
export const BRIDGES: Readonly<Record<string, BridgeEntry>> = {
  [DESKTOP_BRIDGE]: DESKTOP_ENTRY,
  'AI Horde Worker reGen': {
    capabilities: {
      1: [
        'img2img',
        'inpainting',
        'karras',
        'post-processing',
        'GFPGAN',
        'RealESRGAN_x4plus',
        'r2',
        'CodeFormers',
        'clip_skip',
        'r2_source',
        'controlnet',
        'strip_background',
        'return_control_map',
        'RealESRGAN_x4plus_anime_6B',
        'NMKD_Siax',
        '4x_AnimeSharp',
        'image_is_control',
        'RealESRGAN_x2plus',
        'hires_fix',
        'tiling',
      ],
      2: ['textual_inversion', 'lora'],
      3: ['lora_versions', 'lcm'],
      5: ['extra_source_images'],
      13: [
        '4xNomos8kSC',
        '4xLSDIRplus',
        '4xNomosWebPhoto_RealPLKSR',
        '4xNomos2_realplksr_dysample',
        '4xNomos2_hq_dat2',
        '2xModernSpanimationV1',
        'GFPGANv1.3',
        'RestoreFormer',
      ],
    },
    samplers: {
      2: { karras: [...KARRAS_SAMPLERS, 'k_dpmpp_sde', 'DDIM'], noKarras: [] },
      3: { karras: ['lcm'], noKarras: [] },
    },
    latest: 13,
    official: true,
  },
  'AI Horde Worker': {
    capabilities: {
      3: ['img2img'],
      4: ['inpainting'],
      6: ['karras'],
      7: ['post-processing', 'GFPGAN', 'RealESRGAN_x4plus'],
      8: ['r2'],
      9: ['CodeFormers'],
      13: ['hires_fix', 'clip_skip'],
      14: ['r2_source'],
      15: ['controlnet'],
      18: ['strip_background', 'return_control_map', 'RealESRGAN_x4plus_anime_6B'],
      19: ['NMKD_Siax', '4x_AnimeSharp'],
      21: ['RealESRGAN_x2plus'],
      22: ['lora'],
      23: ['image_is_control'],
      24: ['textual_inversion'],
    },
    samplers: {
      11: { karras: KARRAS_SAMPLERS, noKarras: [] },
      12: { karras: ['k_dpmpp_sde'], noKarras: [] },
      17: { karras: [], noKarras: ['DDIM'] },
    },
    latest: 24,
    official: true,
  },
};

export interface ParsedAgent {
  name: string;
  version: number;
}

/** "name:version:url" → name and major version; anything else is "unknown" 0. */
export function parseBridgeAgent(agent: string): ParsedAgent {
  const parts = agent.split(':');
  if (parts.length < 3) return { name: 'unknown', version: 0 };
  const m = /^(\d+)(?:\.\d+)*(?:[-+].*)?$/.exec(parts[1]!.trim());
  if (!m) return { name: 'unknown', version: 0 };
  return { name: parts[0]!, version: Number(m[1]) };
}

/** Every capability the agent has; empty for unknown agents. */
export function capabilitiesOf(agent: string): ReadonlySet<string> {
  const { name, version } = parseBridgeAgent(agent);
  const entry = BRIDGES[name];
  const out = new Set<string>();
  if (!entry) return out;
  for (const [v, caps] of Object.entries(entry.capabilities)) {
    if (Number(v) <= version || name === DESKTOP_BRIDGE) for (const c of caps) out.add(c);
  }
  return out;
}

export function hasCapability(agent: string, capability: Capability): boolean {
  return capabilitiesOf(agent).has(capability);
}

/** Samplers the agent runs; unknown agents count as "AI Horde Worker" 23 (so never lcm, DDIM only without karras). */
export function samplersOf(agent: string, karras: boolean): ReadonlySet<string> {
  const parsed = parseBridgeAgent(agent);
  const known = BRIDGES[parsed.name] !== undefined;
  const name = known ? parsed.name : 'AI Horde Worker';
  const version = known ? parsed.version : 23;
  const entry = BRIDGES[name]!;
  const out = new Set<string>();
  for (const [v, s] of Object.entries(entry.samplers)) {
    if (Number(v) > version && name !== DESKTOP_BRIDGE) continue;
    for (const x of s.karras) out.add(x);
    if (!karras) for (const x of s.noKarras) out.add(x);
  }
  return out;
}

/** The reward multiplier of the agent: 1 for an official bridge at its latest version, 0.9 behind it, 0.75 for others. */
export function bridgeRewardMultiplier(agent: string): number {
  const { name, version } = parseBridgeAgent(agent);
  const entry = BRIDGES[name];
  if (!entry?.official) return 0.75;
  return name !== DESKTOP_BRIDGE && version < entry.latest ? 0.9 : 1;
}

/** The capability table as `/v2/workers` and the window show it: name → what the latest version offers. */
export function bridgeTable(): { name: string; capabilities: string[]; samplers: string[] }[] {
  return Object.keys(BRIDGES).map((name) => {
    const agent = `${name}:${BRIDGES[name]!.latest}:table`;
    return {
      name,
      capabilities: [...capabilitiesOf(agent)].sort(),
      samplers: [...samplersOf(agent, false)].sort(),
    };
  });
}
