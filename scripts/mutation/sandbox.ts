// A copy of the repository's packages in a temporary folder, where mutants are applied and tested, so the
// working tree is never changed; plus the import graph that picks the tests a mutant can reach.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Copy packages/ (without node_modules), test/setup.ts and the root manifests into a fresh folder whose
 * node_modules links every installed package except the workspace's own, which point at the copies.
 */
export function makeSandbox(root: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-mutate-'));
  cpSync(join(root, 'packages'), join(dir, 'packages'), { recursive: true, filter: (src) => !src.includes('node_modules') });
  mkdirSync(join(dir, 'test'));
  cpSync(join(root, 'test', 'setup.ts'), join(dir, 'test', 'setup.ts'));
  for (const f of ['package.json', 'tsconfig.json']) cpSync(join(root, f), join(dir, f));
  mkdirSync(join(dir, 'node_modules', '@diffusion-ts'), { recursive: true });
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry !== '@diffusion-ts') symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  for (const pkg of readdirSync(join(dir, 'packages'))) symlinkSync(join(dir, 'packages', pkg), join(dir, 'node_modules', '@diffusion-ts', pkg));
  return dir;
}

export const removeSandbox = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/** Relative imports of a TypeScript file ('./x.ts', '../y/z.ts'), resolved to repository-relative paths. */
function relativeImports(root: string, file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: string[] = [];
  for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    out.push(relative(root, resolve(dirname(join(root, file)), match[1]!.replace(/\.js$/, '.ts'))));
  }
  return out;
}

/**
 * For each test file, the import distance to every module it reaches through relative imports (1 = it
 * imports the module itself). Imports through a package name ('@diffusion-ts/tensor') are not followed:
 * a mutant is tested only by its own package's tests.
 */
export function importDistances(root: string, testFiles: readonly string[]): Map<string, Map<string, number>> {
  const edges = new Map<string, string[]>();
  const importsOf = (file: string): string[] => {
    if (!edges.has(file)) edges.set(file, relativeImports(root, file));
    return edges.get(file)!;
  };
  const result = new Map<string, Map<string, number>>();
  for (const test of testFiles) {
    const distance = new Map<string, number>();
    let frontier = [test];
    for (let depth = 1; frontier.length > 0; depth++) {
      const next: string[] = [];
      for (const file of frontier) {
        for (const dep of importsOf(file)) {
          if (!distance.has(dep)) { distance.set(dep, depth); next.push(dep); }
        }
      }
      frontier = next;
    }
    result.set(test, distance);
  }
  return result;
}

export interface TestRun {
  ok: boolean;
  timedOut: boolean;
  seconds: number;
}

let current: ChildProcess | undefined;

/** Kill the running test process group (node --test starts a child per file). */
export function killCurrent(): void {
  if (current?.pid !== undefined) {
    try { process.kill(-current.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

/** Run one test file with the project's loader (the `test:file` script), in its own process group. */
export function runTestFile(dir: string, file: string, timeoutSeconds: number): Promise<TestRun> {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', './test/setup.ts', '--test', '--test-reporter=dot', file], {
      cwd: dir, stdio: 'ignore', detached: true,
    });
    current = child;
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; killCurrent(); }, timeoutSeconds * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      current = undefined;
      done({ ok: code === 0 && !timedOut, timedOut, seconds: (performance.now() - started) / 1000 });
    });
  });
}
