import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  edmConstants,
  edmLossWeight,
  edmPrecondCoefficients,
  edmTrainingSigma,
  iddpmConstants,
  iddpmPrecondCoefficients,
  iddpmRoundSigma,
  iddpmTrainingSigma,
  inverseSquareLossWeight,
  vePrecondCoefficients,
  veTrainingSigma,
  vpConstants,
  vpPrecondCoefficients,
  vpTrainingSigma,
} from './precondition-coefficients.ts';
import { iddpmUGrid, vpSigma } from '../schedules/sigmas.ts';

const relClose = (actual: number, expected: number, rel: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), 1e-300), `${what} ${actual} vs ${expected}`);
};

const sigmaArb = fc.double({ noNaN: true, min: 1e-4, max: 200 });
const sigmaDataArb = fc.double({ noNaN: true, min: 0.05, max: 5 });

describe('EDM preconditioning (Karras et al. Table 1)', () => {
  it('at sigma = 0, D(x; 0) = x for any network: cSkip = 1, cOut = 0; and cSkip -> 1, cOut -> 0 as sigma -> 0', () => {
    const c0 = edmPrecondCoefficients(0);
    assert.equal(c0.cSkip, 1);
    assert.equal(c0.cOut, 0);
    assert.equal(c0.cNoise, -Infinity);
    let previous = edmPrecondCoefficients(1);
    for (const sigma of [1e-1, 1e-2, 1e-4, 1e-8]) {
      const c = edmPrecondCoefficients(sigma);
      assert.ok(c.cOut < previous.cOut && c.cSkip > previous.cSkip);
      previous = c;
    }
    assert.ok(1 - previous.cSkip < 1e-15 && previous.cOut < 1e-7);
  });

  it('cIn scales the noisy input to unit variance when the data variance is sigmaData²', () => {
    fc.assert(
      fc.property(sigmaArb, sigmaDataArb, (sigma, sigmaData) => {
        const { cIn } = edmPrecondCoefficients(sigma, { sigmaData });
        // Var[c_in (y + n)] = c_in² (σ_data² + σ²) for independent y and n.
        relClose(cIn ** 2 * (sigmaData ** 2 + sigma ** 2), 1, 1e-14);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('the effective training target (y − cSkip (y + n))/cOut has unit variance, and lambda cOut² = 1', () => {
    fc.assert(
      fc.property(sigmaArb, sigmaDataArb, (sigma, sigmaData) => {
        const { cSkip, cOut } = edmPrecondCoefficients(sigma, { sigmaData });
        const targetVariance = ((1 - cSkip) ** 2 * sigmaData ** 2 + cSkip ** 2 * sigma ** 2) / cOut ** 2;
        relClose(targetVariance, 1, 1e-12, 'target variance');
        relClose(edmLossWeight(sigma, { sigmaData }) * cOut ** 2, 1, 1e-12, 'lambda cOut²');
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('has the closed forms of Table 1 with sigmaData = 0.5 by default', () => {
    const c = edmPrecondCoefficients(2);
    relClose(c.cSkip, 0.25 / 4.25, 1e-15);
    relClose(c.cOut, 1 / Math.sqrt(4.25), 1e-15);
    relClose(c.cIn, 1 / Math.sqrt(4.25), 1e-15);
    relClose(c.cNoise, Math.log(2) / 4, 1e-15);
    assert.deepEqual({ ...edmConstants }, { sigmaData: 0.5, pMean: -1.2, pStd: 1.2, sigmaMin: 0.002, sigmaMax: 80, rho: 7 });
    relClose(edmTrainingSigma(0), Math.exp(-1.2), 1e-15);
    relClose(edmTrainingSigma(1), 1, 1e-15);
    assert.throws(() => edmPrecondCoefficients(-1), /^RangeError: edmPrecondCoefficients: sigma/);
  });
});

describe('VP, VE and iDDPM preconditioning (Karras et al. Table 1)', () => {
  it('VP: cSkip = 1, cOut = −sigma, cIn = 1/√(sigma² + 1), cNoise = (M − 1) t with sigma(t) = sigma', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: 1e-5, max: 1 }), (t) => {
        const sigma = vpSigma(t);
        const c = vpPrecondCoefficients(sigma);
        assert.equal(c.cSkip, 1);
        assert.equal(c.cOut, -sigma);
        relClose(c.cIn, 1 / Math.sqrt(sigma * sigma + 1), 1e-15);
        relClose(c.cNoise, 999 * t, 1e-9);
      }),
      { seed: 42, numRuns: 100 },
    );
    const c0 = vpPrecondCoefficients(0);
    assert.equal(c0.cNoise, 0);
    assert.equal(c0.cIn, 1);
    assert.equal(vpConstants.epsilonT, 1e-5);
  });

  it('VE: cSkip = 1, cOut = sigma, cIn = 1, cNoise = ln(sigma/2)', () => {
    assert.deepEqual(vePrecondCoefficients(4), { cSkip: 1, cOut: 4, cIn: 1, cNoise: Math.log(2) });
  });

  it('iDDPM: cNoise is M − 1 − the index of the nearest grid level', () => {
    const u = iddpmUGrid();
    for (const j of [0, 8, 100, 500, 999, 1000]) {
      assert.deepEqual(iddpmRoundSigma(u[j]!), { index: j, sigma: u[j] });
      assert.equal(iddpmPrecondCoefficients(u[j]!).cNoise, 999 - j);
    }
    // Just above the midpoint between u_501 and u_500 rounds to u_500.
    const mid = 0.5 * (u[500]! + u[501]!);
    assert.equal(iddpmRoundSigma(mid + 1e-9).index, 500);
    assert.equal(iddpmRoundSigma(mid - 1e-9).index, 501);
    const c = iddpmPrecondCoefficients(3);
    assert.equal(c.cSkip, 1);
    assert.equal(c.cOut, -3);
    relClose(c.cIn, 1 / Math.sqrt(10), 1e-15);
    assert.equal(iddpmConstants.j0, 8);
  });

  it('every formulation has cSkip -> 1 and cOut -> 0 as sigma -> 0 (so D(x; 0) = x)', () => {
    for (const f of [vpPrecondCoefficients, vePrecondCoefficients, iddpmPrecondCoefficients, edmPrecondCoefficients]) {
      const c = f(0);
      assert.equal(c.cSkip, 1);
      assert.equal(Math.abs(c.cOut), 0);
    }
  });
});

describe('training noise levels and loss weights (Karras et al. Table 1)', () => {
  it('map uniform draws onto the stated ranges, monotonically', () => {
    relClose(vpTrainingSigma(0), vpSigma(1), 1e-15);
    relClose(vpTrainingSigma(1), vpSigma(1e-5), 1e-9);
    relClose(veTrainingSigma(0), 0.02, 1e-15);
    relClose(veTrainingSigma(1), 100, 1e-12);
    relClose(veTrainingSigma(0.5), Math.sqrt(0.02 * 100), 1e-12); // log-uniform: the midpoint is the geometric mean
    const u = iddpmUGrid();
    assert.equal(iddpmTrainingSigma(0), u[0]);
    assert.equal(iddpmTrainingSigma(0.9999999), u[999]);
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: 0, max: 0.999 }), fc.double({ noNaN: true, min: 0.0001, max: 0.0009 }), (r, dr) => {
        assert.ok(vpTrainingSigma(r + dr) < vpTrainingSigma(r));
        assert.ok(veTrainingSigma(r + dr) > veTrainingSigma(r));
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('weights: EDM (sigma² + sigmaData²)/(sigma sigmaData)², the others 1/sigma²', () => {
    relClose(edmLossWeight(0.5), 8, 1e-15);
    relClose(inverseSquareLossWeight(0.5), 4, 1e-15);
  });
});
