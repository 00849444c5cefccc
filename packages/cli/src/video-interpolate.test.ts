// `sample --condition ... --interpolate s` (temporal super-resolution, Ho et al. 2022, Sec. 3.1) end to end
// on a tiny clips16 run: both methods, a discrete and a sigma-space sampler, safetensors and GIF output,
// the given frames kept at 0, s, 2s, ..., sample k alone or in a batch, and the bad command lines.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { zeros } from '@diffusion-ts/tensor';
import { interpolateFrames } from '@diffusion-ts/diffusion';
import { heldOut } from './data/registry.ts';
import { runCli as run } from './testing/run-cli.ts';
import { clipFrames, readSamples as samples, tinyVideoRuns } from './testing/video-runs.ts';
import { interpolationBlocks } from './run/video-sampling.ts';

const at = tinyVideoRuns('diffusion-ts-interpolate-');

describe('interpolationBlocks', () => {
  it('is the number of windows interpolateFrames samples', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 10 }), fc.integer({ min: 2, max: 9 }), fc.integer({ min: 2, max: 12 }), (F, s0, K) => {
      const s = 2 + (s0 % (F - 2));
      let calls = 0;
      interpolateFrames((c) => { calls++; return zeros(c.known.shape); }, zeros([1, 1, K, 1, 1]), { blockFrames: F, factor: s });
      assert.equal(interpolationBlocks(K, s, F), calls);
    }), { numRuns: 60 });
  });
});

describe('diffusion-ts sample --interpolate (video runs)', () => {
  it('fills s - 1 frames between the held-out clips\' frames by reconstruction guidance: [N, C, (K - 1)s + 1, H, W], given frames at 0, s, 2s, ...', async () => {
    const r = await run('sample', '--ckpt', at('video'), '--sampler', 'euler', '--steps', '2', '--n', '2', '--condition', '3', '--interpolate', '2', '--guidance-weight', '2', '--out', at('dense.safetensors'));
    assert.equal(r.code, 0, r.err);
    const { tensors, metadata } = samples(at('dense.safetensors'));
    const out = tensors['samples']!;
    assert.deepEqual(out.shape, [2, 3, 15, 16, 16]);
    assert.deepEqual({ condition: metadata['condition'], interpolate: metadata['interpolate'], framesKnown: metadata['frames_known'], method: metadata['method'], weight: metadata['guidance_weight'] },
      { condition: '3', interpolate: '2', framesKnown: undefined, method: 'reconstruction', weight: '2' });
    const real = heldOut('clips16', 5, 0);
    for (const k of [0, 1]) for (let i = 0; i < 8; i++) assert.deepEqual(clipFrames(out, k, 2 * i), clipFrames({ shape: real.shape, data: real.data }, 3 + k, i), `sample ${k}, given frame ${i}`);
    assert.ok(out.data.every(Number.isFinite));
    // Sample k is the same alone or in a batch (seed + k, held-out clip i + k), through every window.
    const alone = await run('sample', '--ckpt', at('video'), '--sampler', 'euler', '--steps', '2', '--n', '1', '--seed', '1', '--condition', '4', '--interpolate', '2', '--out', at('alone.safetensors'));
    assert.equal(alone.code, 0, alone.err);
    const one = samples(at('alone.safetensors')).tensors['samples']!;
    for (let f = 0; f < 15; f++) assert.deepEqual(clipFrames(one, 0, f), clipFrames(out, 1, f), `frame ${f}`);
  });

  it('the replacement method on the discrete DDIM sampler, on a clip file of 3 frames (one clip for every sample); a GIF from Heun', async () => {
    const three = await run('sample', '--ckpt', at('video'), '--sampler', 'euler', '--steps', '1', '--n', '1', '--condition', '0', '--frames-known', '1', '--length', '3', '--method', 'replacement', '--out', at('three.safetensors'));
    assert.equal(three.code, 0, three.err);
    const r = await run('sample', '--ckpt', at('video'), '--sampler', 'ddim', '--steps', '2', '--n', '2', '--condition', at('three.safetensors'), '--interpolate', '3', '--method', 'replacement', '--out', at('replaced.safetensors'));
    assert.equal(r.code, 0, r.err);
    const out = samples(at('replaced.safetensors')).tensors['samples']!, source = samples(at('three.safetensors')).tensors['samples']!;
    assert.deepEqual(out.shape, [2, 3, 7, 16, 16]);
    for (const k of [0, 1]) for (let i = 0; i < 3; i++) assert.deepEqual(clipFrames(out, k, 3 * i), clipFrames(source, 0, i));
    assert.ok(out.data.every(Number.isFinite));
    const gif = await run('sample', '--ckpt', at('video'), '--sampler', 'heun', '--steps', '1', '--n', '1', '--condition', '0', '--interpolate', '4', '--method', 'replacement', '--out', at('dense.gif'));
    assert.equal(gif.code, 0, gif.err);
    assert.equal(readFileSync(at('dense.gif')).subarray(0, 6).toString(), 'GIF89a');
  });

  it('refuses --interpolate on a non-video run, with --frames-known or --length, and out of range, naming the flags; leaves no file', async () => {
    const before = readdirSync(at()).sort();
    const rows: [string, string[], number, RegExp][] = [
      ['video', ['--condition', '0', '--interpolate', '2', '--frames-known', '4'], 2, /--interpolate and --frames-known contradict each other/],
      ['video', ['--condition', '0', '--interpolate', '2', '--length', '12'], 2, /--interpolate and --length contradict each other/],
      ['video', ['--condition', '0', '--interpolate', '8'], 2, /--interpolate 8 must be in \[2, 7\]: the run's clips have 8 frames/],
      ['video', ['--condition', '0', '--interpolate', '1'], 2, /--interpolate: '1' is out of range/],
      ['video', ['--interpolate', '2'], 2, /--interpolate needs --condition/],
      ['image', ['--interpolate', '2'], 2, /--interpolate needs a video run; this run's data, shapes16, is images/],
      ['image', ['--condition', '0', '--interpolate', '2'], 2, /--condition, --interpolate need a video run; this run's data, shapes16, is images/],
    ];
    for (const [ckpt, flags, code, message] of rows) {
      const r = await run('sample', '--ckpt', at(ckpt), '--steps', '1', '--n', '1', ...flags, '--out', at('bad.safetensors'));
      assert.equal(r.code, code, `${flags.join(' ')}: ${r.err}`);
      assert.match(r.err, message, flags.join(' '));
    }
    assert.deepEqual(readdirSync(at()).sort(), before);
    assert.ok(!existsSync(at('bad.safetensors')));
  });
});
