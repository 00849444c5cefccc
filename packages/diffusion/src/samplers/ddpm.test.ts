import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, type Tensor } from '@diffusion-ts/tensor';
import { linearBetas } from '../schedules/betas.ts';
import { GaussianDiffusion, type GaussianDiffusionOptions } from '../gaussian/diffusion.ts';
import { spacedDiffusion } from '../gaussian/spaced-diffusion.ts';
import { ddimTimesteps, spaceTimesteps } from '../gaussian/space-timesteps.ts';
import { mixtureOracle } from '../testing/mixture-oracle.ts';
import { gaussianChainMoments } from '../testing/gaussian-chain.ts';
import type { StepInfo } from '../types.ts';
import { randnFrom } from './noise.ts';
import { sampleDdpm } from './ddpm.ts';

const m = 0.1, s = 0.2;
const gaussian = [{ weight: 1, mean: m, std: s }];
const moments = (x: Tensor) => {
  const v = Float64Array.from(x.dataSync()), n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  return { mean, variance: v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1), n };
};
/** Sample mean and variance within 4 standard errors of the target's (Gaussian samples). */
function assertMoments(x: Tensor, target: { mean: number; variance: number }, what: string) {
  const { mean, variance, n } = moments(x);
  assert.ok(Math.abs(mean - target.mean) <= 4 * Math.sqrt(target.variance / n), `${what}: mean ${mean} vs ${target.mean}`);
  assert.ok(Math.abs(variance - target.variance) <= 4 * target.variance * Math.sqrt(2 / (n - 1)), `${what}: variance ${variance} vs ${target.variance}`);
}
const seeds = (n: number, from = 0) => Array.from({ length: n }, (_, k) => new Generator(from + k));
const sample = (d: GaussianDiffusion, N: number, seed: number) =>
  sampleDdpm(d, mixtureOracle(d, gaussian), randnFrom(new Generator(seed), [N, 1], 'float64'), { noise: new Generator(seed + 1), clipDenoised: false });

// On Gaussian data every reverse step is affine-Gaussian, so the sampler's output law is known exactly
// (testing/gaussian-chain.ts): the samples are checked against it, and it against the data.
describe('sampleDdpm (Ho et al. Algorithm 2) on 1-D Gaussian data with the exact denoiser', () => {
  it('its samples have the exact moments of its Gaussian chain, for fixed small, fixed large and learned variances', () => {
    for (const ddpm of ['fixedSmall', 'fixedLarge', 'exact'] as const) {
      const modelVarType = ddpm === 'exact' ? 'learnedRange' : ddpm;
      const d = spacedDiffusion(linearBetas(1000), spaceTimesteps(1000, [50]), { modelVarType });
      assertMoments(sample(d, 2000, 3), gaussianChainMoments(d, m, s, { ddpm }), ddpm);
    }
  });

  it('those moments approach the data as steps grow (fixed variances), and are exact at any step count with the learned variance', () => {
    for (const ddpm of ['fixedSmall', 'fixedLarge'] as const) {
      const errors = [25, 100, 1000, 4000].map((T) => Math.abs(gaussianChainMoments(new GaussianDiffusion(linearBetas(T)), m, s, { ddpm }).variance - s * s));
      errors.slice(1).forEach((e, k) => assert.ok(e < errors[k]!, `${ddpm}: ${errors}`));
      assert.ok(errors[3]! < 0.012 * s * s, `${ddpm}: ${errors}`);
    }
    // Ho et al. Section 3.2: σ² = β_t is optimal for x0 ~ N(0, I); then even 25 steps are exact, up to the
    // noiseless last step, which returns E[x0 | x_1] = √ᾱ₁ x_1 of variance ᾱ₁.
    const wideProcess = new GaussianDiffusion(linearBetas(25));
    const wide = gaussianChainMoments(wideProcess, 0, 1, { ddpm: 'fixedLarge' });
    assert.ok(Math.abs(wide.variance - wideProcess.alphasCumprod[0]!) < 1e-12 && Math.abs(wide.mean) < 1e-15, JSON.stringify(wide));
    for (const n of [10, 25, 100]) {
      const d = spacedDiffusion(linearBetas(1000), spaceTimesteps(1000, [n]), { modelVarType: 'learnedRange' });
      const ab1 = d.alphasCumprod[0]!; // the last step returns E[x0 | x_1], narrower than the data by Var[x0 | x_1]
      const { mean, variance } = gaussianChainMoments(d, m, s, { ddpm: 'exact' });
      assert.ok(Math.abs(variance - (s * s - (s * s * (1 - ab1)) / (ab1 * s * s + 1 - ab1))) < 1e-6, `${n} steps: ${variance}`);
      assert.ok(Math.abs(mean - m) < 1e-5);
    }
  });

  it('iDDPM strided sampling: 25 respaced steps with the learned variance match the data, fixed small variances are under-dispersed', () => {
    const run = (options: GaussianDiffusionOptions) => {
      const d = spacedDiffusion(linearBetas(1000), spaceTimesteps(1000, [25]), options);
      return { d, x: sample(d, 2000, 5) };
    };
    const { d, x } = run({ modelVarType: 'learnedRange' });
    const ab1 = d.alphasCumprod[0]!;
    assertMoments(x, { mean: m, variance: s * s - (s * s * (1 - ab1)) / (ab1 * s * s + 1 - ab1) }, 'learned range, 25 steps');
    const fixed = moments(run({ modelVarType: 'fixedSmall' }).x);
    assert.ok(fixed.variance < 0.6 * s * s, `fixed small at 25 steps: ${fixed.variance}`);
  });
});

describe('sampleDdpm: noise and reporting', () => {
  it('sample k with seed s is the same alone or in a batch, and onStep reports every step with x0 predictions', () => {
    const d = spacedDiffusion(linearBetas(1000), ddimTimesteps(1000, 20));
    const model = mixtureOracle(d, [{ weight: 0.5, mean: -0.5, std: 0.1 }, { weight: 0.5, mean: 0.4, std: 0.2 }]);
    const steps: StepInfo[] = [];
    const batch = sampleDdpm(d, model, randnFrom(seeds(5, 10), [5, 1], 'float64'), { noise: seeds(5, 100), onStep: (info) => steps.push(info) });
    const alone = sampleDdpm(d, model, randnFrom(seeds(1, 13), [1, 1], 'float64'), { noise: seeds(1, 103) });
    assert.equal(batch.dataSync()[3], alone.dataSync()[0]);
    assert.deepEqual(steps.map((st) => [st.i, st.t]), Array.from({ length: 20 }, (_, i) => [i, 19 - i]));
    assert.deepEqual([...steps[19]!.x.dataSync()], [...batch.dataSync()]);
    assert.deepEqual(steps[0]!.denoised.shape, [5, 1]);
  });

  it('one seeded step is x_{t−1} = μ̃(x̂₀, x_t) + √β_t·z with the next draws (Eq. 7 and Algorithm 2 of Ho et al.); the last step adds no noise', () => {
    const d = new GaussianDiffusion([0.1, 0.2, 0.3], { modelVarType: 'fixedLarge' }); // σ_t² = β_t for t > 0
    const epsModel = (xt: Tensor) => xt.mul(0.3);
    const g0 = new Generator(2);
    const xT = Array.from({ length: 4 }, () => g0.normal());
    const states: Tensor[] = [];
    const x0 = sampleDdpm(d, epsModel, randnFrom(new Generator(2), [2, 2], 'float64'), { noise: new Generator(7), clipDenoised: false, onStep: ({ x }) => states.push(x) }).dataSync();
    const beta = d.betas, ab = d.alphasCumprod;
    const predX0 = (x: number, t: number) => (x - Math.sqrt(1 - ab[t]!) * 0.3 * x) / Math.sqrt(ab[t]!); // x̂₀ from ε_θ = 0.3·x
    const posteriorMean = (x: number, t: number) => {
      const abPrev = t === 0 ? 1 : ab[t - 1]!;
      return (Math.sqrt(abPrev) * beta[t]! / (1 - ab[t]!)) * predX0(x, t) + (Math.sqrt(1 - beta[t]!) * (1 - abPrev) / (1 - ab[t]!)) * x;
    };
    const g = new Generator(7);
    const first = states[0]!.dataSync(), x1 = states[1]!.dataSync();
    xT.forEach((x, k) => {
      const expected = posteriorMean(x, 2) + Math.sqrt(beta[2]!) * g.normal();
      assert.ok(Math.abs(first[k]! - expected) < 1e-12, `x_1 entry ${k}: ${first[k]} vs ${expected}`);
    });
    x1.forEach((x, k) => assert.ok(Math.abs(x0[k]! - posteriorMean(x, 0)) < 1e-12, `x_0 entry ${k}: ${x0[k]} vs ${posteriorMean(x, 0)}`));
  });

  it('runs in float32', () => {
    const d = new GaussianDiffusion(linearBetas(50));
    const x = sampleDdpm(d, (xt) => xt.mul(0), randnFrom(new Generator(0), [3, 2], 'float32'), { noise: new Generator(1) });
    assert.equal(x.dtype, 'float32');
    assert.ok([...x.dataSync()].every(Number.isFinite));
  });
});
