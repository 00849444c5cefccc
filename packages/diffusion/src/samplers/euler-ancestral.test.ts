import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator } from '@diffusion-ts/tensor';
import { gmm1d2, gmm2d8 } from '../gmm/gaussian-mixture.ts';
import { gmmDenoiser } from '../gmm/denoiser.ts';
import { slicedWasserstein } from '../metrics/distances.ts';
import { karrasSigmas } from '../schedules/sigmas.ts';
import { assertMatchesMixture, latents } from '../testing/mixture-checks.ts';
import { countEvaluations } from './count-evaluations.ts';
import { randnFrom } from './noise.ts';
import { ancestralStep, sampleEulerAncestral } from './euler-ancestral.ts';
import { sampleEuler } from './euler.ts';

describe('ancestralStep (k-diffusion get_ancestral_step)', () => {
  it('splits sigmaNext² into sigmaDown² + sigmaUp², with sigmaUp the posterior std at eta = 1', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: 1e-3, max: 100 }), fc.double({ noNaN: true, min: 0, max: 1 }), fc.double({ noNaN: true, min: 0, max: 1 }), (sigma, frac, eta) => {
        const sigmaNext = sigma * frac;
        const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmaNext, eta);
        assert.ok(Math.abs(sigmaDown ** 2 + sigmaUp ** 2 - sigmaNext ** 2) <= 1e-12 * Math.max(sigmaNext ** 2, 1e-300));
        assert.ok(sigmaUp <= sigmaNext && sigmaDown >= 0);
        // η = 1: the variance of q(x_{σ_next} | x_σ, x₀) for x_σ = x₀ + σ n.
        const posterior = ancestralStep(sigma, sigmaNext, 1).sigmaUp ** 2;
        assert.ok(Math.abs(posterior - (sigmaNext ** 2 * (sigma ** 2 - sigmaNext ** 2)) / sigma ** 2) <= 1e-12 * sigma ** 2);
      }),
    );
    assert.deepEqual(ancestralStep(2, 1, 0), { sigmaDown: 1, sigmaUp: 0 });
  });
});

describe('sampleEulerAncestral', () => {
  it('costs one evaluation per step', () => {
    const counted = countEvaluations(gmmDenoiser(gmm2d8));
    sampleEulerAncestral(counted.denoise, latents(4, 2, 0, 80), karrasSigmas(18), { noise: new Generator(0) });
    assert.equal(counted.count, 18);
  });

  it('with eta = 0 it is the deterministic Euler sampler', () => {
    const x = latents(8, 2, 1, 80);
    const sigmas = karrasSigmas(10);
    const ancestral = sampleEulerAncestral(gmmDenoiser(gmm2d8), x, sigmas, { noise: new Generator(0), eta: 0 });
    assert.deepEqual(ancestral.dataSync(), sampleEuler(gmmDenoiser(gmm2d8), x, sigmas).dataSync());
  });

  it('sample k with seed s is the same alone or in a batch', () => {
    const sigmas = karrasSigmas(16);
    const run = (seeds: number[]) => {
      const gens = seeds.map((s) => new Generator(s));
      const x = randnFrom(gens, [seeds.length, 1], 'float64').mul(sigmas[0]!);
      return sampleEulerAncestral(gmmDenoiser(gmm1d2), x, sigmas, { noise: gens }).dataSync();
    };
    assert.deepEqual([...run([3, 4, 5, 6]).slice(2, 3)], [...run([5])]);
  });

  it('given the exact denoiser, matches the mixture (mean, covariance, weights) at 128 steps', () => {
    for (const [name, mixture] of [['gmm2d8', gmm2d8], ['gmm1d2', gmm1d2]] as const) {
      const sigmas = karrasSigmas(128);
      const out = sampleEulerAncestral(gmmDenoiser(mixture), latents(2000, mixture.d, 7, sigmas[0]), sigmas, { noise: new Generator(8) });
      assertMatchesMixture(out.dataSync(), mixture, `Euler ancestral on ${name}`);
    }
  });

  it('its sliced Wasserstein distance to the mixture falls as the steps grow (4, 8, 16; by 32 it is at the floor of 1000 samples)', () => {
    const exact = gmm2d8.sample(4000, new Generator(100));
    const distance = (n: number): number => {
      const sigmas = karrasSigmas(n);
      const out = sampleEulerAncestral(gmmDenoiser(gmm2d8), latents(1000, 2, 9, sigmas[0]), sigmas, { noise: new Generator(10) });
      return slicedWasserstein(out.dataSync(), exact, 2, { rand: new Generator(11) });
    };
    const distances = [4, 8, 16].map(distance);
    distances.slice(1).forEach((dist, k) => assert.ok(dist < distances[k]!, `distances ${distances}`));
  });
});
