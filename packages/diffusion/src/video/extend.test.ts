import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { arange, full, tensor, type Tensor } from '@diffusion-ts/tensor';
import { karrasSigmas } from '../schedules/sigmas.ts';
import { sampleHeun } from '../samplers/heun.ts';
import { GaussianVideo } from '../testing/gaussian-video.ts';
import { extendAutoregressive, interpolateFrames, type BlockSampler } from './extend.ts';
import { mergeFrames } from './frame-condition.ts';
import { reconstructionGuidedDenoiser } from './reconstruction-guidance.ts';

/** A clip [1, 1, K, 1, 1] whose frame k holds `values[k]`. */
const clipOf = (values: number[]): Tensor => tensor(values, { shape: [1, 1, values.length, 1, 1] });
const framesOf = (x: Tensor): number[] => Array.from(x.dataSync());

/** A fake block sampler: records each call's known frames and fills the unknown ones with 100·call + position. */
function recorder(): { sampleBlock: BlockSampler; calls: { frames: readonly number[]; known: number[] }[] } {
  const calls: { frames: readonly number[]; known: number[] }[] = [];
  const sampleBlock: BlockSampler = (c) => {
    const F = c.known.shape[2]!;
    calls.push({ frames: c.frames, known: c.frames.map((f) => c.known.dataSync()[f]!) });
    const fill = arange(F).add(100 * calls.length).reshape([1, 1, F, 1, 1]);
    return mergeFrames(c, c.known, fill);
  };
  return { sampleBlock, calls };
}

describe('extendAutoregressive (Ho et al. 2022, Sec. 3.1)', () => {
  it('conditions each block on the last `overlap` frames made and keeps the given ones', () => {
    const { sampleBlock, calls } = recorder();
    const out = extendAutoregressive(sampleBlock, clipOf([1, 2]), { blockFrames: 4, length: 9 });
    assert.deepEqual(out.shape, [1, 1, 9, 1, 1]);
    // Block 1: frames 0–3 from [1, 2, ?, ?]; block 2: frames 2–5 knowing 2, 3; block 3: frames 4–7; block 4: frames 6–9, frame 9 dropped.
    assert.deepEqual(framesOf(out), [1, 2, 102, 103, 202, 203, 302, 303, 402]);
    assert.deepEqual(calls.map((c) => c.frames), [[0, 1], [0, 1], [0, 1], [0, 1]]);
    assert.deepEqual(calls.map((c) => c.known), [[1, 2], [102, 103], [202, 203], [302, 303]]);
  });

  it('starts unconditionally from no frames, with the overlap asked for', () => {
    const { sampleBlock, calls } = recorder();
    const start = full([1, 1, 0, 1, 1], 0);
    const out = extendAutoregressive(sampleBlock, start, { blockFrames: 4, length: 7, overlap: 1 });
    assert.deepEqual(framesOf(out), [100, 101, 102, 103, 201, 202, 203]);
    assert.deepEqual(calls.map((c) => c.frames), [[], [0]]);
  });

  it('refuses lengths, overlaps and starts that do not fit, naming the values', () => {
    const { sampleBlock } = recorder();
    assert.throws(() => extendAutoregressive(sampleBlock, clipOf([1, 2, 3, 4, 5]), { blockFrames: 4, length: 8 }), /5 frames given, more than a block of 4/);
    assert.throws(() => extendAutoregressive(sampleBlock, clipOf([1, 2]), { blockFrames: 4, length: 1 }), /length must be an integer >= 2.*got 1/);
    assert.throws(() => extendAutoregressive(sampleBlock, clipOf([1, 2]), { blockFrames: 4, length: 8, overlap: 4 }), /overlap must be an integer in \[1, 3\].*got 4/);
  });
});

describe('interpolateFrames: temporal super-resolution', () => {
  it('places the given frames at stride s and fills the rest window by window, each window knowing every frame made', () => {
    const { sampleBlock, calls } = recorder();
    const out = interpolateFrames(sampleBlock, clipOf([1, 2, 3, 4]), { blockFrames: 4, factor: 2 });
    assert.deepEqual(out.shape, [1, 1, 7, 1, 1]);
    // Window 0–3 is [1 ? 2 ?]: frames 1 and 3 from call 1; window 2–5 is [2 103 3 ?]: frame 5 from call 2; then none is missing.
    assert.deepEqual(framesOf(out), [1, 101, 2, 103, 3, 203, 4]);
    assert.deepEqual(calls.map((c) => c.frames), [[0, 2], [0, 1, 2]]);
    assert.deepEqual(calls[1]!.known, [2, 103, 3]);
  });

  it('on the Gaussian video, guided Heun fills the frames between given ones (shapes, given frames exact)', () => {
    const video = new GaussianVideo(4, 2), sigmas = karrasSigmas(8, { sigmaMax: 20 });
    const D = video.denoiser();
    const sampleBlock: BlockSampler = (c) => sampleHeun(reconstructionGuidedDenoiser(D, c, 3), c.known.mul(0), sigmas);
    const coarse = arange(2 * 3 * 2).mul(0.1).reshape([2, 1, 3, 1, 2]).to('float64');
    const out = interpolateFrames(sampleBlock, coarse, { blockFrames: 4, factor: 2 });
    assert.deepEqual(out.shape, [2, 1, 5, 1, 2]);
    for (const k of [0, 1, 2]) assert.deepEqual(Array.from(out.narrow(2, 2 * k, 1).dataSync()), Array.from(coarse.narrow(2, k, 1).dataSync()));
  });
});
