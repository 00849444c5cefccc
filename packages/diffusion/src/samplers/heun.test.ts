import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GaussianMixture, gmm1d2, gmm2d8 } from '../gmm/gaussian-mixture.ts';
import { gmmDenoiser } from '../gmm/denoiser.ts';
import { karrasSigmas } from '../schedules/sigmas.ts';
import { assertMatchesMixture, gaussian2d, gaussianOdeEndpoint, latents, rmsDistance } from '../testing/mixture-checks.ts';
import { countEvaluations } from './count-evaluations.ts';
import { sampleEuler } from './euler.ts';
import { sampleHeun } from './heun.ts';

const gaussian = new GaussianMixture({ weights: [1], means: [[...gaussian2d.mean]], variances: [[...gaussian2d.variance]] });

describe('sampleHeun (Algorithm 2 of Karras et al. 2022, S_churn = 0)', () => {
  it('skips the correction on the last step: 18 steps cost 35 evaluations', () => {
    const counted = countEvaluations(gmmDenoiser(gmm2d8));
    sampleHeun(counted.denoise, latents(4, 2, 0, 80), karrasSigmas(18));
    assert.equal(counted.count, 35);
  });

  it('is deterministic: identical input gives identical output', () => {
    const run = () => sampleHeun(gmmDenoiser(gmm2d8), latents(16, 2, 1, 80), karrasSigmas(10)).dataSync();
    assert.deepEqual(run(), run());
  });

  it('one step by hand: the trapezoidal rule of Algorithm 2, lines 7–11', () => {
    const D = gmmDenoiser(gmm1d2);
    const x = latents(3, 1, 5, 2);
    const [sigma, sigmaNext] = [2, 0.5];
    const d = x.sub(D(x, sigma)).div(sigma);
    const xEuler = x.add(d.mul(sigmaNext - sigma));
    const dPrime = xEuler.sub(D(xEuler, sigmaNext)).div(sigmaNext);
    const expected = x.add(d.add(dPrime).mul(0.5 * (sigmaNext - sigma)));
    assert.deepEqual(sampleHeun(D, x, [sigma, sigmaNext]).dataSync(), expected.dataSync());
  });

  it('is second order: the endpoint error against the exact ODE solution falls ~4x as the steps double', () => {
    const error = (n: number): number => {
      const sigmas = karrasSigmas(n);
      const x = latents(64, 2, 3, sigmas[0]);
      return rmsDistance(sampleHeun(gmmDenoiser(gaussian), x, sigmas).dataSync(), gaussianOdeEndpoint(x.dataSync(), sigmas[0]!), 2);
    };
    const errors = [8, 16, 32, 64].map(error);
    errors.slice(1).forEach((e, k) => assert.ok(e < errors[k]!, `error ${e} at step count #${k + 1} did not fall`));
    const order = Math.log2(errors[2]! / errors[3]!);
    assert.ok(order > 1.8 && order < 2.4, `observed order ${order}`);
  });

  it('beats Euler at equal evaluations against a 1000-step reference on gmm2d8, and its error falls with steps', () => {
    const D = gmmDenoiser(gmm2d8);
    const x = latents(128, 2, 3, 80);
    const reference = sampleHeun(D, x, karrasSigmas(1000)).dataSync();
    const heunErrors: number[] = [];
    for (const n of [8, 16, 32, 64]) heunErrors.push(rmsDistance(sampleHeun(D, x, karrasSigmas(n)).dataSync(), reference, 2));
    heunErrors.slice(1).forEach((e, k) => assert.ok(e < heunErrors[k]!, `Heun error did not fall: ${heunErrors}`));
    // Equal NFE: N Heun steps cost 2N − 1, as many as 2N − 1 Euler steps. (At ≤ 31 NFE the two are
    // comparable on this sharp mixture; see bench/samplers/results.md.)
    for (const [k, n] of [[2, 32], [3, 64]] as const) {
      const euler = rmsDistance(sampleEuler(D, x, karrasSigmas(2 * n - 1)).dataSync(), reference, 2);
      assert.ok(heunErrors[k]! < euler / 2, `Heun ${n} steps: ${heunErrors[k]} vs Euler ${2 * n - 1} steps: ${euler}`);
    }
  });

  it('given the exact denoiser, matches the mixture (mean, covariance, weights) at 32 steps', () => {
    for (const [name, mixture] of [['gmm2d8', gmm2d8], ['gmm1d2', gmm1d2]] as const) {
      const sigmas = karrasSigmas(32);
      const out = sampleHeun(gmmDenoiser(mixture), latents(2000, mixture.d, 7, sigmas[0]), sigmas);
      assertMatchesMixture(out.dataSync(), mixture, `Heun on ${name}`);
    }
  });
});
