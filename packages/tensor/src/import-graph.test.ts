/**
 * The package reads bottom-up: its runtime import graph has no cycle, apart from the primitive ops'
 * mutual imports (a backward is written with other ops, so `mul`'s file and `exp`'s import each other).
 * This walk reads every source file's value imports (`import type` is erased and does not count) and
 * fails, naming the modules, if any other cycle comes back — e.g. an op importing `tensor.ts`, which
 * installs the methods and so imports every op.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = import.meta.dirname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The relative modules `file` imports or re-exports at run time. */
export function valueImports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?([^;]*?)\s*from\s+'(\.[^']+)'/gms)) {
    const [, , typeOnly, clause, spec] = m;
    if (typeOnly !== undefined) continue;
    // `import { type A, type B } from …` is erased too.
    const names = /^\{([^}]*)\}$/.exec(clause!.trim())?.[1];
    if (names !== undefined && names.split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '))) continue;
    found.push(spec!);
  }
  for (const m of text.matchAll(/^import\s+'(\.[^']+)'/gm)) found.push(m[1]!);
  return found;
}

function graph(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const file of sources(root)) {
    const from = relative(root, file);
    edges.set(from, valueImports(readFileSync(file, 'utf8')).map((spec) => relative(root, resolve(dirname(file), spec))));
  }
  return edges;
}

/** Strongly connected components with more than one module (Tarjan). */
function cycles(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>(), out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); component.push(w); } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('import graph of packages/tensor/src', () => {
  it('has no cycle but the primitive ops importing one another for their backwards', () => {
    const bad = cycles(graph()).filter((component) => !component.every((m) => m.startsWith('ops/')));
    assert.deepEqual(bad, [], `import cycles:\n${bad.map((c) => `  ${c.join(' → ')}`).join('\n')}`);
  });

  it('reads value imports, not type-only ones', () => {
    assert.deepEqual(valueImports("import type { A } from './a.ts';\nimport { type B, type C } from './b.ts';\nimport { D, type E } from './d.ts';\nexport { F } from './f.ts';\nexport type { G } from './g.ts';\nimport './h.ts';\n"), ['./d.ts', './f.ts', './h.ts']);
  });
});
