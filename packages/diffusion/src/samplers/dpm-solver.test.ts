import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GaussianMixture, gmm1d2, gmm2d8 } from '../gmm/gaussian-mixture.ts';
import { gmmDenoiser } from '../gmm/denoiser.ts';
import { karrasSigmas } from '../schedules/sigmas.ts';
import { assertMatchesMixture, gaussian2d, gaussianOdeEndpoint, latents, rmsDistance } from '../testing/mixture-checks.ts';
import { countEvaluations } from './count-evaluations.ts';
import { sampleDpmSolver2M } from './dpm-solver.ts';
import { sampleEuler } from './euler.ts';
import { sampleHeun } from './heun.ts';

const gaussian = new GaussianMixture({ weights: [1], means: [[...gaussian2d.mean]], variances: [[...gaussian2d.variance]] });

describe('sampleDpmSolver2M (DPM-Solver++(2M), Lu et al. 2022)', () => {
  it('costs one evaluation per step', () => {
    const counted = countEvaluations(gmmDenoiser(gmm2d8));
    sampleDpmSolver2M(counted.denoise, latents(4, 2, 0, 80), karrasSigmas(18));
    assert.equal(counted.count, 18);
  });

  it('two steps by hand: a first-order (DDIM) step, then the multistep extrapolation; one step to 0 returns D', () => {
    const D = gmmDenoiser(gmm1d2);
    const x = latents(3, 1, 5, 4);
    const [s0, s1, s2] = [4, 1, 0.25];
    const x1 = x.mul(s1 / s0).add(D(x, s0).mul(1 - s1 / s0));
    const h = Math.log(s1 / s2), hLast = Math.log(s0 / s1), r = hLast / h;
    const dHat = D(x1, s1).mul(1 + 1 / (2 * r)).sub(D(x, s0).mul(1 / (2 * r)));
    const x2 = x1.mul(s2 / s1).sub(dHat.mul(Math.expm1(-h)));
    const got = sampleDpmSolver2M(D, x, [s0, s1, s2]).dataSync();
    assert.ok(rmsDistance(got, x2.dataSync(), 1) < 1e-14);
    assert.deepEqual(sampleDpmSolver2M(D, x, [s0, 0]).dataSync(), D(x, s0).dataSync());
  });

  it('is deterministic and second order: the error against the exact ODE solution falls ~4x as the steps double', () => {
    const error = (n: number): number => {
      const sigmas = karrasSigmas(n);
      const x = latents(64, 2, 3, sigmas[0]);
      const out = sampleDpmSolver2M(gmmDenoiser(gaussian), x, sigmas).dataSync();
      assert.deepEqual(out, sampleDpmSolver2M(gmmDenoiser(gaussian), x, sigmas).dataSync());
      return rmsDistance(out, gaussianOdeEndpoint(x.dataSync(), sigmas[0]!), 2);
    };
    const errors = [8, 16, 32, 64].map(error);
    errors.slice(1).forEach((e, k) => assert.ok(e < errors[k]!, `errors ${errors}`));
    const order = Math.log2(errors[2]! / errors[3]!);
    assert.ok(order > 1.8 && order < 2.4, `observed order ${order}`);
  });

  it('beats Euler at equal evaluations against a 1000-step Heun reference on gmm2d8', () => {
    const D = gmmDenoiser(gmm2d8);
    const x = latents(128, 2, 3, 80);
    const reference = sampleHeun(D, x, karrasSigmas(1000)).dataSync();
    for (const n of [15, 31, 63]) {
      const dpm = rmsDistance(sampleDpmSolver2M(D, x, karrasSigmas(n)).dataSync(), reference, 2);
      const euler = rmsDistance(sampleEuler(D, x, karrasSigmas(n)).dataSync(), reference, 2);
      assert.ok(dpm < euler, `${n} steps: DPM-Solver++(2M) ${dpm} vs Euler ${euler}`);
    }
  });

  it('given the exact denoiser, matches the mixture (mean, covariance, weights) at 32 steps', () => {
    for (const [name, mixture] of [['gmm2d8', gmm2d8], ['gmm1d2', gmm1d2]] as const) {
      const sigmas = karrasSigmas(32);
      const out = sampleDpmSolver2M(gmmDenoiser(mixture), latents(2000, mixture.d, 7, sigmas[0]), sigmas);
      assertMatchesMixture(out.dataSync(), mixture, `DPM-Solver++(2M) on ${name}`);
    }
  });
});
