import { z } from 'zod';
import {
  AsyncAnswer,
  HeartbeatAnswer,
  InterrogateStatusAnswer,
  ModelsAnswer,
  OwnerRecord,
  PerformanceAnswer,
  TextStatusAnswer,
  TextWorkersAnswer,
  UserAnswer,
  WorkerAnswer,
  WorkerRecord,
} from './answers';
import { GenerationSubmitted, RequestAsync } from './common';
import {
  ImageAsyncInput,
  ImageAsyncResponse,
  ImageCheck,
  ImagePopInput,
  ImagePopPayload,
  ImageStatus,
  ImageSubmitInput,
} from './image';
import {
  InterrogateAsyncInput,
  InterrogateAsyncResponse,
  InterrogatePopInput,
  InterrogatePopPayload,
  InterrogateSubmitInput,
  InterrogationStatus,
} from './interrogate';
import { ClubJoined, ClubJoinInput } from './club';
import { ActiveModel, Heartbeat, HordePerformance } from './status';
import { TextAsyncInput, TextPopInput, TextPopPayload, TextStatus, TextSubmitInput } from './text';
import { KudosTransferInput, KudosTransferred, UserDetails } from './users';
import { ModifyWorker, ModifyWorkerInput, WorkerDetails } from './workers';

/**
 * The horde wire: every AI Horde v2 route the app speaks, once, for all three
 * sides. The embedded horde registers its fastify routes from `schema` (a zod
 * type provider validates the inputs and types the handlers' answers); the one
 * client (electron/client) fills the path, sends the body typed by the same
 * schema and reads the answer with `read`.
 *
 * `schema.response` is what the embedded horde writes (strict, every field);
 * `read` is what a client accepts back, tolerant of what the public AI Horde
 * leaves out (shared/api/answers.ts). The type check at the bottom of this
 * file proves that each strict answer is readable by its `read`, so the two
 * cannot drift apart. Pops are read as `unknown`: the worker reads a pop piece
 * by piece, so that one bad field faults that job instead of the whole pop.
 *
 * Paths are relative to the API root (`…/api`), in fastify's `:param` form.
 * Header names are lower-case, as Node hands them to the server.
 */

/** Headers every route reads: the caller's key (none = anonymous where the route allows it) and agent. */
export const HordeHeaders = z.looseObject({
  apikey: z.string().optional(),
  'client-agent': z.string().optional(),
});

const IdParams = z.object({ id: z.string() });

/** What the horde reads of a route's request; fastify's names for the parts. */
export interface RouteSchema {
  body?: z.ZodType;
  querystring?: z.ZodType;
  params?: z.ZodType;
  headers?: z.ZodType;
  /** Per HTTP status; absent for routes that answer raw bytes (the R2 stand-ins). */
  response?: Partial<Record<200 | 202, z.ZodType>>;
}

export interface HordeRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: `/v2/${string}`;
  schema: RouteSchema;
  /** What a client accepts back; absent where no client reads JSON from the route. */
  read?: z.ZodType;
}

/** Keeps each route's literal schema types, so both sides infer from them. */
const route = <const R extends HordeRoute>(r: R): R => r;

export const HORDE_ROUTES = {
  // ─── status ───────────────────────────────────────────────────────────
  heartbeat: route({
    method: 'GET',
    path: '/v2/status/heartbeat',
    schema: { response: { 200: Heartbeat } },
    read: HeartbeatAnswer,
  }),
  /** `type` defaults to image, as on the AI Horde. */
  models: route({
    method: 'GET',
    path: '/v2/status/models',
    schema: {
      querystring: z.object({ type: z.string().optional() }),
      response: { 200: z.array(ActiveModel) },
    },
    read: ModelsAnswer,
  }),
  performance: route({
    method: 'GET',
    path: '/v2/status/performance',
    schema: { response: { 200: HordePerformance } },
    read: PerformanceAnswer,
  }),

  // ─── users and kudos ──────────────────────────────────────────────────
  findUser: route({
    method: 'GET',
    path: '/v2/find_user',
    schema: { headers: HordeHeaders, response: { 200: UserDetails } },
    read: UserAnswer,
  }),
  user: route({
    method: 'GET',
    path: '/v2/users/:id',
    schema: { params: IdParams, headers: HordeHeaders, response: { 200: UserDetails } },
    read: UserAnswer,
  }),
  /** The Idempotency-Key makes a retried transfer apply once. */
  transfer: route({
    method: 'POST',
    path: '/v2/kudos/transfer',
    schema: {
      body: KudosTransferInput,
      headers: HordeHeaders.extend({ 'idempotency-key': z.string().optional() }),
      response: { 200: KudosTransferred },
    },
    read: KudosTransferred,
  }),

  // ─── text: requests (requester) and jobs (worker) ─────────────────────
  /** 202 with an id; a dry run answers 200 `{kudos}` and queues nothing. */
  textAsync: route({
    method: 'POST',
    path: '/v2/generate/text/async',
    schema: {
      body: TextAsyncInput,
      headers: HordeHeaders,
      response: { 200: RequestAsync, 202: RequestAsync },
    },
    read: AsyncAnswer,
  }),
  textStatus: route({
    method: 'GET',
    path: '/v2/generate/text/status/:id',
    schema: { params: IdParams, response: { 200: TextStatus } },
    read: TextStatusAnswer,
  }),
  /** Cancels what is not yet generated; answers the status with what was. */
  textCancel: route({
    method: 'DELETE',
    path: '/v2/generate/text/status/:id',
    schema: { params: IdParams, response: { 200: TextStatus } },
    read: TextStatusAnswer,
  }),
  textPop: route({
    method: 'POST',
    path: '/v2/generate/text/pop',
    schema: { body: TextPopInput, headers: HordeHeaders, response: { 200: TextPopPayload } },
    read: z.unknown(),
  }),
  textSubmit: route({
    method: 'POST',
    path: '/v2/generate/text/submit',
    schema: { body: TextSubmitInput, headers: HordeHeaders, response: { 200: GenerationSubmitted } },
    read: GenerationSubmitted,
  }),

  // ─── alchemy (interrogation forms) ────────────────────────────────────
  interrogateAsync: route({
    method: 'POST',
    path: '/v2/interrogate/async',
    schema: {
      body: InterrogateAsyncInput,
      headers: HordeHeaders,
      response: { 200: InterrogateAsyncResponse, 202: InterrogateAsyncResponse },
    },
    read: AsyncAnswer,
  }),
  interrogateStatus: route({
    method: 'GET',
    path: '/v2/interrogate/status/:id',
    schema: { params: IdParams, response: { 200: InterrogationStatus } },
    read: InterrogateStatusAnswer,
  }),
  interrogateCancel: route({
    method: 'DELETE',
    path: '/v2/interrogate/status/:id',
    schema: { params: IdParams, response: { 200: InterrogationStatus } },
    read: InterrogateStatusAnswer,
  }),
  interrogatePop: route({
    method: 'POST',
    path: '/v2/interrogate/pop',
    schema: { body: InterrogatePopInput, headers: HordeHeaders, response: { 200: InterrogatePopPayload } },
    read: z.unknown(),
  }),
  interrogateSubmit: route({
    method: 'POST',
    path: '/v2/interrogate/submit',
    schema: { body: InterrogateSubmitInput, headers: HordeHeaders, response: { 200: GenerationSubmitted } },
    read: GenerationSubmitted,
  }),

  // ─── images ───────────────────────────────────────────────────────────
  imageAsync: route({
    method: 'POST',
    path: '/v2/generate/async',
    schema: {
      body: ImageAsyncInput,
      headers: HordeHeaders,
      response: { 200: ImageAsyncResponse, 202: ImageAsyncResponse },
    },
    read: ImageAsyncResponse,
  }),
  /** Cheap progress (10/s on the AI Horde): poll this, then fetch the status once done. */
  imageCheck: route({
    method: 'GET',
    path: '/v2/generate/check/:id',
    schema: { params: IdParams, response: { 200: ImageCheck } },
    read: ImageCheck,
  }),
  /** With the images (10/min on the AI Horde). */
  imageStatus: route({
    method: 'GET',
    path: '/v2/generate/status/:id',
    schema: { params: IdParams, response: { 200: ImageStatus } },
    read: ImageStatus,
  }),
  imageCancel: route({
    method: 'DELETE',
    path: '/v2/generate/status/:id',
    schema: { params: IdParams, response: { 200: ImageStatus } },
    read: ImageStatus,
  }),
  imagePop: route({
    method: 'POST',
    path: '/v2/generate/pop',
    schema: { body: ImagePopInput, headers: HordeHeaders, response: { 200: ImagePopPayload } },
    read: z.unknown(),
  }),
  imageSubmit: route({
    method: 'POST',
    path: '/v2/generate/submit',
    schema: { body: ImageSubmitInput, headers: HordeHeaders, response: { 200: GenerationSubmitted } },
    read: GenerationSubmitted,
  }),

  // ─── workers ──────────────────────────────────────────────────────────
  workers: route({
    method: 'GET',
    path: '/v2/workers',
    schema: {
      querystring: z.object({ type: z.string().optional(), name: z.string().optional() }),
      response: { 200: z.array(WorkerDetails) },
    },
    read: TextWorkersAnswer,
  }),
  worker: route({
    method: 'GET',
    path: '/v2/workers/:id',
    schema: { params: IdParams, response: { 200: WorkerDetails } },
    read: WorkerAnswer,
  }),
  /** The owner takes the worker in or out of maintenance, pauses it, or renames it; answers what changed. */
  modifyWorker: route({
    method: 'PUT',
    path: '/v2/workers/:id',
    schema: {
      params: IdParams,
      body: ModifyWorkerInput,
      headers: HordeHeaders,
      response: { 200: ModifyWorker },
    },
    read: ModifyWorker,
  }),

  // ─── the embedded horde's own ─────────────────────────────────────────
  /** A club horde registers a member from a one-time invite and answers their key, once (shared/api/club.ts). */
  clubJoin: route({
    method: 'POST',
    path: '/v2/club/join',
    schema: { body: ClubJoinInput, headers: HordeHeaders, response: { 200: ClubJoined } },
    read: ClubJoined,
  }),

  // ─── the embedded horde's stand-ins for the AI Horde's R2 bucket (raw bytes) ──
  /** An alchemy form's source image, for the worker. */
  formSource: route({ method: 'GET', path: '/v2/r2/source/:id', schema: { params: IdParams } }),
  /** A worker PUTs an alchemy image result here (a one-job token in the query). */
  formUpload: route({
    method: 'PUT',
    path: '/v2/r2/upload/:id',
    schema: { params: IdParams, querystring: z.object({ token: z.string().optional() }) },
  }),
  /** An alchemy image result, for the requester. */
  formResult: route({ method: 'GET', path: '/v2/r2/result/:id', schema: { params: IdParams } }),
  /** A worker PUTs an image job's result here (a one-job token in the query). */
  imageUpload: route({
    method: 'PUT',
    path: '/v2/r2/image/:id',
    schema: { params: IdParams, querystring: z.object({ token: z.string().optional() }) },
  }),
  /** A delivered image, for the requester. */
  imageResult: route({ method: 'GET', path: '/v2/r2/image/:id', schema: { params: IdParams } }),
  /** An image request's source image (or mask with `?mask=1`), for the worker. */
  imageSource: route({
    method: 'GET',
    path: '/v2/r2/image-source/:id',
    schema: { params: IdParams, querystring: z.object({ mask: z.string().optional() }) },
  }),
} as const satisfies Record<string, HordeRoute>;

export type HordeRoutes = typeof HORDE_ROUTES;
export type HordeRouteName = keyof HordeRoutes;

/** What a client sends on a route: the input of each part the route declares. */
export type RouteInput<R extends HordeRoute> = (R['schema'] extends { params: z.ZodType }
  ? { params: z.input<R['schema']['params']> }
  : { params?: never }) &
  (R['schema'] extends { body: z.ZodType } ? { body: z.input<R['schema']['body']> } : { body?: never }) &
  (R['schema'] extends { querystring: z.ZodType }
    ? { query?: z.input<R['schema']['querystring']> }
    : { query?: never });

/** What a client reads back from a route. */
export type RouteRead<R extends HordeRoute> = R['read'] extends z.ZodType ? z.output<R['read']> : never;

/** The route's path with its `:params` filled in (URI-encoded). */
export function routePath(r: HordeRoute, params: Readonly<Record<string, string>> = {}): string {
  return r.path.replace(/:([A-Za-z_]+)/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`${r.path}: no value for :${name}`);
    return encodeURIComponent(v);
  });
}

// ─── compile-time proof that every strict answer is readable by the client ───

type Answers<R extends HordeRoute> =
  R['schema']['response'] extends Record<number, z.ZodType>
    ? z.output<R['schema']['response'][keyof R['schema']['response']]>
    : never;
type Readable<R extends HordeRoute> = [Answers<R>] extends [z.input<NonNullable<R['read']>>] ? true : R;
type Unreadable = {
  [K in HordeRouteName]: Readable<HordeRoutes[K]> extends true ? never : K;
}[HordeRouteName];
/** A route named here answers something its own `read` refuses: fix the schema or the reader. */
const everyAnswerReadable: [Unreadable] extends [never] ? true : Unreadable = true;
void everyAnswerReadable;

/** The worker reads its owner and its worker record with fewer fields; those must fit too. */
const ownerReadable: [z.output<typeof UserDetails>] extends [z.input<typeof OwnerRecord>] ? true : false =
  true;
const workerReadable: [z.output<typeof WorkerDetails>] extends [z.input<typeof WorkerRecord>] ? true : false =
  true;
void ownerReadable;
void workerReadable;
