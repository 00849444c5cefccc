import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffusionCoefficients } from './coefficients.ts';
import { cosineBetas, linearBetas, quadBetas, sohlDicksteinBetas } from '../schedules/betas.ts';

const close = (actual: number, expected: number, tol: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (tol ${tol})`);
};

/** A schedule drawn by fast-check: one of the named ones, or arbitrary betas in (0, 0.5]. */
const betasArb: fc.Arbitrary<Float64Array> = fc.oneof(
  fc.integer({ min: 20, max: 400 }).map((T) => linearBetas(T)),
  fc.integer({ min: 2, max: 400 }).map((T) => cosineBetas(T)),
  fc.integer({ min: 2, max: 400 }).map((T) => quadBetas(T)),
  fc.integer({ min: 2, max: 400 }).map((T) => sohlDicksteinBetas(T)),
  fc.array(fc.double({ noNaN: true, min: 1e-5, max: 0.5 }), { minLength: 2, maxLength: 60 }).map((b) => Float64Array.from(b)),
);

describe('diffusionCoefficients', () => {
  it('composing q(x_t | x_{t−1}) step by step gives the moments of q(x_t | x_0) (Ho et al. Eqs. 2 and 4)', () => {
    fc.assert(
      fc.property(betasArb, (betas) => {
        const c = diffusionCoefficients(betas);
        // x_t = √α_t x_{t−1} + √β_t ε: the x_0 coefficient multiplies by √α_t, the noise variance maps v -> α_t v + β_t.
        let meanCoef = 1;
        let variance = 0;
        for (let t = 0; t < betas.length; t++) {
          meanCoef *= Math.sqrt(1 - betas[t]!);
          variance = (1 - betas[t]!) * variance + betas[t]!;
          close(c.sqrtAlphasCumprod[t]!, meanCoef, 1e-12, `mean coefficient at ${t}`);
          close(c.sqrtOneMinusAlphasCumprod[t]! ** 2, variance, 1e-12, `variance at ${t}`);
        }
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('the posterior (Eqs. 6–7) is the normalised product q(x_t | x_{t−1}) q(x_{t−1} | x_0), checked by Bayes on a 1-D grid', () => {
    fc.assert(
      fc.property(
        betasArb,
        fc.double({ noNaN: true, min: 0, max: 1 }),
        fc.double({ noNaN: true, min: -2, max: 2 }),
        fc.double({ noNaN: true, min: -3, max: 3 }),
        (betas, where, x0, xt) => {
          const c = diffusionCoefficients(betas);
          const t = Math.min(betas.length - 1, 1 + Math.floor(where * (betas.length - 1))); // t ≥ 1: at t = 0 the prior on x_{t−1} = x_0 is a point mass
          const priorMean = Math.sqrt(c.alphasCumprodPrev[t]!) * x0;
          const priorVar = 1 - c.alphasCumprodPrev[t]!;
          const likeScale = Math.sqrt(c.alphas[t]!);
          const likeVar = c.betas[t]!;
          const expectedMean = c.posteriorMeanCoef1[t]! * x0 + c.posteriorMeanCoef2[t]! * xt;
          const expectedVar = c.posteriorVariance[t]!;
          // Unnormalised log posterior over x_{t−1} on a grid of ±12 posterior standard deviations.
          const sd = Math.sqrt(expectedVar);
          const N = 2001;
          const h = (24 * sd) / (N - 1);
          const grid = Array.from({ length: N }, (_, i) => expectedMean - 12 * sd + i * h);
          const logp = grid.map((x) => -((x - priorMean) ** 2) / (2 * priorVar) - (xt - likeScale * x) ** 2 / (2 * likeVar));
          const maxLog = Math.max(...logp);
          const w = logp.map((l) => Math.exp(l - maxLog));
          const z = w.reduce((a, b) => a + b, 0);
          const mean = grid.reduce((a, x, i) => a + x * w[i]!, 0) / z;
          const variance = grid.reduce((a, x, i) => a + (x - mean) ** 2 * w[i]!, 0) / z;
          close(mean, expectedMean, 1e-9 * (1 + Math.abs(expectedMean)), 'posterior mean');
          close(variance / expectedVar, 1, 1e-8, 'posterior variance');
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });

  it('matches the reference definitions entry by entry', () => {
    const betas = cosineBetas(50);
    const c = diffusionCoefficients(betas);
    assert.equal(c.numTimesteps, 50);
    assert.equal(c.alphasCumprodPrev[0], 1);
    assert.equal(c.alphasCumprodNext[49], 0);
    assert.equal(c.posteriorVariance[0], 0); // β̃_1 = 0: q(x_0 | x_1, x_0) is a point mass
    assert.equal(c.posteriorLogVarianceClipped[0], Math.log(c.posteriorVariance[1]!));
    for (let t = 0; t < 50; t++) {
      const ab = c.alphasCumprod[t]!;
      if (t > 0) assert.equal(c.alphasCumprodPrev[t], c.alphasCumprod[t - 1]);
      if (t < 49) assert.equal(c.alphasCumprodNext[t], c.alphasCumprod[t + 1]);
      close(c.logOneMinusAlphasCumprod[t]!, Math.log(1 - ab), 1e-15);
      close(c.sqrtRecipAlphasCumprod[t]! * c.sqrtAlphasCumprod[t]!, 1, 1e-12);
      close(c.sqrtRecipm1AlphasCumprod[t]! ** 2, 1 / ab - 1, 1e-9 / ab);
      if (t > 0) assert.equal(c.posteriorLogVarianceClipped[t], Math.log(c.posteriorVariance[t]!));
      // x_0 recovered from x_t and ε (Eq. 4 solved for x_0) with the two reciprocal coefficients
      const x0 = 0.7;
      const eps = -1.3;
      const xt = c.sqrtAlphasCumprod[t]! * x0 + c.sqrtOneMinusAlphasCumprod[t]! * eps;
      close(c.sqrtRecipAlphasCumprod[t]! * xt - c.sqrtRecipm1AlphasCumprod[t]! * eps, x0, 1e-9 / Math.sqrt(ab));
    }
  });

  it('handles beta = 1 like NumPy (alpha-bar 0, infinite reciprocal) and rejects betas outside (0, 1]', () => {
    const c = diffusionCoefficients([0.5, 1]);
    assert.equal(c.alphasCumprod[1], 0);
    assert.equal(c.sqrtRecipAlphasCumprod[1], Infinity);
    assert.equal(c.posteriorVariance[1], 0.5);
    assert.throws(() => diffusionCoefficients([0.1, 0]), /^RangeError: diffusionCoefficients: betas must lie in \(0, 1\], got betas\[1\] = 0/);
    assert.throws(() => diffusionCoefficients([1.2, 0.1]), /betas\[0\] = 1.2/);
    assert.throws(() => diffusionCoefficients([0.1, Number.NaN]), /betas\[1\] = NaN/);
    assert.throws(() => diffusionCoefficients([0.1]), /^RangeError: diffusionCoefficients: need at least 2 steps/);
  });
});
