/**
 * Node-side helpers for the browser test and the browser benchmark: where Debian's chromium is, the
 * flags it is launched with, and the page built by Vite into a temporary folder and served by
 * `vite preview` with the isolation headers of vite.config.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { build, preview } from 'vite';

export const chromiumPath: string | undefined = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
export const chromiumArgs = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-unsafe-webgpu'];
export const pageDir = join(import.meta.dirname, '..');

export interface Served {
  /** The page served by `vite preview`, cross-origin isolated. */
  url: string;
  /** The same build served without the isolation headers. */
  plainUrl: string;
  close(): Promise<void>;
}

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.map': 'application/json' };

/** Build the page and serve it on 127.0.0.1 (free ports); `close` stops the servers and removes the build. */
export async function servePlayground(): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-playground-'));
  try {
    await build({ root: pageDir, logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } });
    const server = await preview({ root: pageDir, logLevel: 'warn', build: { outDir: dir }, preview: { port: 0, strictPort: false } });
    const plain = createServer((req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
      const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
      if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    return {
      url: server.resolvedUrls!.local[0]!,
      plainUrl: `http://127.0.0.1:${(plain.address() as AddressInfo).port}/`,
      async close() {
        await server.close();
        await new Promise((resolve) => plain.close(resolve));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
