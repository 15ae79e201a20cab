import { defineConfig } from 'vite';

// Preact with the automatic JSX runtime (Vite 8 transforms TS/JSX with oxc). The API serves the
// build from dist/ at `/`; in development `vite` proxies /api to a local API on port 3000.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
