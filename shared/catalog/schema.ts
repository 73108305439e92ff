import { z } from 'zod';

/**
 * What a catalog entry says about a model the app can download and serve. The
 * catalog itself is data (catalog.json); this file only gives it a shape the
 * app checks when it reads it, so a bad entry is an error, never a guess.
 */

/** The kinds of work the app serves; `upscale` and `image` are served by name (see `advertise`). */
export const WORK_KINDS = [
  'text',
  'caption',
  'interrogation',
  'nsfw',
  'strip_background',
  'upscale',
  'image',
] as const;
export const WorkKind = z.enum(WORK_KINDS);
export type WorkKind = z.infer<typeof WorkKind>;

const RepoId = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'a Hugging Face repo id is "org/name"');
/** A branch or tag, or a 40-hex commit (`revisionPinned`). */
const Revision = z.string().regex(/^[\w.\-/]{1,100}$/);
const RepoPath = z
  .string()
  .min(1)
  .max(300)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a file path inside the repo');

export const CatalogFile = z
  .object({
    path: RepoPath,
    /** Size in MB as the model's file listing gives it (approximate where `unchecked` says so). */
    approxMb: z.number().nonnegative(),
  })
  .strict();

export const CatalogEntry = z
  .object({
    /** The app's own id for the entry (stable; used by the bridge and the UI). */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,60}$/),
    kind: WorkKind,
    title: z.string().min(1).max(80),
    /** One line for the chooser: what it is good for. */
    summary: z.string().min(1).max(300),
    repo: RepoId,
    revision: Revision,
    /** True when `revision` is a commit sha checked against the hub; false when it is a branch to resolve at download. */
    revisionPinned: z.boolean(),
    files: z.array(CatalogFile).min(1).max(40),
    /** SPDX id or the licence's own name, as the model card gives it. */
    licence: z.string().min(1).max(60),
    /** Licence terms worth saying before a download (non-commercial, gated, …). */
    licenceNote: z.string().max(300).optional(),
    /**
     * The names this model may honestly go out under: `model` for a text or image
     * model (a name from the horde's model reference, only when these weights are
     * that model), `forms` for alchemy (the horde's form names it serves). Empty
     * when it matches no name the horde knows: then it goes out under its own name.
     */
    advertise: z
      .object({
        model: z.string().min(1).max(200).optional(),
        forms: z.array(z.string().min(1).max(60)).max(12).default([]),
      })
      .strict(),
    /** Why the names above are honest (or why there are none). */
    advertiseWhy: z.string().min(1).max(400),
    /** Memory while loaded, in MB, when the card gives it; otherwise twice the files (the app's measured rule). */
    memoryMb: z.number().positive().optional(),
    /** How fast a job runs on an ordinary desktop CPU. */
    speed: z.enum(['fast', 'medium', 'slow']),
    gpu: z.enum(['none', 'preferred', 'required']),
    /** False while the app has no runner for it yet (an entry other work will use). */
    runnable: z.boolean(),
    /** The model card the facts come from. */
    card: z.url(),
    /** Facts that could not be checked against the hub where this entry was written. */
    unchecked: z.array(z.string().max(300)).max(10).default([]),
  })
  .strict();
export type CatalogEntry = z.infer<typeof CatalogEntry>;

export const Catalog = z
  .object({
    version: z.literal(1),
    entries: z.array(CatalogEntry).max(200),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    for (const [i, e] of c.entries.entries()) {
      if (seen.has(e.id))
        ctx.addIssue({ code: 'custom', message: `duplicate id ${e.id}`, path: ['entries', i] });
      seen.add(e.id);
      if (e.revisionPinned && !/^[0-9a-f]{40}$/.test(e.revision))
        ctx.addIssue({
          code: 'custom',
          message: `${e.id}: a pinned revision is a 40-hex commit`,
          path: ['entries', i],
        });
    }
  });
export type Catalog = z.infer<typeof Catalog>;
