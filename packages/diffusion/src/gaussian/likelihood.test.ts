import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, randn, tensor } from '@diffusion-ts/tensor';
import { gradcheck } from '@diffusion-ts/tensor/testing';
import { discretizedGaussianLogLikelihoodScalar, normalKlScalar } from '../testing/likelihood-oracle.ts';
import { discretizedGaussianLogLikelihood, normalKl } from './likelihood.ts';

const f64 = (values: number[], shape?: number[]) => tensor(Float64Array.from(values), { shape: shape ?? [values.length], dtype: 'float64' });
const bins = Array.from({ length: 256 }, (_, k) => (2 * k) / 255 - 1);

describe('normalKl', () => {
  it('KL(p, p) = 0 and KL >= 0, and it agrees with the scalar normalKl entry by entry', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(...Array.from({ length: 4 }, () => fc.double({ noNaN: true, min: -3, max: 3 }))), { minLength: 1, maxLength: 12 }), (rows) => {
        const [m1, l1, m2, l2] = [0, 1, 2, 3].map((k) => f64(rows.map((r) => r[k]!)));
        const kl = normalKl(m1!, l1!, m2!, l2!).dataSync();
        const self = normalKl(m1!, l1!, m1!, l1!).dataSync();
        rows.forEach((r, i) => {
          assert.ok(Math.abs(self[i]!) <= 1e-15);
          assert.ok(kl[i]! >= -1e-15);
          assert.ok(Math.abs(kl[i]! - normalKlScalar(r[0]!, r[1]!, r[2]!, r[3]!)) <= 1e-12 * (1 + Math.abs(kl[i]!)));
        });
      }),
    );
  });

  it('broadcasts [B, 1] against [B, D] and numbers (the prior term), and its gradient checks', () => {
    const g = new Generator(3);
    const m1 = randn([3, 4], { dtype: 'float64', generator: g });
    const l1 = randn([3, 1], { dtype: 'float64', generator: g });
    const out = normalKl(m1, l1, 0, 0);
    assert.deepEqual(out.shape, [3, 4]);
    const mv = m1.dataSync(), lv = l1.dataSync(), ov = out.dataSync();
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(ov[i]! - normalKlScalar(mv[i]!, lv[Math.floor(i / 4)]!, 0, 0)) < 1e-12);
    const args = [[3, 4], [3, 1], [1, 4], [3, 4]].map((s) => randn(s, { dtype: 'float64', generator: g }).requiresGrad_());
    gradcheck((a, b, c, d) => normalKl(a!, b!, c!, d!), args);
  });
});

describe('discretizedGaussianLogLikelihood (Ho et al. Eq. 13)', () => {
  it('bin probabilities sum to 1 over all 256 bins and match the scalar decoder', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: -1.5, max: 1.5 }), fc.double({ noNaN: true, min: -7, max: 1.5 }), (mean, logScale) => {
        const x = f64(bins, [256, 1]);
        const lp = discretizedGaussianLogLikelihood(x, f64([mean], [1, 1]), f64([logScale], [1, 1])).dataSync();
        let total = 0;
        lp.forEach((v, k) => {
          total += Math.exp(v);
          assert.ok(Math.abs(v - discretizedGaussianLogLikelihoodScalar(bins[k]!, mean, logScale)) <= 1e-12 * (1 + Math.abs(v)));
        });
        assert.ok(Math.abs(total - 1) < 1e-9, `sum = ${total}`);
      }),
    );
  });

  it('is differentiable in the mean and log scale (gradient check, interior and edge bins)', () => {
    const x = f64([-1, bins[60]!, 0.003921568627451, bins[200]!, 1], [5, 1]);
    const g = new Generator(7);
    const mean = randn([5, 1], { dtype: 'float64', generator: g }).mul(0.1).detach().requiresGrad_();
    const logScale = f64([-3, -2.5, -2, -3, -2.2], [5, 1]).requiresGrad_();
    gradcheck((m, s) => discretizedGaussianLogLikelihood(x, m!, s!), [mean, logScale]);
  });
});
