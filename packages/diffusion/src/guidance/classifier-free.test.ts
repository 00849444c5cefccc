import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GaussianMixture, gmm2d8 } from '../gmm/gaussian-mixture.ts';
import { gmmDenoiser } from '../gmm/denoiser.ts';
import { countEvaluations } from '../samplers/count-evaluations.ts';
import { sampleHeun } from '../samplers/heun.ts';
import { karrasSigmas } from '../schedules/sigmas.ts';
import { purityAndDiversity } from '../testing/guidance-checks.ts';
import { latents, rmsDistance } from '../testing/mixture-checks.ts';
import { classifierFree } from './classifier-free.ts';

/** The exact conditional model of class y of gmm2d8: its component y alone. */
const componentOf = (mixture: GaussianMixture, y: number): GaussianMixture =>
  new GaussianMixture({
    weights: [1],
    means: [Array.from(mixture.means.subarray(y * mixture.d, (y + 1) * mixture.d))],
    variances: [Array.from(mixture.variances.subarray(y * mixture.d, (y + 1) * mixture.d))],
  });

describe('classifierFree (Ho & Salimans 2022)', () => {
  const cond = gmmDenoiser(componentOf(gmm2d8, 0));
  const uncond = gmmDenoiser(gmm2d8);

  it('is D_u + s (D_c − D_u): s = 0 unconditional, s = 1 conditional; two evaluations per call', () => {
    const x = latents(16, 2, 1, 1.5);
    assert.ok(rmsDistance(classifierFree(cond, uncond, 0)(x, 1.5).dataSync(), uncond(x, 1.5).dataSync(), 2) < 1e-15);
    assert.ok(rmsDistance(classifierFree(cond, uncond, 1)(x, 1.5).dataSync(), cond(x, 1.5).dataSync(), 2) < 1e-15);
    const u = uncond(x, 1.5).dataSync(), c = cond(x, 1.5).dataSync();
    const guided = classifierFree(cond, uncond, 3)(x, 1.5).dataSync();
    assert.ok(rmsDistance(guided, u.map((v, i) => v + 3 * (c[i]! - v)), 2) < 1e-14);
    const cc = countEvaluations(cond), cu = countEvaluations(uncond);
    classifierFree(cc.denoise, cu.denoise, 2)(x, 1);
    assert.deepEqual([cc.count, cu.count], [1, 1]);
  });

  it('on gmm2d8, raising the scale raises class purity and lowers diversity (any sampler takes it)', () => {
    const sigmas = karrasSigmas(32);
    const x = latents(1000, 2, 5, sigmas[0]);
    const stats = [0, 0.5, 1, 2, 4].map((scale) => purityAndDiversity(sampleHeun(classifierFree(cond, uncond, scale), x, sigmas).dataSync(), gmm2d8, 0));
    stats.slice(1).forEach((s, k) => {
      assert.ok(s.purity > stats[k]!.purity, `purity ${stats.map((t) => t.purity)}`);
      assert.ok(s.diversity < stats[k]!.diversity, `diversity ${stats.map((t) => t.diversity)}`);
    });
    assert.ok(Math.abs(stats[0]!.purity - 1 / 8) < 0.05 && stats[2]!.purity > 0.99);
  });
});
