// The packages as a user gets them: `npm pack` the three libraries, install the tarballs into a new
// project (their third-party dependencies resolved by npm as for any user), then run a plain-node
// script, type-check a TypeScript consumer against the shipped .d.ts files, and bundle the
// libraries for a browser with esbuild.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { assertBuilt, libraries, root } from './built.ts';

const npm = (args: string[], cwd: string): string => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Where Node finds package `name` required from the lock entry `from`: the nearest node_modules above it. */
function resolveIn(packages: Record<string, unknown>, from: string, name: string): string | null {
  for (let dir = from; ; ) {
    if (packages[`${dir}/node_modules/${name}`] !== undefined) return `${dir}/node_modules/${name}`;
    const up = dir.lastIndexOf('/node_modules/');
    if (up < 0) return packages[`node_modules/${name}`] !== undefined ? `node_modules/${name}` : null;
    dir = dir.slice(0, up);
  }
}

describe('the packed libraries, installed into a fresh project', () => {
  let dir = '';
  let app = '';
  before(() => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-pack-'));
    app = join(dir, 'app');
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', dir, ...libraries.flatMap((l) => ['-w', `@diffusion-ts/${l}`])], root)) as { name: string; filename: string; files: { path: string }[] }[];
    const dependencies = Object.fromEntries(packed.map((p) => [p.name, `file:../${p.filename}`]));
    for (const p of packed) {
      assert.ok(p.files.some((f) => f.path === 'dist/index.d.ts'), `${p.name} ships its declarations`);
      assert.ok(!p.files.some((f) => f.path.endsWith('.test.ts')), `${p.name} ships no tests`);
    }
    execFileSync('mkdir', [app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }, null, 2));
    for (const f of ['train-and-sample.mjs', 'consumer.ts', 'browser.mjs', 'tsconfig.json']) copyFileSync(join(root, 'test', 'consumer', f), join(app, f));
    // As a user installs them: npm resolves gpu.js and webgpu (the gpu backend's) and their own
    // dependencies against the registry's metadata, which npm ci does not cache (it reads the
    // lock), and takes every tarball it already holds from the cache.
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], app);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('installs the three libraries and, for the gpu backend, gpu.js and WebGPU for Node with their dependencies, nothing else', () => {
    type Entry = { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, Entry> };
    const installed = Object.keys(lock.packages).filter((k) => k !== '').sort();
    // What the libraries' own dependencies reach, walked through the lock (nested copies included).
    const reached = new Set<string>(), queue = libraries.map((l) => `node_modules/@diffusion-ts/${l}`);
    while (queue.length > 0) {
      const at = queue.pop()!;
      if (reached.has(at) || lock.packages[at] === undefined) continue;
      reached.add(at);
      const { dependencies = {}, optionalDependencies = {} } = lock.packages[at]!;
      for (const name of Object.keys({ ...dependencies, ...optionalDependencies })) {
        const found = resolveIn(lock.packages, at, name);
        if (found !== null) queue.push(found);
      }
    }
    assert.deepEqual(installed.filter((k) => !reached.has(k)), [], 'installed but not needed by the libraries');
    const direct = installed.filter((k) => !k.slice('node_modules/'.length).includes('node_modules/')).map((k) => k.slice('node_modules/'.length));
    for (const name of ['@diffusion-ts/tensor', '@diffusion-ts/nn', '@diffusion-ts/diffusion', 'gpu.js', 'webgpu']) assert.ok(direct.includes(name), `${name} installed`);
  });

  it('trains and samples under plain node (no tsx), on the wasm engine', () => {
    const out = JSON.parse(execFileSync(process.execPath, ['train-and-sample.mjs'], { cwd: app, encoding: 'utf8' })) as { backend: string; first: number; last: number; shape: number[] };
    assert.equal(out.backend, 'wasm');
    assert.deepEqual(out.shape, [16, 2]);
    assert.ok(Number.isFinite(out.first) && Number.isFinite(out.last));
  });

  it('type-checks a TypeScript consumer against the shipped declarations', () => {
    // Throws with tsc's diagnostics on stdout when a type is missing or wrong.
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
  });

  it('bundles for a browser with no Node built-in in the bundle', async () => {
    const result = await build({ entryPoints: [join(app, 'browser.mjs')], bundle: true, format: 'esm', platform: 'browser', write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs).map((p) => relative(app, join(root, p)));
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((imp) => imp.path));
    assert.ok(inputs.length > 100, `bundled ${inputs.length} modules`);
    // gpu.js's browser build comes in for the gpu backend (imported only when initGpu() runs).
    for (const p of inputs) assert.match(p, /^(browser\.mjs|node_modules\/@diffusion-ts\/(tensor|nn|diffusion)\/dist\/|node_modules\/gpu\.js\/dist\/gpu-browser\.js$)/);
    assert.deepEqual(imports.filter((p) => p.startsWith('node:') || builtinModules.includes(p)), []);
    assert.ok(!inputs.some((p) => p.includes('/nn/dist/checkpoint/file')), 'the file I/O entry stays out');
  });

  it('refuses the Node-only entry in a browser bundle (the check above can fail)', async () => {
    writeFileSync(join(app, 'node-entry.mjs'), "import { loadSafetensors } from '@diffusion-ts/nn/node';\nconsole.log(loadSafetensors);\n");
    await assert.rejects(build({ entryPoints: [join(app, 'node-entry.mjs')], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' }), /node:fs/);
  });
});
