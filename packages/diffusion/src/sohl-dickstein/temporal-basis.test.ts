import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, randn, tensor, zeros, type Tensor } from '@diffusion-ts/tensor';
import { gradcheck, leaf } from '@diffusion-ts/tensor/testing';
import { sohlDicksteinBetas } from '../schedules/betas.ts';
import { perturbedBetas, stepSelector, temporalBasis, temporalReadout, temporalWeights } from './temporal-basis.ts';

const close = (actual: number, expected: number, tol: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (tol ${tol})`);
};

describe('temporalBasis', () => {
  it('the bumps at every step are positive and sum to 1', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 300 }), fc.integer({ min: 2, max: 20 }), (T, nBasis) => {
      const { values } = temporalBasis(T, nBasis);
      for (let i = 0; i < T; i++) {
        let sum = 0;
        for (let j = 0; j < nBasis; j++) {
          assert.ok(values[j * T + i]! > 0);
          sum += values[j * T + i]!;
        }
        close(sum, 1, 1e-14, `T=${T} nBasis=${nBasis} step ${i + 1}`);
      }
    }));
  });

  it('matches generate_temporal_basis by hand at T = 3, nBasis = 2 (centres ±1, width 1)', () => {
    const { values } = temporalBasis(3, 2);
    const g = (x: number, c: number) => Math.exp(-((x - c) ** 2) / 2);
    [-1, 0, 1].forEach((x, i) => {
      const s = g(x, -1) + g(x, 1);
      close(values[i]!, g(x, -1) / s, 1e-16);
      close(values[3 + i]!, g(x, 1) / s, 1e-16);
    });
  });

  it('rejects a single step or a single bump (the reference divides by the spacing of the centres)', () => {
    assert.throws(() => temporalBasis(1, 10), RangeError);
    assert.throws(() => temporalBasis(40, 1), RangeError);
  });
});

describe('stepSelector and temporalWeights', () => {
  it('select step t: one-hot rows, prefix rows, and the basis column at t', () => {
    const basis = temporalBasis(5, 3);
    const t = [1, 5, 3];
    assert.deepEqual([...stepSelector(t, 5, 'oneHot', 'float64').dataSync()], [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
    assert.deepEqual([...stepSelector(t, 5, 'upTo', 'float64').dataSync()], [1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    const w = temporalWeights(basis, t, 'float64').dataSync();
    t.forEach((s, b) => { for (let j = 0; j < 3; j++) assert.equal(w[b * 3 + j], basis.values[j * 5 + s - 1]); });
    assert.throws(() => stepSelector([0], 5, 'oneHot', 'float64'), RangeError);
    assert.throws(() => temporalWeights(basis, [6], 'float64'), RangeError);
  });
});

describe('temporalReadout', () => {
  it('reads Z [B, D, groups, nBasis] out at each example\'s step, and its gradient checks', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (B, D, seed) => {
      const g = new Generator(seed);
      const basis = temporalBasis(7, 3);
      const t = Array.from({ length: B }, () => g.integer(1, 8));
      const weights = temporalWeights(basis, t, 'float64');
      const Z = leaf([B, D * 2 * 3], g);
      const [mu, beta] = temporalReadout(Z, weights, D, 2) as [Tensor, Tensor];
      const z = Z.dataSync(), m = mu.dataSync(), bc = beta.dataSync();
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < D; i++) {
          for (const [grp, out] of [[0, m], [1, bc]] as const) {
            let expected = 0;
            for (let j = 0; j < 3; j++) expected += z[((b * D + i) * 2 + grp) * 3 + j]! * basis.values[j * 7 + t[b]! - 1]!;
            close(out[b * D + i]!, expected, 1e-12);
          }
        }
      }
      gradcheck((z2) => temporalReadout(z2, weights, D, 2)[1]!, [Z]);
    }));
  });
});

describe('perturbedBetas (generate_beta_arr)', () => {
  it('with zero perturbation equals the baseline schedule sohlDicksteinBetas', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 1000 }), fc.integer({ min: 2, max: 12 }), fc.double({ min: 0, max: 0.1, noNaN: true }), (T, nBasis, step1Beta) => {
      const betas = perturbedBetas(temporalBasis(T, nBasis), zeros([nBasis], { dtype: 'float64' }), { step1Beta }).dataSync();
      const expected = sohlDicksteinBetas(T, { step1Beta });
      // σ(logit(b)) returns b up to rounding of the log and exp: a few ulps of 1.
      for (let i = 0; i < T; i++) close(betas[i]!, expected[i]!, 1e-15, `T=${T} t=${i + 1}`);
    }));
  });

  it('stays in [minβ_t, 1 − 1e-5] for any coefficients, and is differentiable in them', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 60 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (T, seed) => {
      const g = new Generator(seed);
      const basis = temporalBasis(T, 4);
      const c = randn([4], { dtype: 'float64', generator: g }).mul(5);
      const betas = perturbedBetas(basis, c).dataSync();
      for (let i = 0; i < T; i++) {
        assert.ok(betas[i]! >= (i === 0 ? 1e-6 + 0.001 : 1e-6) && betas[i]! <= 1 - 1e-5, `beta_${i + 1} = ${betas[i]}`);
      }
      gradcheck((coefficients) => perturbedBetas(basis, coefficients), [leaf([4], g)]);
    }));
  });

  it('rejects coefficients of the wrong length', () => {
    assert.throws(() => perturbedBetas(temporalBasis(10, 3), tensor([0, 0], { dtype: 'float64' })), RangeError);
  });
});
