// The end-to-end train + sample test once more with --backend gpu, on tiny models (its own file, so
// its own process: each command starts the WebGPU device and shuts it down). Run under
// scripts/with-gpu-env (the root `npm test` does); where no adapter starts, the commands exit 1 with
// the reason, and these tests fail with it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as run } from './testing/run-cli.ts';

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-cli-gpu-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

/** What the gpu commands print first: the engine and the adapter (llvmpipe under scripts/with-gpu-env). */
const backendLine = /^backend: gpu \(webgpu: .+\)$/m;

// A stalled device fails the run instead of hanging it (the tests take seconds to tens of seconds on lavapipe).
describe('diffusion-ts --backend gpu', { timeout: 600_000 }, () => {
  it('trains an MLP on 2-D data with previews, then samples a PNG and a GIF trajectory', async () => {
    const out = join(dir, 'run2d');
    const r = await run('train', '--data', 'swiss-roll', '--model', 'mlp', '--batch', '16', '--train-size', '64', '--preview', '1', '--steps', '4', '--ckpt-every', '2', '--out', out, '--backend', 'gpu');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, backendLine);
    for (const f of ['checkpoint.safetensors', 'loss.csv', 'samples-000002.png', 'samples-000004.png']) assert.ok(existsSync(join(out, f)), f);
    const losses = readFileSync(join(out, 'loss.csv'), 'utf8').trim().split('\n').slice(1).map((line) => Number(line.split(',')[1]));
    assert.equal(losses.length, 4);
    assert.ok(losses.every((l) => Number.isFinite(l) && l > 0), `losses ${losses}`);
    for (const [sampler, file] of [['heun', 'a.png'], ['euler-a', 'b.gif'], ['dpm2m', 'c.png']] as const) {
      const s = await run('sample', '--ckpt', out, '--sampler', sampler, '--steps', '3', '--n', '16', '--out', join(dir, file), '--backend', 'gpu');
      assert.equal(s.code, 0, s.err);
      assert.match(s.err, backendLine);
    }
    assert.equal(readFileSync(join(dir, 'b.gif')).subarray(0, 6).toString(), 'GIF89a');
  });

  it('trains a U-Net on images (ddpm) and reports bits/dim (25 timesteps of the bound)', async () => {
    const out = join(dir, 'img');
    const r = await run('train', '--data', 'shapes16', '--model', 'unet', '--objective', 'ddpm', '--timesteps', '25', '--batch', '2', '--train-size', '8', '--steps', '1', '--preview', '0', '--out', out, '--backend', 'gpu');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, backendLine);
    const nll = await run('eval', '--ckpt', out, '--nll', '--n', '2', '--backend', 'gpu');
    assert.equal(nll.code, 0, nll.err);
    assert.match(nll.out, /bound \(bits\/dim\): +\d+\.\d+/);
  });
});
