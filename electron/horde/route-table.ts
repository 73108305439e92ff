import type {
  ContextConfigDefault,
  FastifyInstance,
  FastifySchemaCompiler,
  FastifySerializerCompiler,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
  preHandlerAsyncHookHandler,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { HordeRoute } from '../../shared/api/routes';

/**
 * The embedded horde's side of the route table (shared/api/routes.ts): each
 * route registers from its table entry, and fastify validates the inputs with
 * the entry's zod schemas before the handler runs (`fastify-type-provider-zod`
 * types `req.body`, `req.params`, `req.query` and the handler's answer).
 */

/**
 * zod's own parse, the failure handed on as the ZodError itself: the server's
 * error handler builds the AI Horde's `BadRequest` message and per-field
 * `errors` from it (the library's compiler would flatten it into ajv-shaped
 * items and lose the paths' number indexes). A missing JSON body reads as `{}`,
 * as flask-restx reads it, so the defaults apply and the required fields are named.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const parsed = schema.safeParse(httpPart === 'body' && data == null ? {} : data);
    return parsed.success ? { value: parsed.data } : { error: parsed.error };
  };

/**
 * Answers go out as the handler wrote them. The response schemas type the
 * handlers at compile time; parsing them again on the way out would strip
 * fields and cost time on every status poll.
 */
export const plainSerializerCompiler: FastifySerializerCompiler<z.ZodType> = () => (data) =>
  JSON.stringify(data);

/** A handler of route `R`: its request and answer typed by the route's schemas. */
export type HordeHandler<R extends HordeRoute> = RouteHandlerMethod<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  RouteGenericInterface,
  ContextConfigDefault,
  R['schema'],
  ZodTypeProvider
>;

export interface ServeOptions {
  /** Hooks run after validation, before the handler (the sweep of timeouts, sweep.ts). */
  preHandler?: preHandlerAsyncHookHandler;
}

/**
 * Registers `handler` for route `r` on `app` (a plugin under the `/api` prefix).
 * The table's path is the AI Horde's, so the server and the client cannot
 * disagree on it.
 */
export function serve<R extends HordeRoute>(
  // Any type provider: the route gets the zod one here.
  app: FastifyInstance,
  r: R,
  handler: HordeHandler<R>,
  o: ServeOptions = {},
): void {
  app.withTypeProvider<ZodTypeProvider>().route({
    method: r.method,
    url: r.path,
    schema: r.schema,
    handler,
    ...(o.preHandler ? { preHandler: o.preHandler } : {}),
  });
}
