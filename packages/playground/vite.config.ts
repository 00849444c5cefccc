// The playground is a static page. Cross-origin isolation (COOP + COEP) lets the wasm engine share
// its memory with Web Workers; `npm run playground` serves the build with these headers.
import { defineConfig } from 'vite';

export const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  base: './',
  server: { host: '127.0.0.1', headers: isolation },
  preview: { host: '127.0.0.1', headers: isolation },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 2000 },
});
