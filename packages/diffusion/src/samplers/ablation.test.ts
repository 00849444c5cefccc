import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { gmm2d8 } from '../gmm/gaussian-mixture.ts';
import { gmmDenoiser } from '../gmm/denoiser.ts';
import { iddpmSigmas, karrasSigmas, veSigmas, vpSigmas } from '../schedules/sigmas.ts';
import { linearSchedule, veSchedule, vpSchedule } from '../schedules/noise-schedule.ts';
import { assertMatchesMixture, latents, rmsDistance } from '../testing/mixture-checks.ts';
import type { Denoiser } from '../types.ts';
import { countEvaluations } from './count-evaluations.ts';
import { randnFrom } from './noise.ts';
import { sampleAblation } from './ablation.ts';
import { sampleEuler } from './euler.ts';
import { sampleHeun } from './heun.ts';

/**
 * DDIM with η = 0 (Song et al. 2021, Eq. 12 with σ_t = 0), written directly in the VP state
 * x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε with an ε-prediction model built from the denoiser, over the noise
 * levels σ_i (ᾱ_i = 1/(1 + σ_i²)); returns x at ᾱ = 1.
 */
function ddim(denoise: Denoiser, latent: Tensor, sigmas: ArrayLike<number>): Tensor {
  const alphaBar = Array.from(sigmas, (s) => 1 / (1 + s * s));
  let x = latent.mul(Math.sqrt(1 - alphaBar[0]!)); // x_T = √(1 − ᾱ_T) ε
  for (let i = 0; i < sigmas.length - 1; i++) {
    const a = alphaBar[i]!, aNext = alphaBar[i + 1]!;
    const eps = x.sub(denoise(x.div(Math.sqrt(a)), sigmas[i]!).mul(Math.sqrt(a))).div(Math.sqrt(1 - a));
    const predX0 = x.sub(eps.mul(Math.sqrt(1 - a))).div(Math.sqrt(a));
    x = predX0.mul(Math.sqrt(aNext)).add(eps.mul(Math.sqrt(1 - aNext)));
  }
  return x;
}

describe('sampleAblation (Algorithm 1 of Karras et al. 2022, as generate.py ablation_sampler)', () => {
  it('DDIM (eta = 0) is the case solver = euler, discretization = iddpm, schedule = linear, scaling = none', () => {
    const D = gmmDenoiser(gmm2d8);
    for (const n of [5, 18, 50]) {
      const sigmas = iddpmSigmas(n);
      const latent = latents(64, 2, n, 1);
      const direct = ddim(D, latent, sigmas).dataSync();
      const ablation = sampleAblation(D, latent.mul(sigmas[0]!), sigmas, { solver: 'euler', schedule: linearSchedule, scaling: 'none' }).dataSync();
      assert.ok(rmsDistance(ablation, direct, 2) < 1e-12, `n = ${n}: ${rmsDistance(ablation, direct, 2)}`);
    }
  });

  it('with linear schedule and no scaling it is sampleEuler / sampleHeun, and costs N / 2N − 1 evaluations', () => {
    const x = latents(32, 2, 1, 80);
    const sigmas = karrasSigmas(18);
    for (const [solver, direct, nfe] of [['euler', sampleEuler, 18], ['heun', sampleHeun, 35]] as const) {
      const counted = countEvaluations(gmmDenoiser(gmm2d8));
      const ablation = sampleAblation(counted.denoise, x, sigmas, { solver }).dataSync();
      assert.equal(counted.count, nfe);
      assert.ok(rmsDistance(ablation, direct(gmmDenoiser(gmm2d8), x, sigmas).dataSync(), 2) < 1e-12, solver);
      assert.deepEqual(sampleAblation(gmmDenoiser(gmm2d8), x, sigmas, { solver }).dataSync(), ablation); // deterministic
    }
  });

  it('one 2nd-order step with α = ½ (the midpoint rule) is Algorithm 1, lines 7–11, by hand', () => {
    // σ(t) = t and s(t) = 1, so dx/dt = (x − D(x; t))/t; D(x; σ) = x·s²/(s² + σ²), the exact denoiser of N(0, s²).
    const s2 = 0.49, D = (v: number, sigma: number) => (v * s2) / (s2 + sigma * sigma);
    const denoise = (v: Tensor, sigma: number) => v.mul(s2 / (s2 + sigma * sigma));
    const x = [0.3, -1.2, 2.5, 0.7], alpha = 0.5, t = 2, h = -1; // the first of the steps 2 → 1 → 0
    const states: Tensor[] = [];
    sampleAblation(denoise, tensor(x, { dtype: 'float64', shape: [2, 2] }), [2, 1, 0], { solver: 'heun', alpha, onStep: ({ x: xi }) => states.push(xi) });
    const first = states[0]!.dataSync();
    x.forEach((v, k) => {
      const d = (v - D(v, t)) / t;
      const xPrime = v + alpha * h * d, tPrime = t + alpha * h;
      const dPrime = (xPrime - D(xPrime, tPrime)) / tPrime;
      const expected = v + h * ((1 - 1 / (2 * alpha)) * d + (1 / (2 * alpha)) * dPrime);
      assert.ok(Math.abs(first[k]! - expected) < 1e-14, `entry ${k}: ${first[k]} vs ${expected}`);
    });
  });

  it('every schedule sigma(t) and scaling s(t) integrates the same probability-flow ODE (Eq. 4)', () => {
    const D = gmmDenoiser(gmm2d8);
    const x = latents(64, 2, 2, 80);
    const sigmas = karrasSigmas(256);
    const reference = sampleAblation(D, x, sigmas).dataSync();
    const variants = [
      { schedule: vpSchedule({ sigmaMin: 0.002, sigmaMax: 80 }), scaling: 'vp' as const },
      { schedule: vpSchedule({ sigmaMin: 0.002, sigmaMax: 80 }), scaling: 'none' as const },
      { schedule: veSchedule, scaling: 'none' as const },
      { schedule: linearSchedule, scaling: 'vp' as const },
    ];
    for (const options of variants) {
      const out = sampleAblation(D, x, sigmas, options).dataSync();
      assert.ok(rmsDistance(out, reference, 2) < 1e-3, `${options.scaling}: ${rmsDistance(out, reference, 2)}`);
    }
  });

  it('churn is the same helper as in Heun: with linear/none and the same generators, the same samples', () => {
    const sigmas = karrasSigmas(16);
    const churn = { sChurn: 30, sTmin: 0.05, sTmax: 50 };
    const run = (sampler: 'ablation' | 'heun') => {
      const gens = [1, 2, 3].map((s) => new Generator(s));
      const x = randnFrom(gens, [3, 2], 'float64').mul(sigmas[0]!);
      return sampler === 'heun'
        ? sampleHeun(gmmDenoiser(gmm2d8), x, sigmas, { ...churn, noise: gens }).dataSync()
        : sampleAblation(gmmDenoiser(gmm2d8), x, sigmas, { ...churn, noise: gens }).dataSync();
    };
    assert.ok(rmsDistance(run('ablation'), run('heun'), 2) < 1e-12);
  });

  it("Song et al.'s VP sampler (vp × vp × vp, Heun) and the VE one (ve × ve × none) match the mixture at 64 steps", () => {
    const D = gmmDenoiser(gmm2d8);
    const vp = vpSigmas(64);
    const vpOut = sampleAblation(D, latents(2000, 2, 3, vp[0]), vp, { schedule: vpSchedule(), scaling: 'vp' });
    assertMatchesMixture(vpOut.dataSync(), gmm2d8, 'VP ablation');
    const ve = veSigmas(64);
    const veOut = sampleAblation(D, latents(2000, 2, 4, ve[0]), ve, { schedule: veSchedule, scaling: 'none' });
    assertMatchesMixture(veOut.dataSync(), gmm2d8, 'VE ablation');
  });

  it('rejects an unknown solver and alpha outside (0, 1]', () => {
    const x = latents(2, 2, 0, 80);
    assert.throws(() => sampleAblation(gmmDenoiser(gmm2d8), x, karrasSigmas(4), { solver: 'rk4' as 'heun' }), /unknown solver/);
    assert.throws(() => sampleAblation(gmmDenoiser(gmm2d8), x, karrasSigmas(4), { alpha: 0 }), /alpha/);
  });
});
