// Lines of TypeScript per file, after tinygrad's sz.py: size is information, not a gate.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const files: string[] = [];
const walk = (dir: string): void => {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.ts')) files.push(path);
  }
};
for (const dir of ['packages', 'bench', 'test', 'scripts']) if (existsSync(join(root, dir))) walk(join(root, dir));

const rows = files.map((f) => ({ file: relative(root, f), lines: readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '').length }));
const byPackage = new Map<string, { code: number; tests: number }>();
for (const { file, lines } of rows) {
  const key = file.split('/').slice(0, file.startsWith('packages/') ? 2 : 1).join('/');
  const entry = byPackage.get(key) ?? { code: 0, tests: 0 };
  if (file.endsWith('.test.ts')) entry.tests += lines; else entry.code += lines;
  byPackage.set(key, entry);
}
console.log('non-blank lines   code  tests');
for (const [key, { code, tests }] of [...byPackage].sort()) console.log(`${key.padEnd(22)} ${String(code).padStart(6)} ${String(tests).padStart(6)}`);
const big = rows.filter((r) => r.lines > 400 && !r.file.endsWith('.test.ts'));
if (big.length > 0) console.log(`files past 400 lines (a hint to split): ${big.map((r) => `${r.file} (${r.lines})`).join(', ')}`);
