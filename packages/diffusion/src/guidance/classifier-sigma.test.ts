import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, noGrad, tensor, type Tensor } from '@diffusion-ts/tensor';
import { GaussianMixture, gmm2d8 } from '../gmm/gaussian-mixture.ts';
import { gmmClassifierGradient, gmmDenoiser } from '../gmm/denoiser.ts';
import { sampleDpmSolver2M } from '../samplers/dpm-solver.ts';
import { sampleHeun } from '../samplers/heun.ts';
import { karrasSigmas } from '../schedules/sigmas.ts';
import { purityAndDiversity } from '../testing/guidance-checks.ts';
import { latents, rmsDistance } from '../testing/mixture-checks.ts';
import { classifierGuidedDenoiser, logitsGradient } from './classifier-sigma.ts';

const labelsOf = (n: number, y: number): number[] => Array.from({ length: n }, () => y);

describe('classifierGuidedDenoiser in sigma space: D + σ² s ∇ ln p(y | x; σ)', () => {
  it('with the exact noisy classifier and s = 1, it is the exact conditional denoiser E[x₀ | x, y]', () => {
    const y = 3;
    const component = new GaussianMixture({ weights: [1], means: [Array.from(gmm2d8.means.subarray(2 * y, 2 * y + 2))], variances: [0.01] });
    const x = latents(32, 2, 2, 1);
    for (const sigma of [0.05, 0.4, 2, 20]) {
      const guided = classifierGuidedDenoiser(gmmDenoiser(gmm2d8), gmmClassifierGradient(gmm2d8, labelsOf(32, y)), 1)(x, sigma);
      assert.ok(rmsDistance(guided.dataSync(), gmmDenoiser(component)(x, sigma).dataSync(), 2) < 1e-12 * (1 + sigma), `sigma ${sigma}`);
    }
  });

  it('logitsGradient: autodiff of log softmax(logits)_y equals the analytic classifier gradient, even under noGrad', () => {
    // gmm2d8's noisy classifier as logits: ln w_c − |x − μ_c|²/(2(v + σ²)), equal weights and variances.
    const means = tensor(gmm2d8.means, { shape: [1, 8, 2], dtype: 'float64' });
    const logits = (x: Tensor, sigma: number): Tensor => x.unsqueeze(1).sub(means).square().sum(2).mul(-0.5 / (0.01 + sigma * sigma));
    const labels = [0, 1, 2, 3, 4, 5, 6, 7, 0, 5];
    const x = latents(10, 2, 3, 0.8);
    for (const sigma of [0.1, 1]) {
      const auto = noGrad(() => logitsGradient(logits, labels)(x, sigma));
      const exact = gmmClassifierGradient(gmm2d8, labels)(x, sigma);
      assert.ok(rmsDistance(auto.dataSync(), exact.dataSync(), 2) < 1e-10, `sigma ${sigma}`);
    }
    assert.throws(() => logitsGradient(logits, [9])(latents(1, 2, 0), 1), /label 9 is not in \[0, 8\)/);
  });

  it('on gmm2d8, raising the scale raises class purity and lowers diversity (Heun and DPM-Solver++ alike)', () => {
    const sigmas = karrasSigmas(32);
    const x = latents(1000, 2, 5, sigmas[0]);
    const grad = gmmClassifierGradient(gmm2d8, labelsOf(1000, 0));
    for (const sampler of [sampleHeun, sampleDpmSolver2M]) {
      const stats = [0, 0.5, 1, 2, 4].map((scale) =>
        purityAndDiversity(sampler(classifierGuidedDenoiser(gmmDenoiser(gmm2d8), grad, scale), x, sigmas).dataSync(), gmm2d8, 0),
      );
      stats.slice(1).forEach((s, k) => {
        assert.ok(s.purity > stats[k]!.purity, `purity ${stats.map((t) => t.purity)}`);
        assert.ok(s.diversity < stats[k]!.diversity, `diversity ${stats.map((t) => t.diversity)}`);
      });
      assert.ok(Math.abs(stats[0]!.purity - 1 / 8) < 0.05 && stats[2]!.purity > 0.99);
    }
  });
});
