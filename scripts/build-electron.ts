/**
 * Bundles the Electron side into dist/electron: main.cjs (package.json "main"), preload.cjs,
 * services.cjs (the utility process: horde, worker, bridge backend) and the WebGPU engine pages
 * (engine-page.js for text, sd-page.js for Stable Diffusion).
 * Our own code and small pure-JS libraries are bundled; native, ONNX and plugin-loading
 * packages stay in node_modules, which electron-builder ships (see electron-builder.config.cjs).
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { bundleEnginePage } from '../electron/worker/engines/browser/asset-server';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Loaded at run time from node_modules rather than bundled. */
export const EXTERNAL = [
  'electron',
  'onnxruntime-node',
  'onnxruntime-web',
  'onnxruntime-common',
  'sharp',
  // FFI for the full-screen probes: its prebuilt binary comes from node_modules.
  'koffi',
  'ps-list',
  '@huggingface/transformers',
  'esbuild',
  'fastify',
  '@fastify/*',
];

const common: BuildOptions = {
  bundle: true,
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
  legalComments: 'none',
};

// The sources are ESM and read import.meta.url to find files beside them; in the CommonJS
// bundle that is the bundle's own location, so those files are copied into dist/electron.
const nodeCommon: BuildOptions = {
  ...common,
  platform: 'node',
  target: 'node22',
  external: EXTERNAL,
  define: { 'import.meta.url': '__bundleUrl', 'import.meta.dirname': '__dirname' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

/** Builds into `out` (dist/electron by default; tests build elsewhere under the project). */
export async function buildElectron(out = path.join(root, 'dist', 'electron')): Promise<void> {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await Promise.all([
    build({ ...nodeCommon, entryPoints: ['electron/app/main.ts'], outfile: path.join(out, 'main.cjs') }),
    build({
      ...nodeCommon,
      entryPoints: ['electron/app/services-process.ts'],
      outfile: path.join(out, 'services.cjs'),
    }),
    // The sandboxed preload can require nothing but electron: one self-contained browser bundle.
    build({
      ...common,
      platform: 'browser',
      target: 'chrome130',
      external: ['electron'],
      entryPoints: ['electron/app/preload.ts'],
      outfile: path.join(out, 'preload.cjs'),
    }),
    bundleEnginePage(path.join(out, 'engine-page.js')),
    bundleEnginePage(path.join(out, 'sd-page.js'), 'sd'),
    copyFile(path.join(root, 'electron/worker/engines/browser/page.html'), path.join(out, 'page.html')),
  ]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildElectron().then(
    () => console.log('built dist/electron: main.cjs, preload.cjs, services.cjs, engine-page.js, sd-page.js'),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
