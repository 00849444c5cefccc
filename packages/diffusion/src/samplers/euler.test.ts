import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '@diffusion-ts/tensor';
import { GaussianMixture, gmm1d2, gmm2d8 } from '../gmm/gaussian-mixture.ts';
import { gmmDenoiser } from '../gmm/denoiser.ts';
import { karrasSigmas } from '../schedules/sigmas.ts';
import { assertMatchesMixture, gaussian2d, gaussianOdeEndpoint, latents, rmsDistance } from '../testing/mixture-checks.ts';
import type { StepInfo } from '../types.ts';
import { countEvaluations } from './count-evaluations.ts';
import { randnFrom } from './noise.ts';
import { sampleEuler } from './euler.ts';

const gaussian = new GaussianMixture({ weights: [1], means: [[...gaussian2d.mean]], variances: [[...gaussian2d.variance]] });

describe('sampleEuler', () => {
  it('costs one evaluation per step and reports every step', () => {
    const counted = countEvaluations(gmmDenoiser(gmm2d8));
    const sigmas = karrasSigmas(18);
    const steps: StepInfo[] = [];
    sampleEuler(counted.denoise, latents(4, 2, 0, 80), sigmas, { onStep: (s) => steps.push(s) });
    assert.equal(counted.count, 18);
    assert.deepEqual(steps.map((s) => [s.i, s.sigma]), Array.from({ length: 18 }, (_, i) => [i, sigmas[i]]));
  });

  it('is deterministic: identical input gives identical output', () => {
    const run = () => sampleEuler(gmmDenoiser(gmm2d8), latents(16, 2, 1, 80), karrasSigmas(10)).dataSync();
    assert.deepEqual(run(), run());
  });

  it('is first order: the endpoint error against the exact ODE solution halves as the steps double', () => {
    const error = (n: number): number => {
      const sigmas = karrasSigmas(n);
      const x = latents(64, 2, 3, sigmas[0]);
      return rmsDistance(sampleEuler(gmmDenoiser(gaussian), x, sigmas).dataSync(), gaussianOdeEndpoint(x.dataSync(), sigmas[0]!), 2);
    };
    const errors = [8, 16, 32, 64].map(error);
    errors.slice(1).forEach((e, k) => assert.ok(e < errors[k]!, `error ${e} at step count #${k + 1} did not fall`));
    const order = Math.log2(errors[2]! / errors[3]!);
    assert.ok(order > 0.85 && order < 1.15, `observed order ${order}`);
  });

  it('given the exact denoiser, matches the mixture (mean, covariance, weights) at 128 steps', () => {
    for (const [name, mixture] of [['gmm2d8', gmm2d8], ['gmm1d2', gmm1d2]] as const) {
      const sigmas = karrasSigmas(128);
      const out = sampleEuler(gmmDenoiser(mixture), latents(2000, mixture.d, 7, sigmas[0]), sigmas);
      assertMatchesMixture(out.dataSync(), mixture, `Euler on ${name}`);
    }
  });

  it('with churn, sample k with seed s is the same alone or in a batch', () => {
    const seeds = [11, 12, 13, 14];
    const sigmas = karrasSigmas(12);
    const run = (batchSeeds: number[]) => {
      const gens = batchSeeds.map((s) => new Generator(s));
      const x = randnFrom(gens, [batchSeeds.length, 2], 'float64').mul(sigmas[0]!);
      return sampleEuler(gmmDenoiser(gmm2d8), x, sigmas, { sChurn: 10, noise: gens }).dataSync();
    };
    assert.deepEqual([...run(seeds).slice(4, 6)], [...run([13])]);
    assert.notDeepEqual([...run(seeds).slice(0, 2)], [...run(seeds).slice(2, 4)]);
  });

});
