import { z } from 'zod';
import type { IdlePolicySettings, IdleSignals } from './stats';

/**
 * Field-level schemas of the idle policy settings and signals, for whatever
 * reads them from outside (bridge calls, saved settings, serve flags).
 */

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time is written HH:MM, 00:00 to 24:00');

export const ScheduleWindowSchema = z.object({
  days: z
    .array(
      z.union([
        z.literal(0),
        z.literal(1),
        z.literal(2),
        z.literal(3),
        z.literal(4),
        z.literal(5),
        z.literal(6),
      ]),
    )
    .max(7),
  start: HHMM,
  end: HHMM,
});

export const PolicyOverrideSchema = z.object({
  mode: z.enum(['earn_now', 'paused']),
  until: z.number().int().nonnegative().optional(),
});

export const IdlePolicySettingsSchema = z.object({
  idleMinutes: z
    .number()
    .min(0)
    .max(24 * 60),
  onlyOnAC: z.boolean(),
  schedule: z.array(ScheduleWindowSchema).max(50).optional(),
  maxCpuPercentOthers: z.number().min(0).max(100).optional(),
  pauseWhenFullscreen: z.boolean().optional(),
  pausePrograms: z.array(z.string().trim().min(1).max(260)).max(100).optional(),
  override: PolicyOverrideSchema.optional(),
  threads: z.int().min(0).max(256).optional(),
  finishJobBeforePause: z.boolean(),
  finishGraceSeconds: z.number().min(0).max(150).optional(),
  afterReturnSeconds: z
    .int('a whole number of seconds')
    .min(0, 'at least 0 seconds')
    .max(3600, 'at most an hour: no horde job lasts longer')
    .nullable()
    .optional(),
}) satisfies z.ZodType<IdlePolicySettings>;

export const IdlePolicyPatchSchema = IdlePolicySettingsSchema.partial();

export const IdleSignalsPatchSchema = z
  .object({
    idleSeconds: z.number().min(0),
    onBattery: z.boolean(),
    locked: z.boolean(),
    userActive: z.boolean(),
    fullscreenApp: z.boolean(),
    cpuLoadOthers: z.number().min(0).max(100),
    runningPrograms: z.array(z.string().max(260)).max(2000),
  })
  .partial() satisfies z.ZodType<Partial<IdleSignals>>;
