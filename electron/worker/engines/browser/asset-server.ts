/**
 * Serves everything the browser engines load, on loopback: the engine pages and their
 * scripts (text at /engine/, Stable Diffusion at /engine/sd/), transformers.js' browser
 * bundle, onnxruntime-web's scripts and WASM files and the models folder. The pages never
 * reach a CDN or the network.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';

export interface AssetServerOptions {
  modelsDir: string;
  /** Models kept elsewhere (the Hugging Face cache), served as /models/<name>/ (scanModels' ModelInfo fits). */
  extraModels?: { name: string; path: string }[];
  /** A prebuilt page script (see bundleEnginePage); bundled from page.ts on start when absent. */
  pageScript?: string;
  /** A prebuilt SD page script (bundleEnginePage(file, 'sd')); bundled from sd-page.ts on first request when absent. */
  sdPageScript?: string;
  /** Sends COOP/COEP so the page is cross-origin isolated and WASM may use threads. */
  crossOriginIsolated?: boolean;
  host?: string;
  port?: number;
}

export interface AssetServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The engine page to open in the browser context. */
  pageUrl: string;
  /** The Stable Diffusion engine page. */
  sdPageUrl: string;
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** The package's dist folder; its `exports` hide subpaths from require.resolve. */
function distOf(specifier: string): string {
  return path.dirname(createRequire(import.meta.url).resolve(specifier));
}

const PAGES = { text: 'page.ts', sd: 'sd-page.ts' } as const;

/** Bundles page.ts or sd-page.ts (and the runtime-neutral code they import) into one ES module. */
export async function bundleEnginePage(
  outFile?: string,
  which: keyof typeof PAGES = 'text',
): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(here, PAGES[which])],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: Boolean(outFile),
    ...(outFile ? { outfile: outFile } : {}),
    logLevel: 'silent',
  });
  if (outFile) return readFile(outFile, 'utf8');
  return result.outputFiles?.[0]?.text ?? '';
}

export async function startAssetServer(options: AssetServerOptions): Promise<AssetServer> {
  const [html, script] = await Promise.all([
    readFile(path.join(here, 'page.html'), 'utf8'),
    options.pageScript ? readFile(options.pageScript, 'utf8') : bundleEnginePage(),
  ]);
  const app: FastifyInstance = Fastify({ logger: false });
  if (options.crossOriginIsolated) {
    app.addHook('onSend', async (_request, reply) => {
      reply.header('Cross-Origin-Opener-Policy', 'same-origin');
      reply.header('Cross-Origin-Embedder-Policy', 'require-corp');
    });
  }
  app.get('/engine/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  // Browsers ask for it unprompted; an empty answer keeps the page's console clean.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
  app.get('/engine/page.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(script),
  );
  // The same page shell; its ./page.js is the SD engine.
  app.get('/engine/sd/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  let sdScript: Promise<string> | undefined;
  app.get('/engine/sd/page.js', async (_request, reply) => {
    sdScript ??= options.sdPageScript
      ? readFile(options.sdPageScript, 'utf8')
      : bundleEnginePage(undefined, 'sd');
    return reply.type('text/javascript; charset=utf-8').send(await sdScript);
  });
  const roots: [string, string][] = [
    ['/vendor/', distOf('@huggingface/transformers')],
    ['/ort/', distOf('onnxruntime-web')],
    ['/models/', path.resolve(options.modelsDir)],
    ...(options.extraModels ?? []).map((m): [string, string] => [`/models/${m.name}/`, m.path]),
  ];
  for (const [prefix, root] of roots) {
    await app.register(fastifyStatic, {
      root,
      prefix,
      decorateReply: false,
      index: false,
      cacheControl: false,
    });
  }
  const origin = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  return {
    origin,
    pageUrl: `${origin}/engine/`,
    sdPageUrl: `${origin}/engine/sd/`,
    close: () => app.close(),
  };
}
