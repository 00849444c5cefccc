/**
 * Node-side helpers for the browser test and the browser benchmark: where Debian's chromium is, the
 * flags it is launched with, and the page built by Vite into a temporary folder and served by
 * `vite preview` with the isolation headers of vite.config.ts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, preview } from 'vite';

export const chromiumPath: string | undefined = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
export const chromiumArgs = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-unsafe-webgpu'];
export const pageDir = join(import.meta.dirname, '..');

/** Build the page and serve it on 127.0.0.1 (a free port); `close` stops the server and removes the build. */
export async function servePlayground(): Promise<{ url: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-playground-'));
  try {
    await build({ root: pageDir, logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } });
    const server = await preview({ root: pageDir, logLevel: 'warn', build: { outDir: dir }, preview: { port: 0, strictPort: false } });
    return {
      url: server.resolvedUrls!.local[0]!,
      async close() {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
