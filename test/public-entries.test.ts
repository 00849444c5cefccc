/**
 * bench/, test/ and the packages' examples use the packages as a user does: through an entry that the
 * package's `exports` declares (`@diffusion-ts/tensor`, `@diffusion-ts/tensor/internal`, …), never a
 * relative path into another package's sources, so what they exercise is what the packages export.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');

/** Each workspace package's name and the subpaths its package.json exports ('.' for the root). */
const entries = new Map<string, Set<string>>(readdirSync(join(root, 'packages')).map((dir) => {
  const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, unknown> };
  return [pkg.name, new Set(Object.keys(pkg.exports ?? {}))];
}));

/** The scripts that must import packages through their entries. */
function sources(): string[] {
  const dirs = ['bench', 'test', ...readdirSync(join(root, 'packages')).map((p) => join('packages', p, 'examples'))];
  return dirs.flatMap((dir) => {
    let found: string[] = [];
    try {
      found = readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f));
    } catch {
      return []; // a package without examples
    }
    return found.filter((f) => /\.(ts|mjs|js|sh)$/.test(f) && !f.includes('node_modules') && !f.includes(`${join('bench', 'results')}`));
  });
}

/** The module specifiers a file imports: static imports, re-exports and dynamic import('…'). */
const specifiers = (text: string): string[] =>
  [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

/** Why `spec` (imported by `file`) is not a public entry, or null. */
function problem(file: string, spec: string): string | null {
  if (spec.startsWith('.')) {
    const target = relative(root, join(root, file, '..', spec));
    return /^packages\/[^/]+\/src\//.test(target) ? `reaches into ${target}` : null;
  }
  const m = /^(@diffusion-ts\/[^/]+)(\/.*)?$/.exec(spec);
  if (m === null) return null;
  const exported = entries.get(m[1]!);
  if (exported === undefined) return `imports ${m[1]}, which is not a workspace package`;
  const subpath = m[2] === undefined ? '.' : `.${m[2]}`;
  return exported.has(subpath) ? null : `imports ${spec}, but ${m[1]}'s package.json exports only ${[...exported].join(', ') || 'nothing'}`;
}

describe('bench/, test/ and examples import packages through their public entries', () => {
  it('no import reaches into another package\'s sources or an entry its package.json does not export', () => {
    const files = sources();
    assert.ok(files.some((f) => f.startsWith('bench')) && files.some((f) => f.startsWith('test')), 'the scan found the folders');
    const found = files.flatMap((file) => specifiers(readFileSync(join(root, file), 'utf8')).map((spec) => {
      const why = problem(file, spec);
      return why === null ? null : `${file}: ${why}`;
    })).filter((p) => p !== null);
    assert.deepEqual(found, []);
  });

  it('the check can fail: a relative path into sources, and an entry that is not exported', () => {
    assert.match(problem('bench/x.ts', '../packages/tensor/src/backend/wasm/index.ts')!, /reaches into packages\/tensor\/src\/backend/);
    assert.match(problem('bench/x.ts', '@diffusion-ts/tensor/src/index.ts')!, /exports only/);
    assert.equal(problem('bench/x.ts', '@diffusion-ts/tensor/internal'), null);
    assert.equal(problem('packages/nn/examples/x.ts', '@diffusion-ts/nn'), null);
    assert.match(problem('packages/nn/examples/x.ts', '../src/unet/unet.ts')!, /reaches into packages\/nn\/src\/unet/);
  });
});
