import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, tensor, zeros } from '@diffusion-ts/tensor';
import { addChurnNoise, churn, churnGamma } from './churn.ts';

describe('churn (Algorithm 2 of Karras et al. 2022, lines 4–6)', () => {
  it('gamma = min(S_churn/N, √2 − 1) inside [S_tmin, S_tmax] and 0 outside', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: 0, max: 200 }), fc.integer({ min: 1, max: 1000 }), fc.double({ noNaN: true, min: 1e-3, max: 100 }), (sChurn, n, sigma) => {
        assert.equal(churnGamma(sigma, n, { sChurn }), Math.min(sChurn / n, Math.SQRT2 - 1));
        assert.equal(churnGamma(sigma, n, { sChurn, sTmin: sigma * 1.01 }), 0);
        assert.equal(churnGamma(sigma, n, { sChurn, sTmax: sigma * 0.99 }), 0);
        assert.equal(churnGamma(sigma, n, { sChurn, sTmin: sigma, sTmax: sigma }), Math.min(sChurn / n, Math.SQRT2 - 1));
      }),
    );
    assert.equal(churnGamma(1, 10), 0); // off by default
  });

  it('raises the noise level to sigmaHat = (1 + gamma) sigma by adding noise of variance S_noise²(sigmaHat² − sigma²)', () => {
    const x = zeros([20000, 1], { dtype: 'float64' });
    const { xHat, sigmaHat } = churn(x, 2, 10, { sChurn: 3, sNoise: 1.5, noise: new Generator(4) });
    assert.equal(sigmaHat, 2 * 1.3);
    const values = xHat.dataSync();
    const variance = Array.from(values).reduce((s, v) => s + v * v, 0) / values.length;
    const expected = 1.5 ** 2 * (sigmaHat ** 2 - 4);
    // The sample variance of 20000 normals has relative standard error √(2/20000) = 1%.
    assert.ok(Math.abs(variance / expected - 1) < 0.05, `variance ${variance} vs ${expected}`);
  });

  it('adds scale · √(σ̂² − σ²) · S_noise · ε with the generator\'s next draws; S_noise and scale default to 1', () => {
    const x = [0.5, -2, 1];
    const xt = tensor(x, { dtype: 'float64' });
    const expected = (g: Generator, factor: number) => x.map((v) => v + factor * Math.sqrt(2.5 ** 2 - 1.5 ** 2) * g.normal());
    assert.deepEqual([...addChurnNoise(xt, 1.5, 2.5, { noise: new Generator(3) }).dataSync()], expected(new Generator(3), 1));
    const scaled = addChurnNoise(xt, 1.5, 2.5, { sNoise: 1.25, noise: new Generator(3) }, 0.5).dataSync();
    expected(new Generator(3), 0.625).forEach((v, i) => assert.ok(Math.abs(scaled[i]! - v) < 1e-15, `${scaled[i]} vs ${v}`));
  });

  it('draws nothing and returns x itself when gamma = 0', () => {
    const x = zeros([3, 2]);
    const g = new Generator(1);
    const before = g.getState();
    assert.equal(churn(x, 1, 10, { sChurn: 5, sTmax: 0.5, noise: g }).xHat, x);
    assert.equal(addChurnNoise(x, 1, 1, {}), x);
    assert.deepEqual(g.getState(), before);
  });
});
