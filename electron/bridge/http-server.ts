import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  BRIDGE_TOKEN_HEADER,
  BRIDGE_TOKEN_META,
  HTTP_EVENTS_PATH,
  isBridgeChannel,
} from '../../shared/bridge/channels';
import type { BridgeError, BridgeHandlers, InvokeResponse } from '../../shared/bridge/contract';
import { toBridgeError, withHint } from '../../shared/bridge/errors';
import { parseBridgeArg } from '../../shared/bridge/schemas';
import {
  type AccessPolicy,
  isAllowedFetchSite,
  isAllowedHost,
  isAllowedOrigin,
  securityHeaders,
  tokenMatches,
} from './access';
import type { BridgeEventBus } from './events';
import type { Logger } from './ports';

export interface BridgeServerOptions {
  handlers: BridgeHandlers;
  bus: Pick<BridgeEventBus, 'subscribe'>;
  /** The per-run secret the page carries and every bridge call must present. */
  token: string;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** The built renderer (dist/renderer); null serves a placeholder page that says how to build it. */
  rendererDir: string | null;
  log?: Logger;
  /** Largest invoke body; an alchemy image is the big one. */
  bodyLimitBytes?: number;
}

type Handler = (arg: unknown) => Promise<unknown>;

/**
 * The serve-mode bridge: the window's page and its calls on loopback.
 * `POST /bridge/invoke/:channel` with `{arg}` → InvokeResponse;
 * `GET /bridge/events?token=` WebSocket → EventMessage frames.
 * Handler rejections answer 200 with `{ok:false}` (the HTTP exchange worked);
 * the bridge's own refusals use 400/401/403/404.
 */
export class BridgeServer {
  private app: FastifyInstance | null = null;
  private boundPort = 0;

  constructor(private readonly opts: BridgeServerOptions) {}

  get url(): string {
    const host = this.opts.host ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}/`;
  }

  async start(): Promise<string> {
    const policy: AccessPolicy = { port: () => this.boundPort, token: this.opts.token };
    const app = Fastify({
      logger: false,
      // A browser tab keeps its connections open; shutting down must not wait for it to go away.
      forceCloseConnections: true,
      bodyLimit: this.opts.bodyLimitBytes ?? 12 * 1024 * 1024,
    });
    this.app = app;

    // Before the access hook: the plugin's own hooks must see a refused upgrade, so it closes that socket.
    await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });

    // Every answer, the page included: a rebinding page must not even read the token-bearing HTML.
    app.addHook('onRequest', async (req, reply) => {
      void reply.headers(securityHeaders(this.boundPort));
      if (!isAllowedHost(req.headers.host, policy)) return refuse(reply, 403, 'Forbidden', 'unknown host');
      const origin = header(req, 'origin');
      if (!isAllowedOrigin(origin, policy) || !isAllowedFetchSite(header(req, 'sec-fetch-site'))) {
        return refuse(reply, 403, 'Forbidden', 'this page may not use the Horde Desktop bridge');
      }
      if (req.url.startsWith('/bridge/')) {
        const given = req.url.startsWith(HTTP_EVENTS_PATH)
          ? (new URL(req.url, 'http://x').searchParams.get('token') ?? undefined)
          : header(req, BRIDGE_TOKEN_HEADER);
        if (!tokenMatches(given, this.opts.token))
          return refuse(reply, 401, 'Unauthorized', 'missing or wrong bridge token');
      }
      return undefined;
    });

    // JSON only: a text/plain body is what a cross-site form could send without a preflight.
    app.removeContentTypeParser('text/plain');

    // Fastify's own refusals (bad JSON, wrong content type, too large) in the bridge's answer shape.
    app.setErrorHandler((err: { statusCode?: number; message?: string }, _req, reply) => {
      const status =
        err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) this.opts.log?.warn('bridge server error', err);
      return refuse(
        reply,
        status,
        status === 500 ? 'Internal' : 'BadArgument',
        status === 500 ? 'Something went wrong inside the app.' : (err.message ?? 'bad request'),
      );
    });

    app.post<{ Params: { channel: string }; Body: unknown }>(
      '/bridge/invoke/:channel',
      async (req, reply) => {
        const { channel } = req.params;
        if (!isBridgeChannel(channel))
          return refuse(reply, 404, 'UnknownChannel', `unknown bridge channel: ${channel}`);
        const body = req.body;
        const raw = typeof body === 'object' && body !== null ? (body as { arg?: unknown }).arg : undefined;
        const parsed = parseBridgeArg(channel, raw);
        if (!parsed.ok) return refuse(reply, 400, 'BadArgument', parsed.message);
        const handler = this.opts.handlers[channel] as Handler;
        try {
          const result = await handler(parsed.arg);
          return { ok: true, result } satisfies InvokeResponse<unknown>;
        } catch (e) {
          return { ok: false, error: withHint(toBridgeError(e)) } satisfies InvokeResponse<unknown>;
        }
      },
    );

    app.get(HTTP_EVENTS_PATH, { websocket: true }, (socket) => {
      const off = this.opts.bus.subscribe((message) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      });
      socket.on('close', off);
      // The window only listens; anything it sends is ignored.
      socket.on('message', () => undefined);
    });

    await this.registerPage(app);

    await app.listen({ host: this.opts.host ?? '127.0.0.1', port: this.opts.port ?? 0 });
    const address = app.server.address();
    this.boundPort = typeof address === 'object' && address !== null ? address.port : 0;
    return this.url;
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = null;
    if (!app) return;
    // Open event sockets would keep close() waiting: end them first.
    for (const client of app.websocketServer?.clients ?? []) client.terminate();
    await app.close();
  }

  private async registerPage(app: FastifyInstance): Promise<void> {
    const dir = this.opts.rendererDir;
    const indexFile = dir ? path.join(dir, 'index.html') : null;
    const hasRenderer = indexFile !== null && existsSync(indexFile);
    const sendPage = async (_req: FastifyRequest, reply: FastifyReply) => {
      const html = hasRenderer && indexFile ? await readFile(indexFile, 'utf8') : PLACEHOLDER_PAGE;
      return reply
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(injectToken(html, this.opts.token));
    };
    app.get('/', sendPage);
    app.get('/index.html', sendPage);
    if (hasRenderer && dir) {
      await app.register(fastifyStatic, {
        root: dir,
        index: false,
        // The raw index.html has an empty token; it is only ever served through sendPage.
        allowedPath: (pathName) => pathName !== '/index.html',
      });
    }
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function refuse(reply: FastifyReply, status: number, rc: string, message: string): FastifyReply {
  const error: BridgeError = { rc, message };
  return reply.code(status).send({ ok: false, error } satisfies InvokeResponse<never>);
}

const META_RE = new RegExp(`<meta\\s+name=["']${BRIDGE_TOKEN_META}["'][^>]*>`, 'i');

/** The page carries the token in `<meta name="bridge-token" content="…">`, replacing the empty one the build has. */
export function injectToken(html: string, token: string): string {
  const tag = `<meta name="${BRIDGE_TOKEN_META}" content="${escapeAttr(token)}" />`;
  if (META_RE.test(html)) return html.replace(META_RE, tag);
  return html.replace(/<\/head>/i, `    ${tag}\n  </head>`);
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>Horde Desktop</title>
  </head>
  <body>
    <h1>Horde Desktop</h1>
    <p>The window has not been built. Run <code>npm run build:renderer</code> and restart <code>npm run serve</code>.</p>
  </body>
</html>
`;
