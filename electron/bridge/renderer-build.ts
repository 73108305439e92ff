import { existsSync } from 'node:fs';
import path from 'node:path';

export type RendererStatus = { dir: string } | { dir: null; reason: string };

/**
 * The built window for serve mode: dist/renderer as it is, or built now with
 * Vite's JS API when missing. A missing or failing build is not fatal — the
 * bridge then serves a page that says how to build it.
 */
export async function ensureRenderer(
  root: string,
  opts: { build: boolean; dir?: string },
): Promise<RendererStatus> {
  const dir = opts.dir ?? path.join(root, 'dist', 'renderer');
  if (existsSync(path.join(dir, 'index.html'))) return { dir };
  const config = path.join(root, 'renderer', 'vite.config.ts');
  if (!opts.build) return { dir: null, reason: `${dir} has no index.html (building was turned off)` };
  if (!existsSync(config))
    return { dir: null, reason: `${config} is missing, so the window cannot be built` };
  try {
    const { build } = await import('vite');
    await build({ configFile: config, logLevel: 'warn' });
  } catch (e) {
    return { dir: null, reason: `building the window failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  return existsSync(path.join(dir, 'index.html'))
    ? { dir }
    : { dir: null, reason: `the build did not produce ${path.join(dir, 'index.html')}` };
}
