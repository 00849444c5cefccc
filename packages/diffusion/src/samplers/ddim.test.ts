import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, type Tensor } from '@diffusion-ts/tensor';
import { linearBetas } from '../schedules/betas.ts';
import { GaussianDiffusion } from '../gaussian/diffusion.ts';
import { spacedDiffusion } from '../gaussian/spaced-diffusion.ts';
import { spaceTimesteps } from '../gaussian/space-timesteps.ts';
import { mixtureOracle } from '../testing/mixture-oracle.ts';
import { gaussianChainMoments } from '../testing/gaussian-chain.ts';
import { randnFrom } from './noise.ts';
import { ddimReverse, sampleDdim } from './ddim.ts';

const m = 0.1, s = 0.2;
const gaussian = [{ weight: 1, mean: m, std: s }];
const moments = (x: Tensor) => {
  const v = Float64Array.from(x.dataSync()), n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  return { mean, variance: v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1), n };
};
const seeds = (n: number, from = 0) => Array.from({ length: n }, (_, k) => new Generator(from + k));
const strided = (n: number | string) => spacedDiffusion(linearBetas(1000), spaceTimesteps(1000, typeof n === 'number' ? [n] : n));

describe('sampleDdim (Song et al. 2021, Eq. 12) on 1-D Gaussian data with the exact denoiser', () => {
  it('its samples have the exact moments of its (affine-Gaussian) chain, for η = 0, 0.5 and 1', () => {
    for (const eta of [0, 0.5, 1]) {
      const d = strided('ddim50');
      const x = sampleDdim(d, mixtureOracle(d, gaussian), randnFrom(new Generator(1), [2000, 1], 'float64'), { eta, noise: new Generator(2), clipDenoised: false });
      const target = gaussianChainMoments(d, m, s, { ddimEta: eta });
      const { mean, variance, n } = moments(x);
      assert.ok(Math.abs(mean - target.mean) <= 4 * Math.sqrt(target.variance / n), `η=${eta}: mean ${mean} vs ${target.mean}`);
      assert.ok(Math.abs(variance - target.variance) <= 4 * target.variance * Math.sqrt(2 / (n - 1)), `η=${eta}: variance ${variance} vs ${target.variance}`);
    }
  });

  it('those moments approach the data as steps grow; η = 1 has the moments of DDPM with fixed small variances', () => {
    const errors = [10, 50, 250, 1000].map((n) => Math.abs(gaussianChainMoments(n === 1000 ? new GaussianDiffusion(linearBetas(1000)) : strided(n), m, s, { ddimEta: 0 }).variance - s * s));
    errors.slice(1).forEach((e, k) => assert.ok(e < errors[k]!, `${errors}`));
    assert.ok(errors[3]! < 0.02 * s * s, `${errors}`);
    const d = strided(40);
    const ddim1 = gaussianChainMoments(d, m, s, { ddimEta: 1 }), ddpm = gaussianChainMoments(d, m, s, { ddpm: 'fixedSmall' });
    assert.ok(Math.abs(ddim1.variance - ddpm.variance) < 1e-12 && Math.abs(ddim1.mean - ddpm.mean) < 1e-12);
  });

  it('η = 0 is deterministic; ddimReverse then sampleDdim round-trips x0, with an error that falls like 1/steps', () => {
    const errors = [25, 100, 400].map((n) => {
      const d = strided(n);
      const model = mixtureOracle(d, [{ weight: 0.4, mean: -0.5, std: 0.15 }, { weight: 0.6, mean: 0.3, std: 0.2 }]);
      const x0 = randnFrom(new Generator(4), [64, 1], 'float64').mul(0.3);
      const xT = ddimReverse(d, model, x0, { clipDenoised: false });
      const back = sampleDdim(d, model, xT, { clipDenoised: false });
      if (n === 25) {
        assert.deepEqual([...xT.dataSync()], [...ddimReverse(d, model, x0, { clipDenoised: false }).dataSync()]);
        assert.deepEqual([...back.dataSync()], [...sampleDdim(d, model, xT, { clipDenoised: false }).dataSync()]);
        assert.ok(moments(xT).variance > 0.2, 'x_T should look like noise');
      }
      return Math.max(...Array.from(back.dataSync(), (v, i) => Math.abs(v - x0.dataSync()[i]!)));
    });
    // The encoder steps with ε̂(x_t) where the decoder uses ε̂(x_{t+1}): a first-order mismatch per step.
    assert.ok(errors[0]! > 3 * errors[1]! && errors[1]! > 3 * errors[2]!, `round-trip errors ${errors}`);
    assert.ok(errors[2]! < 0.02, `round-trip errors ${errors}`);
  });

  it('with η > 0, sample k with seed s is the same alone or in a batch; η > 0 without noise is an error', () => {
    const d = strided('ddim25');
    const model = mixtureOracle(d, gaussian);
    const batch = sampleDdim(d, model, randnFrom(seeds(4, 20), [4, 1], 'float64'), { eta: 1, noise: seeds(4, 50) });
    const alone = sampleDdim(d, model, randnFrom(seeds(1, 22), [1, 1], 'float64'), { eta: 1, noise: seeds(1, 52) });
    assert.equal(batch.dataSync()[2], alone.dataSync()[0]);
    assert.throws(() => sampleDdim(d, model, batch, { eta: -0.5 }), /sampleDdim: eta must be >= 0, got -0.5/);
  });
});
