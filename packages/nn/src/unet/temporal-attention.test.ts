import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, noGrad, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { leaf } from '@diffusion-ts/tensor/testing';
import { TemporalAttentionBlock } from './temporal-attention.ts';
import { jointTrainingMask } from './video-unet.ts';
import { gradcheckModule, maxAbsDiff, randomizeParameters } from '../testing/modules.ts';

/** Rows of x [B·F, C, H, W] reordered within each clip: frame f of the result is frame perm[f] of x. */
function permuteFrames(x: Tensor, frames: number, perm: readonly number[]): Tensor {
  const [bf, ...rest] = x.shape as number[];
  const b = bf! / frames;
  const index = Int32Array.from({ length: bf! }, (_, r) => Math.floor(r / frames) * frames + perm[r % frames]!);
  return x.indexSelect(0, tensor(index, { dtype: 'int32' })).reshape(b * frames, ...rest);
}

const block = (maxRelativeDistance: number | null, g: Generator, useNewAttentionOrder = false): TemporalAttentionBlock => {
  const m = new TemporalAttentionBlock({ channels: 8, numHeads: 2, numGroups: 4, maxRelativeDistance, useNewAttentionOrder, generator: g });
  randomizeParameters(m, g, 0.5);
  return m;
};

describe('TemporalAttentionBlock', () => {
  it('starts as the identity (zero proj_out and zero position bias)', () => {
    const m = new TemporalAttentionBlock({ channels: 8, numHeads: 2, numGroups: 4, maxRelativeDistance: 3, generator: new Generator(0) });
    const x = randn([6, 8, 2, 3]);
    assert.deepEqual(m.forward(x, 3).dataSync(), x.dataSync());
    assert.deepEqual(m.relativePositionBias!.shape, [2, 7]);
  });

  it('without a position term, permuting the frames permutes the output (fast-check over permutations)', () => {
    const g = new Generator(1);
    for (const useNewAttentionOrder of [false, true]) {
      const m = block(null, g, useNewAttentionOrder);
      const frames = 5, x = randn([2 * frames, 8, 2, 2], { generator: g });
      const y = m.forward(x, frames);
      fc.assert(fc.property(fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }), (perm) => {
        const yPerm = m.forward(permuteFrames(x, frames, perm), frames);
        assert.ok(maxAbsDiff(yPerm.dataSync(), permuteFrames(y, frames, perm).dataSync()) < 1e-5);
      }), { numRuns: 10 });
    }
  });

  it('with the relative position bias, reversing the frames is no longer an equivariance', () => {
    const g = new Generator(2);
    const m = block(4, g), frames = 5, reverse = [4, 3, 2, 1, 0];
    const x = randn([frames, 8, 2, 2], { generator: g });
    const gap = maxAbsDiff(m.forward(permuteFrames(x, frames, reverse), frames).dataSync(), permuteFrames(m.forward(x, frames), frames, reverse).dataSync());
    assert.ok(gap > 1e-2, `max difference ${gap}`);
  });

  it('the position bias depends only on the clipped offset j − i (a Toeplitz matrix per head)', () => {
    const g = new Generator(3);
    const m = block(2, g), frames = 6, k = 2;
    const table = m.relativePositionBias!.dataSync(), bias = m.positionBias(frames)!;
    assert.deepEqual(bias.shape, [2, frames, frames]);
    const values = bias.dataSync();
    for (let h = 0; h < 2; h++) {
      for (let i = 0; i < frames; i++) {
        for (let j = 0; j < frames; j++) {
          const offset = Math.max(-k, Math.min(k, j - i));
          assert.equal(values[(h * frames + i) * frames + j], table[h * (2 * k + 1) + offset + k]);
        }
      }
    }
  });

  it('the joint-training mask keeps image frames to themselves and lets video frames see one another', () => {
    const g = new Generator(4);
    const m = block(3, g), frames = 4, keep = jointTrainingMask(frames, 2);
    assert.deepEqual(Array.from(keep.dataSync()), [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const x = randn([frames, 8, 2, 2], { generator: g });
    const y = m.forward(x, frames, keep).dataSync();
    const perFrame = 8 * 2 * 2;
    const frame = (data: ArrayLike<number>, f: number) => Array.from(data).slice(f * perFrame, (f + 1) * perFrame);
    for (const changed of [0, 2]) {
      // a random change of one frame (a constant one would vanish in the per-frame GroupNorm)
      const delta = randn(x.shape, { generator: g }).mul(tensor(Float32Array.from({ length: x.numel() }, (_, i) => (Math.floor(i / perFrame) === changed ? 1 : 0)), { shape: x.shape }));
      const x2 = noGrad(() => x.add(delta));
      const y2 = m.forward(x2, frames, keep).dataSync();
      for (let f = 0; f < frames; f++) {
        const connected = f === changed || (f < 2 && changed < 2);
        const gap = maxAbsDiff(frame(y, f), frame(y2, f));
        if (connected) assert.ok(gap > 1e-4, `frame ${f} should see frame ${changed}`);
        else assert.equal(gap, 0, `frame ${f} must not see frame ${changed}`);
      }
    }
  });

  it('gradcheck (float64) wrt the input and every parameter, with the position bias and the joint-training mask', () => {
    const g = new Generator(5);
    const m = new TemporalAttentionBlock({ channels: 4, numHeads: 2, numGroups: 2, maxRelativeDistance: 2, generator: g });
    const keep = jointTrainingMask(3, 1).to('float64');
    gradcheckModule(m, [leaf([6, 4, 1, 2], g)], (x) => m.forward(x, 3, keep), g, { mode: 'direction' });
    gradcheckModule(m, [leaf([3, 4, 2, 1], g)], (x) => m.forward(x, 3), g, { mode: 'direction' });
  });

  it('rejects batches that are not whole clips, and mismatched masks', () => {
    const m = new TemporalAttentionBlock({ channels: 8, numGroups: 4, maxRelativeDistance: null, generator: new Generator(0) });
    assert.throws(() => m.forward(randn([5, 8, 2, 2]), 2), /not whole clips of 2 frames/);
    assert.throws(() => m.forward(randn([4, 8, 2, 2]), 2, jointTrainingMask(3, 1)), /keep mask must be \[2, 2\]/);
    assert.throws(() => new TemporalAttentionBlock({ channels: 8, numHeads: 3, maxRelativeDistance: null, generator: new Generator(0) }), /not divisible into 3 heads/);
  });
});
