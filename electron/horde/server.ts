import { dirname } from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { ZodError, prettifyError } from 'zod';
import type { ErrorBody } from '../../shared/api/common';
import { HordeError } from '../../shared/api/horde-error';
import { isStorageFull, storageFull } from './errors';
import { LedgerRefused } from './store/ledger';
import { apiKeyOf, userForKey, type HordeContext } from './context';
import { isAnonymous } from './store/users';
import { userRoutes } from './routes/users';
import { textRoutes } from './routes/text';
import { interrogateRoutes } from './routes/interrogate';
import { workerRoutes } from './routes/workers';
import { statusRoutes } from './routes/status';
import { r2Routes } from './routes/r2';
import { registerCors } from './cors';
import { registerHostGuard } from './host-guard';
import { hordeClientErrorHandler } from './client-error';
import { imageRoutes } from './routes/image';
import { clubRoutes } from './routes/club';
import { refuseNulBytes } from './validation';
import { sweep } from './sweep';
import { plainSerializerCompiler, zodValidatorCompiler } from './route-table';

/** Body of any error answer, plus `errors` per field for validation failures (as flask-restx adds). */
type ErrorAnswer = ErrorBody & { errors?: Record<string, string> };

function fieldErrors(err: ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of err.issues) out[issue.path.join('.') || '(body)'] = issue.message;
  return out;
}

/** Maps everything a handler or fastify can throw to the AI Horde's `{message, rc}` with its status. */
function toAnswer(err: unknown, dataDir?: string): { status: number; body: ErrorAnswer } {
  if (isStorageFull(err)) err = storageFull(dataDir);
  if (err instanceof HordeError) {
    const body: ErrorAnswer = { message: err.message, rc: err.rc };
    if (err.errors !== undefined) body.errors = err.errors;
    return { status: err.status, body };
  }
  if (err instanceof LedgerRefused) {
    const status = err.rc === 'KudosUpfront' ? 403 : 400;
    return { status, body: { message: err.message, rc: err.rc } };
  }
  if (err instanceof ZodError) {
    return {
      status: 400,
      body: {
        message: `Input payload validation failed: ${prettifyError(err)}`,
        rc: 'BadRequest',
        errors: fieldErrors(err),
      },
    };
  }
  const fe = err as Partial<FastifyError>;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      status: 413,
      body: { message: 'The request body is larger than this horde accepts.', rc: 'PayloadTooLarge' },
    };
  }
  if (fe.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return {
      status: 414,
      body: { message: 'A path parameter is longer than this horde accepts.', rc: 'RequestUriTooLong' },
    };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return {
      status: fe.statusCode === 415 ? 400 : fe.statusCode,
      body: { message: fe.message ?? 'Bad request', rc: 'BadRequest' },
    };
  }
  return { status: 500, body: { message: 'Internal Server Error', rc: 'InternalServerError' } };
}

export interface ServerOptions {
  logger: boolean;
  /** The address the server will listen on; with `ctx.lan`, the `Host` names it answers to follow from it. */
  bindHost: string;
  /** More `Host` names to answer to (a reverse proxy in front of the horde). */
  extraHosts?: readonly string[];
}

export async function buildServer(ctx: HordeContext, o: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: o.logger,
    bodyLimit: ctx.limits.bodyLimitBytes,
    // A request without Host reaches the Host guard, which answers it with an rc, instead
    // of Node's bare 400.
    http: { requireHostHeader: false },
    // Refusals of Node's HTTP parser get {message, rc}, and no body when the request was a HEAD.
    clientErrorHandler: hordeClientErrorHandler,
    // Errors fastify raises before routing (a URL with broken percent-encoding) bypass
    // setErrorHandler; they get the same {message, rc} body here.
    frameworkErrors: (err, _req, reply) => {
      const { status, body } = toAnswer(err);
      // frameworkErrors' reply is typed against no route at all; it is a plain reply.
      void (reply as FastifyReply).status(status).send(body);
    },
  });

  // Clients (the public SDK among them) send Content-Type: application/json on
  // GET and DELETE without a body; fastify's default parser rejects that.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      done(new HordeError('BadRequest', 'The body is not valid JSON.'), undefined);
      return;
    }
    try {
      refuseNulBytes(parsed);
    } catch (err) {
      done(err as HordeError, undefined);
      return;
    }
    done(null, parsed);
  });
  // Workers PUT result images to their r2_upload URL as raw bytes.
  app.addContentTypeParser(
    ['image/webp', 'image/png', 'image/jpeg', 'application/octet-stream'],
    { parseAs: 'buffer' },
    (_req, body, done) => done(null, body),
  );

  // Every route's inputs are checked by its zod schemas from the route table (route-table.ts).
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(plainSerializerCompiler);

  // Where a full disk is, for the person at this machine; a LAN horde does not tell its clients its paths.
  const dataDir = !ctx.lan && ctx.db.file !== ':memory:' ? dirname(ctx.db.file) : undefined;
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toAnswer(err, dataDir);
    if (status >= 500) req.log.error(err);
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({
      message: `No route ${req.method} ${req.url.split('?')[0]}`,
      rc: 'NotFound',
    } satisfies ErrorBody);
  });

  // Before the rate limit: preflights are answered, and refusals carry the CORS headers.
  registerCors(app);
  registerHostGuard(app, {
    lan: ctx.lan,
    bindHost: o.bindHost,
    ...(o.extraHosts ? { extraHosts: o.extraHosts } : {}),
  });

  await app.register(rateLimit, {
    max: ctx.limits.rateLimitMax,
    timeWindow: ctx.limits.rateLimitWindowMs,
    // A registered user's budget follows the user; anything else (no key, the anonymous
    // key, a made-up key) counts against the IP, so inventing keys cannot dodge the limit.
    keyGenerator: (req) => {
      const key = apiKeyOf(req);
      const user = key !== undefined ? userForKey(ctx, req, key) : undefined;
      return user && !isAnonymous(user) ? `user:${user.id}` : `ip:${req.ip}`;
    },
    errorResponseBuilder: (_req, c) =>
      new HordeError(
        'TooManyRequests',
        `Rate limit exceeded: at most ${c.max} requests per ${c.after}. Slow down and retry.`,
      ),
  });

  await app.register(
    async (api) => {
      // Every timeout due by the horde's clock is applied before a handler reads the queue, so
      // no answer shows a state the clock has passed (a request past its TTL, a job past its
      // deadline); the timer in index.ts does the same between requests.
      api.addHook('preHandler', async () => {
        sweep(ctx);
      });
      // Group commit (HordeDb.groupCommits): the handler's writes join its event-loop turn's
      // transaction, and its answer leaves only once that has committed. A commit that fails
      // turns the answer into the commit's error (a full disk: InsufficientStorage).
      ctx.db.groupCommits();
      api.addHook('preHandler', (_req, _reply, done) => ctx.db.inAnswer(done));
      api.addHook('onSend', async (_req, _reply, payload) => {
        await ctx.db.answered();
        return payload;
      });
      await api.register(userRoutes(ctx));
      await api.register(textRoutes(ctx));
      await api.register(interrogateRoutes(ctx));
      await api.register(workerRoutes(ctx));
      await api.register(statusRoutes(ctx));
      await api.register(r2Routes(ctx));
      await api.register(imageRoutes(ctx));
      await api.register(clubRoutes(ctx));
    },
    // The route table's paths start at /v2, as the AI Horde's do.
    { prefix: '/api' },
  );
  return app;
}
