// `sample` on a video run conditioned on known frames (Ho et al. 2022, Sec. 3.1), end to end on a tiny
// clips16 run: both methods, the discrete and sigma-space samplers, autoregressive extension past the
// run's 8 frames, GIF and safetensors output, sample k alone or in a batch, and the bad command lines.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tensor } from '@diffusion-ts/tensor';
import { frameCondition } from '@diffusion-ts/diffusion';
import { heldOut } from './data/registry.ts';
import { generateSet } from './run/quality.ts';
import { loadSession } from './run/session.ts';
import { runCli as run } from './testing/run-cli.ts';
import { clipFrames, readSamples as samples, tinyVideoRuns } from './testing/video-runs.ts';

const at = tinyVideoRuns('diffusion-ts-video-');

describe('diffusion-ts sample --condition (video runs)', () => {
  it('continues held-out clips past the run\'s 8 frames by reconstruction guidance: [N, C, 12, H, W], known frames kept, settings in the metadata', async () => {
    const r = await run('sample', '--ckpt', at('video'), '--sampler', 'euler', '--steps', '2', '--n', '2', '--condition', '3', '--frames-known', '4', '--method', 'reconstruction', '--guidance-weight', '2', '--length', '12', '--out', at('guided.safetensors'));
    assert.equal(r.code, 0, r.err);
    const { tensors, metadata } = samples(at('guided.safetensors'));
    const out = tensors['samples']!;
    assert.deepEqual(out.shape, [2, 3, 12, 16, 16]);
    assert.deepEqual({ condition: metadata['condition'], framesKnown: metadata['frames_known'], method: metadata['method'], weight: metadata['guidance_weight'] }, { condition: '3', framesKnown: '4', method: 'reconstruction', weight: '2' });
    // Sample k continues held-out clip 3 + k: its first 4 frames are that clip's, exactly.
    const real = heldOut('clips16', 5, 0);
    for (const k of [0, 1]) assert.deepEqual(clipFrames(out, k, 0, 4), clipFrames({ shape: real.shape, data: real.data }, 3 + k, 0, 4));
    assert.ok(out.data.every(Number.isFinite));
  });

  it('sample k is the same alone or in a batch (seed + k, held-out clip i + k), through every block', async () => {
    const r = await run('sample', '--ckpt', at('video'), '--sampler', 'euler', '--steps', '2', '--n', '1', '--seed', '1', '--condition', '4', '--frames-known', '4', '--length', '12', '--guidance-weight', '2', '--out', at('alone.safetensors'));
    assert.equal(r.code, 0, r.err);
    const batch = samples(at('guided.safetensors')).tensors['samples']!, alone = samples(at('alone.safetensors')).tensors['samples']!;
    assert.deepEqual(clipFrames(alone, 0, 0, 12), clipFrames(batch, 1, 0, 12));
  });

  it('the replacement method on the discrete DDIM sampler, conditioned on a clip file (one clip for every sample), as a GIF', async () => {
    const r = await run('sample', '--ckpt', at('video'), '--sampler', 'ddim', '--steps', '2', '--n', '2', '--condition', at('alone.safetensors'), '--frames-known', '3', '--method', 'replacement', '--out', at('replaced.safetensors'));
    assert.equal(r.code, 0, r.err);
    const out = samples(at('replaced.safetensors')).tensors['samples']!, source = samples(at('alone.safetensors')).tensors['samples']!;
    assert.deepEqual(out.shape, [2, 3, 8, 16, 16]);
    for (const k of [0, 1]) assert.deepEqual(clipFrames(out, k, 0, 3), clipFrames(source, 0, 0, 3));
    const gif = await run('sample', '--ckpt', at('video'), '--sampler', 'ddpm', '--n', '1', '--condition', '0', '--frames-known', '2', '--method', 'replacement', '--out', at('clip.gif'));
    assert.equal(gif.code, 0, gif.err);
    assert.equal(readFileSync(at('clip.gif')).subarray(0, 6).toString(), 'GIF89a');
  });

  it('eval --video prints the table: every row, finite numbers', async () => {
    const r = await run('eval', '--ckpt', at('video'), '--video', '--n', '3', '--sampler', 'euler', '--steps', '1', '--frames-known', '4');
    assert.equal(r.code, 0, r.err);
    for (const name of ['data against data (floor)', 'video model, unconditional', 'replacement', 'reconstruction guidance, w_r = 2', 'every frame independent']) assert.ok(r.out.includes(name), name);
    const [table, comparison] = r.out.split('Reconstruction guidance minus replacement');
    const rows = table!.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| |'));
    assert.equal(rows.length, 5);
    for (const row of rows) {
      assert.ok(!row.includes('NaN'), row);
      assert.equal(row.match(/\d ± \d/g)?.length, 5, `every cell has its bootstrap standard error: ${row}`);
    }
    assert.match(r.out, /\| \| Fréchet distance \(pixel statistics\) \|/); // clips16: no digits for the MNIST judge
    assert.match(r.out, /; ± is the bootstrap standard error over clips \(B = 200\)/);
    assert.match(comparison!, /\| difference \|.*\n\| standard error \|.*\n\| 95% percentile interval \| \[/);
    assert.match(comparison!, /\| ahead by the interval(?: \| (?:reconstruction guidance|replacement|neither \(holds 0\)|n\/a)){5} \|\n/);
    const plain = await run('eval', '--ckpt', at('video'), '--video', '--n', '3', '--sampler', 'euler', '--steps', '1', '--frames-known', '4', '--bootstrap', '0');
    assert.equal(plain.code, 0, plain.err);
    assert.ok(!plain.out.includes('±') && !plain.out.includes('minus replacement'), plain.out);
  });

  it('eval --video --features judge on clips16 and --bootstrap 1 are refused before any sampling, naming the data and the flag', async () => {
    const r = await run('eval', '--ckpt', at('video'), '--video', '--features', 'judge', '--n', '3');
    assert.equal(r.code, 2);
    assert.match(r.err, /--features judge: the MNIST judge measures Moving MNIST frames \(moving-mnist, moving-mnist64\); 'clips16' is not, so use --features pixels/);
    const one = await run('eval', '--ckpt', at('video'), '--video', '--bootstrap', '1', '--n', '3');
    assert.equal(one.code, 2);
    assert.match(one.err, /--bootstrap 1: a standard error needs at least 2 resamples \(or 0 for none\)/);
  });

  it('generateSet continues clip i in sample i, the same in chunks of 2 as in one call of 5 (the video table samples in chunks)', async () => {
    const session = await loadSession(at('video', 'checkpoint.safetensors'));
    const real = heldOut('clips16', 5, 0);
    const condition = frameCondition(tensor(Float32Array.from(real.data), { shape: [...real.shape] }), [0, 1, 2]);
    for (const method of [{ kind: 'replacement' }, { kind: 'reconstruction', weight: 2 }] as const) {
      const o = { sampler: 'euler', steps: 2, n: 5, seed: 3, frames: { condition, method } } as const;
      const whole = await generateSet(session, o, { chunk: 5 }), chunked = await generateSet(session, o, { chunk: 2 });
      assert.deepEqual(chunked.shape, [5, ...real.shape.slice(1)]);
      assert.deepEqual([...chunked.data], [...whole.data], method.kind);
      // The known frames are clip i's, to the rounding of the last Euler step (x + (0 − σ)·(x − D)/σ).
      for (const i of [0, 3, 4]) {
        const want = clipFrames({ shape: real.shape, data: real.data }, i, 0, 3);
        clipFrames(chunked, i, 0, 3).forEach((v, k) => assert.ok(Math.abs(v - want[k]!) <= 1e-6, `${method.kind}, clip ${i}, value ${k}: ${v} against ${want[k]}`));
      }
    }
  });

  it('sample --help names both methods', async () => {
    const r = await run('sample', '--help');
    assert.match(r.out, /--method/);
    assert.match(r.out, /reconstruction guidance/);
    assert.match(r.out, /replacement/);
  });

  it('refuses video flags that do not fit, naming the flag, and leaves no file', async () => {
    const before = readdirSync(at()).sort();
    const rows: [string[], number, RegExp][] = [
      [['--condition', '0', '--method', 'replacement', '--guidance-weight', '2'], 2, /--guidance-weight is the weight w_r of --method reconstruction; --method replacement has none/],
      [['--condition', '0', '--frames-known', '8'], 2, /--frames-known 8 must be in \[1, 7\]: the run's clips have 8 frames/],
      [['--condition', '0', '--frames-known', '4', '--length', '4'], 2, /--length 4 must exceed --frames-known 4/],
      [['--guidance-weight', '2'], 2, /--guidance-weight needs --condition/],
      [['--condition', at('image', 'checkpoint.safetensors')], 1, /--condition .*: the file holds no 'samples' or 'clips' tensor/],
      [['--condition', at('nothing-here.safetensors')], 1, /--condition .*not a data index, and not a readable safetensors file/],
    ];
    for (const [flags, code, message] of rows) {
      const r = await run('sample', '--ckpt', at('video'), '--steps', '1', '--n', '1', ...flags, '--out', at('bad.safetensors'));
      assert.equal(r.code, code, `${flags.join(' ')}: ${r.err}`);
      assert.match(r.err, message, flags.join(' '));
    }
    const image = await run('sample', '--ckpt', at('image'), '--condition', '0', '--out', at('bad.png'));
    assert.equal(image.code, 2);
    assert.match(image.err, /--condition needs a video run; this run's data, shapes16, is images/);
    assert.deepEqual(readdirSync(at()).sort(), before);
    assert.ok(!existsSync(at('bad.safetensors')));
  });
});
