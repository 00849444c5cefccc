import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor } from '@diffusion-ts/tensor';
import { gmm1d2, gmm2d8 } from './gaussian-mixture.ts';
import { gmmClassifierGradient, gmmDenoiser } from './denoiser.ts';

describe('gmmDenoiser / gmmClassifierGradient', () => {
  it('wrap the mixture’s exact denoiser and classifier gradient, keeping shape and dtype', () => {
    const points = gmm2d8.sample(5, new Generator(1));
    for (const dtype of ['float64', 'float32'] as const) {
      const x = tensor(points, { shape: [5, 2], dtype });
      const d = gmmDenoiser(gmm2d8)(x, 0.7);
      assert.deepEqual([d.shape, d.dtype], [[5, 2], dtype]);
      const expected = gmm2d8.denoise(x.dataSync(), 0.7);
      d.dataSync().forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= (dtype === 'float64' ? 0 : 1e-6)));
    }
    const x = tensor(points, { shape: [5, 2, 1], dtype: 'float64' }); // [B, …] with d entries per sample
    const g = gmmClassifierGradient(gmm2d8, [0, 1, 2, 3, 4])(x, 0.3);
    assert.deepEqual([...g.dataSync()], [...gmm2d8.classifierGradient(points, 0.3, [0, 1, 2, 3, 4])]);
  });

  it('rejects a batch whose samples are not points of the mixture', () => {
    assert.throws(() => gmmDenoiser(gmm1d2)(tensor([[1, 2]]), 1), /gmmDenoiser: x of shape \[1,2\] is not a batch \[B, …\] of 1-dimensional points/);
    assert.throws(() => gmmDenoiser(gmm1d2)(tensor([1, 2]), 1), /not a batch/);
  });
});
