// The packaging and browser tests exercise what `npm run build` made (the `pretest` script runs it):
// fail early, and say so, where a package's dist/ is missing or older than its sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..');
export const libraries = ['tensor', 'nn', 'diffusion'] as const;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Throw unless every library's dist/ exists and is at least as new as its sources. */
export function assertBuilt(): void {
  for (const name of libraries) {
    const pkg = join(root, 'packages', name);
    const index = join(pkg, 'dist', 'index.js');
    if (!existsSync(index)) throw new Error(`packages/${name}/dist is missing: run npm run build first (npm test does)`);
    if (statSync(index).mtimeMs < newestSource(join(pkg, 'src'))) throw new Error(`packages/${name}/dist is older than its sources: run npm run build`);
  }
}
