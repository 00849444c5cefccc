import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GaussianMixture, circleMixture, gmm1d2, gmm2d8 } from './gaussian-mixture.ts';
import { momentsOf } from '../metrics/distances.ts';
import { Generator } from '@diffusion-ts/tensor';

/** A random diagonal mixture with 1..3 components in 1..3 dimensions, parameters drawn from a seed. */
const mixtureArb: fc.Arbitrary<GaussianMixture> = fc
  .record({ k: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 3 }), seed: fc.nat({ max: 1_000_000 }), isotropic: fc.boolean() })
  .map(({ k, d, seed, isotropic }) => {
    const g = new Generator(seed);
    return new GaussianMixture({
      weights: Array.from({ length: k }, () => 0.2 + g.random()),
      means: Array.from({ length: k }, () => Array.from({ length: d }, () => 2 * g.normal())),
      variances: Array.from({ length: k }, () =>
        isotropic ? 0.05 + g.random() : Array.from({ length: d }, () => 0.05 + g.random()),
      ),
    });
  });

const pointsArb = (d: number, seed: number, n = 4): Float64Array => {
  const g = new Generator(seed);
  return Float64Array.from({ length: n * d }, () => 2.5 * g.normal());
};

const close = (actual: number, expected: number, tol: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (tol ${tol})`);
};

describe('GaussianMixture: exact noisy-data quantities', () => {
  it('denoise(x, sigma) = x + sigma² score(x, sigma) (Tweedie), and denoise at sigma -> 0 returns x', () => {
    fc.assert(
      fc.property(mixtureArb, fc.double({ noNaN: true, min: 0, max: 50 }), fc.nat(), (gmm, sigma, seed) => {
        const x = pointsArb(gmm.d, seed);
        const score = gmm.score(x, sigma);
        const denoised = gmm.denoise(x, sigma);
        denoised.forEach((v, i) => close(v, x[i]! + sigma * sigma * score[i]!, 1e-12 * (1 + Math.abs(v))));
        const atZero = gmm.denoise(x, 0);
        assert.deepEqual(atZero, x);
        gmm.denoise(x, 1e-7).forEach((v, i) => close(v, x[i]!, 1e-10));
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('score matches central finite differences of the log density at every noise level', () => {
    fc.assert(
      fc.property(mixtureArb, fc.double({ noNaN: true, min: 0, max: 5 }), fc.nat(), (gmm, sigma, seed) => {
        const { d } = gmm;
        const x = pointsArb(d, seed, 3);
        const score = gmm.score(x, sigma);
        const h = 1e-5;
        for (let idx = 0; idx < x.length; idx++) {
          const plus = Float64Array.from(x);
          const minus = Float64Array.from(x);
          plus[idx] = plus[idx]! + h;
          minus[idx] = minus[idx]! - h;
          const point = Math.floor(idx / d);
          const fd = (gmm.logDensity(plus, sigma)[point]! - gmm.logDensity(minus, sigma)[point]!) / (2 * h);
          close(score[idx]!, fd, 1e-5 * (1 + Math.abs(fd)), `d/dx[${idx}]`);
        }
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('log density integrates to 1 (1-D quadrature) and responsibilities form a distribution', () => {
    for (const sigma of [0, 0.3, 2]) {
      const h = 0.002;
      const grid = Float64Array.from({ length: 20001 }, (_, i) => -20 + i * h);
      const mass = gmm1d2.logDensity(grid, sigma).reduce((a, l) => a + Math.exp(l) * h, 0);
      close(mass, 1, 1e-9, `sigma=${sigma}`);
    }
    fc.assert(
      fc.property(mixtureArb, fc.double({ noNaN: true, min: 0, max: 20 }), fc.nat(), (gmm, sigma, seed) => {
        const r = gmm.responsibilities(pointsArb(gmm.d, seed), sigma);
        for (let i = 0; i < r.length / gmm.k; i++) {
          let s = 0;
          for (let c = 0; c < gmm.k; c++) {
            assert.ok(r[i * gmm.k + c]! >= 0);
            s += r[i * gmm.k + c]!;
          }
          close(s, 1, 1e-12);
        }
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('is numerically stable far from the data (log-sum-exp)', () => {
    const far = Float64Array.of(400, -300);
    const logp = gmm2d8.logDensity(far)[0]!;
    assert.ok(Number.isFinite(logp) && logp < -1e6);
    const r = gmm2d8.responsibilities(far);
    assert.ok(r.every((v) => Number.isFinite(v)));
    close(r.reduce((a, b) => a + b, 0), 1, 1e-12);
    assert.ok(gmm2d8.denoise(far, 0.01).every((v) => Number.isFinite(v)));
  });

  it('classifierGradient is the gradient of ln p(y | x_sigma), checked by finite differences', () => {
    fc.assert(
      fc.property(mixtureArb, fc.double({ noNaN: true, min: 0, max: 3 }), fc.nat(), (gmm, sigma, seed) => {
        const { d, k } = gmm;
        const x = pointsArb(d, seed, 2);
        const labels = [seed % k, (seed + 1) % k];
        const grad = gmm.classifierGradient(x, sigma, labels);
        const logPost = (pts: Float64Array, i: number): number => Math.log(gmm.responsibilities(pts, sigma)[i * k + labels[i]!]!);
        const h = 1e-5;
        for (let idx = 0; idx < x.length; idx++) {
          const i = Math.floor(idx / d);
          const plus = Float64Array.from(x);
          const minus = Float64Array.from(x);
          plus[idx] = plus[idx]! + h;
          minus[idx] = minus[idx]! - h;
          const fd = (logPost(plus, i) - logPost(minus, i)) / (2 * h);
          close(grad[idx]!, fd, 1e-5 * (1 + Math.abs(fd)), `d/dx[${idx}]`);
        }
      }),
      { seed: 42, numRuns: 60 },
    );
    assert.throws(() => gmm2d8.classifierGradient(Float64Array.of(0, 0), 0.1, [8]), /label 8 is not in \[0, 8\)/);
  });
});

describe('GaussianMixture: sampling and moments', () => {
  it('sample moments match mean() and covariance() within sampling error', () => {
    for (const [name, gmm] of [['gmm2d8', gmm2d8], ['gmm1d2', gmm1d2]] as const) {
      const n = 20000;
      const x = gmm.sample(n, new Generator(7));
      const { mean, covariance } = momentsOf(x, gmm.d);
      const trueCov = gmm.covariance();
      const m = gmm.mean();
      for (let a = 0; a < gmm.d; a++) {
        // 5 standard errors of a mean and (roughly, for these light tails) of a variance estimate
        close(mean[a]!, m[a]!, 5 * Math.sqrt(trueCov[a * gmm.d + a]! / n), `${name} mean[${a}]`);
        for (let b = 0; b < gmm.d; b++) {
          const se = Math.sqrt((2 * trueCov[a * gmm.d + a]! * trueCov[b * gmm.d + b]!) / n);
          close(covariance[a * gmm.d + b]!, trueCov[a * gmm.d + b]!, 5 * se, `${name} cov[${a},${b}]`);
        }
      }
    }
  });

  it('labels follow the weights and the samples are reproducible from the seed', () => {
    const n = 20000;
    const { labels } = gmm1d2.sampleWithLabels(n, new Generator(3));
    const frac = labels.reduce((a, l) => a + (l === 0 ? 1 : 0), 0) / n;
    close(frac, 0.3, 5 * Math.sqrt((0.3 * 0.7) / n));
    assert.deepEqual(gmm2d8.sample(5, new Generator(11)), gmm2d8.sample(5, new Generator(11)));
  });

  it('at the default sigma = 0, the clean mixture: one Gaussian N((1, −2), diag(2, ½)) has score (μ − x)/v and its log-pdf', () => {
    const g = new GaussianMixture({ weights: [1], means: [[1, -2]], variances: [[2, 0.5]] });
    assert.deepEqual(Array.from(g.score([0, 0])), [0.5, -4]);
    close(g.logDensity([0, 0])[0]!, -Math.log(2 * Math.PI) - 0.5 * Math.log(2 * 0.5) - 0.5 * (1 / 2 + 4 / 0.5), 1e-14);
    // Two components at ±1 with variance 1, seen at x = 0.5: p(c | x) ∝ exp(−(x ∓ 1)²/2), at sigma = 0 unless told.
    const r = new GaussianMixture({ weights: [0.5, 0.5], means: [[1], [-1]], variances: [1, 1] }).responsibilities([0.5]);
    close(r[0]!, 1 / (1 + Math.exp(-1)), 1e-15);
    assert.deepEqual(Array.from(g.covariance()), [2, 0, 0, 0.5]);
  });

  it('closed-form moments of the presets, and covariance(sigma) adds sigma² I', () => {
    assert.deepEqual(Array.from(gmm1d2.mean()).map((v) => +v.toFixed(12)), [0.4]);
    // Var = Σ w (v + μ²) − m² = 0.3(0.0625 + 1) + 0.7(0.25 + 1) − 0.16
    close(gmm1d2.covariance()[0]!, 0.3 * 1.0625 + 0.7 * 1.25 - 0.16, 1e-15);
    const m = gmm2d8.mean();
    close(m[0]!, 0, 1e-15);
    close(m[1]!, 0, 1e-15);
    const c = gmm2d8.covariance(0.5);
    close(c[0]!, 0.5 + 0.01 + 0.25, 1e-14);
    close(c[3]!, 0.5 + 0.01 + 0.25, 1e-14);
    close(c[1]!, 0, 1e-15);
    assert.equal(circleMixture(4, { radius: 3 }).means[2 * 2], -3);
  });

  it('rejects malformed parameters and inputs', () => {
    assert.throws(() => new GaussianMixture({ weights: [], means: [], variances: [] }), /at least one component/);
    assert.throws(() => new GaussianMixture({ weights: [1, 1], means: [[0]], variances: [1, 1] }), /must match/);
    assert.throws(() => new GaussianMixture({ weights: [-1], means: [[0]], variances: [1] }), /weights\[0\]/);
    assert.throws(() => new GaussianMixture({ weights: [1], means: [[0, 0]], variances: [[1]] }), /variances\[0\] has length 1, expected 2/);
    assert.throws(() => new GaussianMixture({ weights: [1], means: [[0]], variances: [0] }), /must be positive/);
    for (const n of [-1, 1.5]) assert.throws(() => gmm2d8.sample(n, new Generator(0)), /sample: n must be a non-negative integer/);
    assert.throws(() => gmm2d8.score(Float64Array.of(1, 2, 3), 0.1), /not a multiple of d = 2/);
    assert.throws(() => gmm2d8.score(Float64Array.of(1, 2), -1), /sigma must be finite and >= 0/);
  });
});
