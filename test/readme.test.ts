// The README's example is run exactly as printed: extracted between its markers, written beside
// the repo's packages (so '@diffusion-ts/tensor' resolves as it does for a user), and executed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

describe('README', () => {
  it('the autodiff example runs as printed and fits the line', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /<!-- readme-example:start -->\n```ts\n([\s\S]*?)```\n<!-- readme-example:end -->/.exec(readme);
    assert.ok(block, 'README has no marked example block');
    const file = join(root, 'test', `.tmp-readme-example-${process.pid}.ts`);
    writeFileSync(file, block[1]!);
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
      assert.match(out, /step 199: loss 0\.00\d\d/);
      assert.match(out, /w = 2\.99, b = -1\.01/);
      assert.ok(readme.includes('from 9.51 to 0.0078'), 'the README quotes the numbers the example prints');
      assert.match(out, /step 0: loss 9\.51/);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('the gpu example runs as printed (under scripts/with-gpu-env) and names its adapter', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /<!-- readme-gpu-example:start -->\n```ts\n([\s\S]*?)```\n<!-- readme-gpu-example:end -->/.exec(readme);
    assert.ok(block, 'README has no marked gpu example block');
    const file = join(root, 'test', `.tmp-readme-gpu-example-${process.pid}.ts`);
    writeFileSync(file, block[1]!);
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      assert.match(out, /^webgpu on .+/m);
      assert.match(out, /Float32Array\(2\) \[ 16, 36 \]/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
