import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { approxStandardNormalCdfScalar as approxStandardNormalCdf, discretizedGaussianLogLikelihoodScalar as discretizedGaussianLogLikelihood, normalKlScalar as normalKl } from './likelihood-oracle.ts';
import { Generator } from '@diffusion-ts/tensor';

const meanArb = fc.double({ noNaN: true, min: -3, max: 3 });
const logvarArb = fc.double({ noNaN: true, min: -4, max: 3 });

describe('normalKl', () => {
  it('KL(p, p) = 0 (to rounding) and KL >= 0', () => {
    fc.assert(
      fc.property(meanArb, logvarArb, meanArb, logvarArb, (m1, lv1, m2, lv2) => {
        // Not bit-exact: like the reference, (−1 + logvar2) − logvar1 is evaluated left to right.
        assert.ok(Math.abs(normalKl(m1, lv1, m1, lv1)) <= 1e-15);
        assert.ok(normalKl(m1, lv1, m2, lv2) >= -1e-15);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('agrees with a Monte Carlo estimate of E_p[ln p − ln q]', () => {
    fc.assert(
      fc.property(meanArb, logvarArb, meanArb, logvarArb, fc.nat({ max: 1_000_000 }), (m1, lv1, m2, lv2, seed) => {
        const g = new Generator(seed);
        const logNormal = (x: number, m: number, lv: number): number => -0.5 * (Math.log(2 * Math.PI) + lv + (x - m) ** 2 / Math.exp(lv));
        const n = 4000;
        let sum = 0;
        let sumSq = 0;
        for (let i = 0; i < n; i++) {
          const x = m1 + Math.exp(0.5 * lv1) * g.normal();
          const r = logNormal(x, m1, lv1) - logNormal(x, m2, lv2);
          sum += r;
          sumSq += r * r;
        }
        const mc = sum / n;
        const se = Math.sqrt(Math.max(sumSq / n - mc * mc, 0) / n);
        const kl = normalKl(m1, lv1, m2, lv2);
        assert.ok(Math.abs(mc - kl) <= 5 * se + 1e-12, `MC ${mc} ± ${se} vs ${kl}`);
      }),
      { seed: 42, numRuns: 20 },
    );
  });

  it('has the textbook value for two known Gaussians', () => {
    // KL(N(0, 1) ‖ N(1, 4)) = ln 2 + (1 + 1)/8 − 1/2
    assert.ok(Math.abs(normalKl(0, 0, 1, Math.log(4)) - (Math.log(2) + 2 / 8 - 0.5)) < 1e-15);
  });
});

describe('approxStandardNormalCdf', () => {
  it('is ½ at 0, symmetric, monotone, and within 2e-4 of known values of Φ', () => {
    assert.equal(approxStandardNormalCdf(0), 0.5);
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: -10, max: 10 }), fc.double({ noNaN: true, min: 0, max: 5 }), (x, dx) => {
        assert.ok(Math.abs(approxStandardNormalCdf(-x) - (1 - approxStandardNormalCdf(x))) < 1e-15);
        assert.ok(approxStandardNormalCdf(x + dx) >= approxStandardNormalCdf(x));
      }),
      { seed: 42, numRuns: 300 },
    );
    const table: [number, number][] = [
      [1, 0.8413447460685429],
      [1.96, 0.9750021048517795],
      [-2.5, 0.006209665325776132],
      [3, 0.9986501019683699],
    ];
    for (const [x, phi] of table) assert.ok(Math.abs(approxStandardNormalCdf(x) - phi) < 2e-4, `Φ(${x})`);
    assert.equal(approxStandardNormalCdf(40), 1);
    assert.equal(approxStandardNormalCdf(-40), 0);
  });
});

describe('discretizedGaussianLogLikelihood (Ho et al. Eq. 13)', () => {
  const bins = Array.from({ length: 256 }, (_, k) => (2 * k) / 255 - 1);

  it('bin probabilities sum to 1 over all 256 bins', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: -1.5, max: 1.5 }), fc.double({ noNaN: true, min: -7, max: 1.5 }), (mean, logScale) => {
        const total = bins.reduce((acc, x) => acc + Math.exp(discretizedGaussianLogLikelihood(x, mean, logScale)), 0);
        // The 1e-12 floor can add at most 256e-12 for bins with (numerically) no mass.
        assert.ok(Math.abs(total - 1) < 1e-9, `sum = ${total}`);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('puts almost all mass in the bin holding the mean when the scale is small, edge bins included', () => {
    for (const x of [-1, bins[1]!, 0.003921568627451, bins[200]!, 1]) {
      assert.ok(Math.abs(discretizedGaussianLogLikelihood(x, x, -9)) < 1e-9, `x=${x}`);
    }
    assert.equal(discretizedGaussianLogLikelihood(0.5, -0.5, -9), Math.log(1e-12)); // the clamp
  });

  it('edge bins integrate to ±infinity: ln Φ(upper) at x = −1 and ln(1 − Φ(lower)) at x = 1', () => {
    const logScale = Math.log(0.5);
    const mean = 0.2;
    const upper = (-1 + 1 / 255 - mean) / 0.5;
    assert.ok(Math.abs(discretizedGaussianLogLikelihood(-1, mean, logScale) - Math.log(approxStandardNormalCdf(upper))) < 1e-15);
    const lower = (1 - 1 / 255 - mean) / 0.5;
    assert.ok(Math.abs(discretizedGaussianLogLikelihood(1, mean, logScale) - Math.log(1 - approxStandardNormalCdf(lower))) < 1e-15);
  });

  it('an interior bin is the CDF difference over [x − 1/255, x + 1/255]', () => {
    const x = bins[100]!;
    const mean = 0.1;
    const scale = 0.3;
    const expected = Math.log(approxStandardNormalCdf((x + 1 / 255 - mean) / scale) - approxStandardNormalCdf((x - 1 / 255 - mean) / scale));
    assert.ok(Math.abs(discretizedGaussianLogLikelihood(x, mean, Math.log(scale)) - expected) < 1e-12);
  });
});
