import { z } from 'zod';
import { ONNX_DTYPES } from '../worker/dtype';
import { TextSamplerParams } from '../api/text';
import { IdlePolicyPatchSchema } from '../worker/settings-schema';
import type { BridgeArg, BridgeChannel } from './contract';
import {
  GalleryDeleteSchema,
  GalleryQuerySchema,
  ImageFileSchema,
  ImageIdSchema,
  ImageRequestSchema,
} from './images';
import { CLUB_SCHEMAS } from './club';
import { MilliKudosSchema } from './kudos';

/**
 * One zod schema per channel argument. Both doors — the HTTP bridge server
 * and the Electron IPC layer — run `parseBridgeArg` before a handler sees
 * anything from the window. Objects are strict: an unknown field is an error,
 * not silently dropped, so a mistyped setting never looks saved.
 */

/** No argument: JSON carries it as a missing field or null (the renderer sends `arg ?? null`). */
const NoArg = z.union([z.undefined(), z.null()]).transform((): void => undefined);
/** Optional filter objects: missing or null means "no filter". */
const orEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((v) => v ?? {}, schema);
const JobId = z.object({ id: z.string().min(1).max(128) }).strict();

/** A loopback, LAN or public horde URL: http(s) only, no credentials in it. */
export const HordeUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'a horde URL must not contain credentials');

export const HordeChoiceSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('embedded') }).strict(),
  z.object({ mode: z.literal('public') }).strict(),
  z.object({ mode: z.literal('custom'), url: HordeUrl }).strict(),
]);

export const ThemeSchema = z.enum(['system', 'light', 'dark']);

/** Folder paths come from the user; only sanity limits here (the main side resolves them). */
const FolderPath = z.string().trim().min(1).max(4096);

export const SettingsPatchSchema = z
  .object({
    horde: HordeChoiceSchema.optional(),
    workerName: z.string().trim().min(1).max(100).optional(),
    modelsDir: FolderPath.optional(),
    threads: z.int().min(0).max(256).optional(),
    memoryMb: z.int().min(0).max(1_048_576).optional(),
    textDtype: z.enum(['auto', ...ONNX_DTYPES]).optional(),
    lanSharing: z.boolean().optional(),
    lanPort: z.int().min(1024).max(65535).nullable().optional(),
    idle: IdlePolicyPatchSchema.optional(),
    theme: ThemeSchema.optional(),
  })
  .strict();

/** Horde API keys are opaque; the AI Horde's are 22 url-safe characters, the embedded horde's may be longer. */
export const ApiKeySchema = z
  .string()
  .trim()
  .min(10)
  .max(256)
  .regex(/^[\w-]+$/, 'an API key has only letters, digits, - and _');

export const TextJobRequestSchema = z
  .object({
    prompt: z.string().min(1).max(100_000),
    models: z.array(z.string().min(1).max(255)).max(50),
    params: TextSamplerParams.extend({
      max_length: z.int().min(16).max(4096),
      max_context_length: z.int().min(80).max(1_048_576),
      n: z.int().min(1).max(20).optional(),
    }).strict(),
    trustedWorkers: z.boolean().optional(),
  })
  .strict();

export const AlchemyFormSchema = z.enum([
  'caption',
  'interrogation',
  'nsfw',
  'strip_background',
  'RealESRGAN_x2plus',
]);

/** 10 MiB of base64 is ~7.5 MiB of image: more than the horde accepts anyway. */
const MAX_IMAGE_CHARS = 10 * 1024 * 1024;
export const SourceImageSchema = z
  .string()
  .max(MAX_IMAGE_CHARS, 'the image is too large (at most about 7 MB)')
  .regex(
    /^(data:image\/(png|jpeg|webp);base64,)?[A-Za-z0-9+/]+={0,2}$/,
    'the image must be a PNG, JPEG or WebP as a data: URL or base64',
  );

export const AlchemyRequestSchema = z
  .object({
    sourceImage: SourceImageSchema,
    forms: z.array(AlchemyFormSchema).min(1).max(5),
  })
  .strict();

export const JournalKindSchema = z.enum([
  'job_paid',
  'job_earned',
  'uptime',
  'transfer_out',
  'transfer_in',
  'award',
]);

export const LedgerQuerySchema = z
  .object({
    from: z.number().nonnegative().optional(),
    to: z.number().nonnegative().optional(),
    kinds: z.array(JournalKindSchema).max(6).optional(),
    limit: z.int().min(1).max(10_000).optional(),
  })
  .strict();

export const TransferRequestSchema = z
  .object({
    toUsername: z
      .string()
      .trim()
      .regex(/^.+#\d+$/, "usernames are written 'alias#number', e.g. db0#1")
      .max(200),
    // Whole hundredths of a kudos, as the AI Horde takes transfers: 10 milli-kudos at least.
    kudos: MilliKudosSchema.refine(
      (m) => m > 0 && m <= 1e12 && m % 10 === 0,
      'a positive amount in hundredths of a kudos',
    ),
    idempotencyKey: z
      .string()
      .min(8)
      .max(128)
      .regex(/^[\w-]+$/),
  })
  .strict();

export const HistoryQuerySchema = z
  .object({
    limit: z.int().min(1).max(1000).optional(),
    kind: z.enum(['text', 'alchemy']).optional(),
  })
  .strict();

const CatalogId = z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,60}$/) }).strict();
const ModelName = z.object({ name: z.string().min(1).max(300) }).strict();

type ArgSchemas = { [K in BridgeChannel]: z.ZodType<BridgeArg<K>, unknown> };

export const bridgeArgSchemas = {
  'app:info': NoArg,
  'settings:get': NoArg,
  'settings:set': SettingsPatchSchema,
  'settings:setApiKey': z.object({ apiKey: ApiKeySchema.nullable() }).strict(),
  'settings:checkApiKey': z.object({ apiKey: ApiKeySchema }).strict(),
  'horde:health': NoArg,
  'account:get': NoArg,
  'worker:stats': NoArg,
  'worker:control': z.object({ action: z.enum(['earn_now', 'pause_1h', 'auto', 'stop']) }).strict(),
  'worker:leaveMaintenance': NoArg,
  'worker:programs': NoArg,
  'models:local': NoArg,
  'horde:models': NoArg,
  'models:catalog': NoArg,
  'models:installed': NoArg,
  'models:download': CatalogId,
  'models:cancelDownload': CatalogId,
  'models:delete': ModelName,
  'models:addFolder': z.object({ path: FolderPath }).strict(),
  'models:confirmName': z
    .object({ name: z.string().min(1).max(300), as: z.string().trim().min(1).max(200).nullable() })
    .strict(),
  'models:recheck': ModelName,
  'models:pickFolder': NoArg,
  'horde:earnings': NoArg,
  'requests:price': TextJobRequestSchema,
  'requests:submitText': TextJobRequestSchema,
  'requests:status': JobId,
  'requests:cancel': JobId,
  'requests:history': orEmpty(HistoryQuerySchema),
  'alchemy:submit': AlchemyRequestSchema,
  'alchemy:status': JobId,
  'alchemy:cancel': JobId,
  'journal:entries': orEmpty(LedgerQuerySchema),
  'account:transfer': TransferRequestSchema,
  // The AI Horde's username rule: 1..30 characters, no '#' (it separates the alias from the id).
  'account:rename': z
    .object({
      name: z
        .string()
        .trim()
        .min(1, 'a name needs at least one character')
        .max(30, 'a name has at most 30 characters')
        .refine((n) => !n.includes('#'), "a name cannot contain '#'"),
    })
    .strict(),
  'images:models': NoArg,
  'images:price': ImageRequestSchema,
  'images:submit': ImageRequestSchema,
  'images:status': ImageIdSchema,
  'images:cancel': ImageIdSchema,
  'images:gallery': orEmpty(GalleryQuerySchema),
  'images:file': ImageFileSchema,
  'images:delete': GalleryDeleteSchema,
  ...CLUB_SCHEMAS,
} satisfies ArgSchemas;

export type ParsedArg<K extends BridgeChannel> =
  { ok: true; arg: BridgeArg<K> } | { ok: false; message: string };

/** Validate what the window sent for `channel`. The message names the first bad field, for a 400 / BadArgument. */
export function parseBridgeArg<K extends BridgeChannel>(channel: K, raw: unknown): ParsedArg<K> {
  const schema: z.ZodType<BridgeArg<K>, unknown> = (bridgeArgSchemas as ArgSchemas)[channel];
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, arg: r.data };
  const first = r.error.issues[0];
  const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  return { ok: false, message: `${where}${first?.message ?? 'invalid argument'}` };
}
