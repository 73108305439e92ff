/**
 * An alchemy form's result, as the horde returns it (free-form JSON from
 * whichever alchemist served it), read into what a person can take in: the
 * caption as text, the interrogation as tags with scores, the NSFW check as a
 * verdict. Untrusted input: anything unreadable is left out, never thrown.
 */

export interface InterrogationTag {
  text: string;
  /** 0..1. The AI Horde's CLIP alchemists send percentages; those are scaled down. */
  confidence: number;
  /** The interrogator's category (artists, mediums, …) when it sent one other than plain tags. */
  category?: string;
}

export interface ReadableAlchemy {
  caption?: string;
  tags?: InterrogationTag[];
  nsfw?: boolean;
  /** Anything else with a plain value (a newer form, or fields beside the known ones). */
  other?: Record<string, string>;
}

/** Tags shown at most, best first. */
const MAX_TAGS = 50;

export function readAlchemyResult(
  form: string,
  result: Record<string, unknown> | null | undefined,
): ReadableAlchemy {
  const out: ReadableAlchemy = {};
  const other: Record<string, string> = {};
  for (const [key, value] of Object.entries(result ?? {})) {
    if (key === 'caption' && typeof value === 'string') out.caption = value.trim();
    else if (key === 'nsfw' && (typeof value === 'boolean' || value === 'true' || value === 'false'))
      out.nsfw = value === true || value === 'true';
    else if (key === 'interrogation' && form === 'interrogation' && interrogationTags(value).length > 0)
      out.tags = interrogationTags(value);
    else if (typeof value === 'string' && !/^https?:\/\//.test(value)) other[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') other[key] = String(value);
  }
  if (Object.keys(other).length > 0) out.other = other;
  return out;
}

function interrogationTags(value: unknown): InterrogationTag[] {
  return typeof value === 'string' ? commaTags(value) : readTags(value);
}

/** `{ tags: [{text, confidence}] }` or the CLIP interrogator's `{ artists: [...], mediums: [...] }`. */
function readTags(value: unknown): InterrogationTag[] {
  if (!isRecord(value)) return [];
  const raw: InterrogationTag[] = [];
  for (const [category, list] of Object.entries(value)) {
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (!isRecord(item) || typeof item.text !== 'string' || !item.text.trim()) continue;
      const c = typeof item.confidence === 'number' && Number.isFinite(item.confidence) ? item.confidence : 0;
      raw.push({ text: item.text.trim(), confidence: c, ...(category !== 'tags' ? { category } : {}) });
    }
  }
  // One scale for the whole answer: percentages when any score is above 1.
  const scale = raw.some((t) => t.confidence > 1) ? 100 : 1;
  return raw
    .map((t) => ({ ...t, confidence: Math.min(1, Math.max(0, t.confidence / scale)) }))
    .sort((a, b) => b.confidence - a.confidence)
    .slice(0, MAX_TAGS);
}

/** An older answer: the tags as one comma-separated string, without scores. */
function commaTags(value: string): InterrogationTag[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .slice(0, MAX_TAGS)
    .map((text) => ({ text, confidence: Number.NaN }));
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
