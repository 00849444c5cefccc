// The playground is a static page. Cross-origin isolation (COOP + COEP) lets the wasm engine share
// its memory with Web Workers; `npm run playground` serves the build with these headers.
import { join } from 'node:path';
import { defineConfig } from 'vite';

export const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  base: './',
  server: { host: '127.0.0.1', headers: isolation },
  preview: { host: '127.0.0.1', headers: isolation },
  // Not minified: gpu.js compiles the gpu backend's kernels from their functions' source text, and a
  // minifier rewrites that text (comma sequences, merged declarations) into forms gpu.js cannot parse.
  // Two pages: the playground, and parity.html, which checks the gpu backend against js in the browser.
  build: {
    target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 4000, minify: false,
    rollupOptions: { input: { main: join(import.meta.dirname, 'index.html'), parity: join(import.meta.dirname, 'parity.html') } },
  },
});
