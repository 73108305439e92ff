import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Paths from this file, not the cwd, so the build works whoever calls it; no node:url because
// renderer/ is linted as browser code.
const here = (p: string): string => decodeURIComponent(new URL(p, import.meta.url).pathname);

// Relative base so the same build loads from file:// in Electron and from the serve-mode HTTP root.
export default defineConfig({
  root: here('.'),
  base: './',
  plugins: [react()],
  build: {
    outDir: here('../dist/renderer'),
    emptyOutDir: true,
  },
});
