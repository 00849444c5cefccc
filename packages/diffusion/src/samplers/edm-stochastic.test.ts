import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { gmm1d2, gmm2d8 } from '../gmm/gaussian-mixture.ts';
import { gmmDenoiser } from '../gmm/denoiser.ts';
import { slicedWasserstein } from '../metrics/distances.ts';
import { karrasSigmas } from '../schedules/sigmas.ts';
import { assertMatchesMixture, latents } from '../testing/mixture-checks.ts';
import { countEvaluations } from './count-evaluations.ts';
import { randnFrom } from './noise.ts';
import { sampleEdmStochastic } from './edm-stochastic.ts';
import { sampleHeun } from './heun.ts';
import { sampleEuler } from './euler.ts';

/** EDM's ImageNet-64 settings (NVlabs/edm README). */
const churnSettings = { sChurn: 40, sTmin: 0.05, sTmax: 50, sNoise: 1.003 };

describe('sampleEdmStochastic (Algorithm 2 of Karras et al. 2022)', () => {
  it('one seeded step is Algorithm 2, lines 4–11, by hand: the churned x̂ = x + √(σ̂² − σ²)·S_noise·ε, then Heun (or Euler) from σ̂', () => {
    // D(x; σ) = x·s²/(s² + σ²) is the exact denoiser of N(0, s²) data: elementwise, so each entry is computed alone.
    const s2 = 0.49, D = (x: number, sigma: number) => (x * s2) / (s2 + sigma * sigma);
    const denoise = (x: Tensor, sigma: number) => x.mul(s2 / (s2 + sigma * sigma));
    const x = [0.3, -1.2, 2.5, 0.7], sigmas = [2, 1, 0];
    const options = { sChurn: 0.6, sNoise: 1.5 }; // γ = min(0.6/2, √2 − 1) = 0.3, so σ̂ = 2.6
    const firstStep = (sampler: typeof sampleHeun) => {
      const states: Tensor[] = [];
      sampler(denoise, tensor(x, { dtype: 'float64', shape: [2, 2] }), sigmas, { ...options, noise: new Generator(8), onStep: ({ x: xi }) => states.push(xi) });
      return states[0]!.dataSync();
    };
    const g = new Generator(8);
    const sigma = 2, sigmaHat = 2.6, sigmaNext = 1;
    const heun = firstStep(sampleHeun), euler = firstStep(sampleEuler);
    x.forEach((xi, k) => {
      const xHat = xi + Math.sqrt(sigmaHat ** 2 - sigma ** 2) * 1.5 * g.normal();
      const d = (xHat - D(xHat, sigmaHat)) / sigmaHat;
      const xEuler = xHat + (sigmaNext - sigmaHat) * d;
      const dPrime = (xEuler - D(xEuler, sigmaNext)) / sigmaNext;
      const xHeun = xHat + 0.5 * (sigmaNext - sigmaHat) * (d + dPrime);
      assert.ok(Math.abs(heun[k]! - xHeun) < 1e-14, `Heun entry ${k}: ${heun[k]} vs ${xHeun}`);
      assert.ok(Math.abs(euler[k]! - xEuler) < 1e-14, `Euler entry ${k}: ${euler[k]} vs ${xEuler}`);
    });
  });

  it('costs 2N − 1 evaluations, like the deterministic Heun sampler', () => {
    const counted = countEvaluations(gmmDenoiser(gmm2d8));
    sampleEdmStochastic(counted.denoise, latents(4, 2, 0, 80), karrasSigmas(18), { ...churnSettings, noise: new Generator(1) });
    assert.equal(counted.count, 35);
  });

  it('with S_churn = 0 it is the deterministic Heun sampler, bit for bit', () => {
    const x = latents(8, 2, 2, 80);
    const sigmas = karrasSigmas(12);
    const stochastic = sampleEdmStochastic(gmmDenoiser(gmm2d8), x, sigmas, { sChurn: 0, noise: new Generator(3) });
    assert.deepEqual(stochastic.dataSync(), sampleHeun(gmmDenoiser(gmm2d8), x, sigmas).dataSync());
  });

  it('sample k with seed s is the same alone or in a batch (per-sample generators, as EDM generate.py)', () => {
    const sigmas = karrasSigmas(16);
    const run = (seeds: number[]) => {
      const gens = seeds.map((s) => new Generator(s));
      const x = randnFrom(gens, [seeds.length, 2], 'float64').mul(sigmas[0]!);
      return sampleEdmStochastic(gmmDenoiser(gmm2d8), x, sigmas, { ...churnSettings, noise: gens }).dataSync();
    };
    const batch = run([20, 21, 22, 23, 24]);
    assert.deepEqual([...batch.slice(6, 8)], [...run([23])]);
    assert.deepEqual([...batch.slice(0, 2)], [...run([20, 99]).slice(0, 2)]);
  });

  it('draws fresh noise: another seed for the churn gives other samples', () => {
    const x = latents(8, 2, 4, 80);
    const sigmas = karrasSigmas(16);
    const a = sampleEdmStochastic(gmmDenoiser(gmm2d8), x, sigmas, { ...churnSettings, noise: new Generator(1) }).dataSync();
    const b = sampleEdmStochastic(gmmDenoiser(gmm2d8), x, sigmas, { ...churnSettings, noise: new Generator(2) }).dataSync();
    assert.notDeepEqual([...a], [...b]);
  });

  it('given the exact denoiser, matches the mixture (mean, covariance, weights) at 64 steps', () => {
    for (const [name, mixture] of [['gmm2d8', gmm2d8], ['gmm1d2', gmm1d2]] as const) {
      const sigmas = karrasSigmas(64);
      const x = latents(2000, mixture.d, 7, sigmas[0]);
      const out = sampleEdmStochastic(gmmDenoiser(mixture), x, sigmas, { ...churnSettings, noise: new Generator(8) });
      assertMatchesMixture(out.dataSync(), mixture, `EDM stochastic on ${name}`);
    }
  });

  it('its sliced Wasserstein distance to the mixture falls as the steps grow (4, 8, 16; by 32 it is at the floor of 1000 samples)', () => {
    const exact = gmm2d8.sample(4000, new Generator(100));
    const distance = (n: number): number => {
      const sigmas = karrasSigmas(n);
      const out = sampleEdmStochastic(gmmDenoiser(gmm2d8), latents(1000, 2, 9, sigmas[0]), sigmas, { ...churnSettings, noise: new Generator(10) });
      return slicedWasserstein(out.dataSync(), exact, 2, { rand: new Generator(11) });
    };
    const distances = [4, 8, 16].map(distance);
    distances.slice(1).forEach((dist, k) => assert.ok(dist < distances[k]!, `distances ${distances}`));
  });
});
