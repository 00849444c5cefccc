import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cat, Generator, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { linearBetas } from '../schedules/betas.ts';
import { GaussianDiffusion, type LossType, type ModelMeanType } from './diffusion.ts';
import { trainingLosses } from './losses.ts';
import { vbTermsBpd } from './vlb.ts';

const f64 = (values: ArrayLike<number>, shape: number[]) => tensor(Float64Array.from(values), { shape, dtype: 'float64' });
const data = (t: Tensor) => Float64Array.from(t.dataSync());
const betas = linearBetas(200);
const g = new Generator(9), B = 4;
const x0 = randn([B, 3], { dtype: 'float64', generator: g }).mul(0.4).clamp(-1, 1);
const noise = randn([B, 3], { dtype: 'float64', generator: g });
const t = Int32Array.of(0, 3, 100, 199);

describe('trainingLosses', () => {
  it('L_simple (Ho et al. Eq. 14): the per-sample mean of (ε − ε_θ)², and 0 for an oracle of every parameterization', () => {
    const d = new GaussianDiffusion(betas);
    const out = randn([B, 3], { dtype: 'float64', generator: g });
    const { loss, mse, vb } = trainingLosses(d, () => out, x0, t, { noise });
    const expected = data(noise.sub(out).square().mean(1));
    data(loss).forEach((v, b) => assert.ok(Math.abs(v - expected[b]!) < 1e-15));
    assert.deepEqual(data(mse!), data(loss));
    assert.equal(vb, undefined);
    for (const type of ['eps', 'x0', 'xPrev', 'v'] as ModelMeanType[]) {
      const dt = new GaussianDiffusion(betas, { modelMeanType: type });
      const xt = dt.qSample(x0, t, noise);
      const truth = { eps: noise, x0, xPrev: dt.qPosteriorMeanVariance(x0, xt, t).mean, v: dt.predictVFromEps(x0, t, noise) }[type];
      data(trainingLosses(dt, () => truth, x0, t, { noise }).loss).forEach((v) => assert.ok(Math.abs(v) < 1e-28, `${type}: ${v}`));
    }
  });

  it("'kl' is the bound's term at t (unclipped), 'rescaledKl' that times T", () => {
    const model = (x: Tensor) => x.mul(0.3);
    const kl = new GaussianDiffusion(betas, { lossType: 'kl' });
    const rescaled = new GaussianDiffusion(betas, { lossType: 'rescaledKl' });
    const xt = kl.qSample(x0, t, noise);
    const expected = data(vbTermsBpd(kl, model, x0, xt, t, { clipDenoised: false }).output);
    const a = data(trainingLosses(kl, model, x0, t, { noise }).loss), b = data(trainingLosses(rescaled, model, x0, t, { noise }).loss);
    expected.forEach((v, i) => {
      assert.equal(a[i], v);
      assert.ok(Math.abs(b[i]! - 200 * v) <= 1e-12 * Math.abs(200 * v));
    });
  });

  it('L_hybrid (iDDPM Eq. 16): mse + vb, vb on a stop-gradient mean (trains only the variance), × T/1000 for rescaledMse', () => {
    for (const lossType of ['mse', 'rescaledMse'] as LossType[]) {
      const d = new GaussianDiffusion(betas, { modelVarType: 'learnedRange', lossType });
      const a = f64([0.7], [1]).requiresGrad_(), c = f64([0.2], [1]).requiresGrad_();
      const model = (x: Tensor) => cat([x.mul(a), x.mul(0).add(c)], 1); // [B, 6]: ε channels, then v channels
      const { loss, mse, vb } = trainingLosses(d, model, x0, t, { noise });
      const xt = d.qSample(x0, t, noise);
      const frozen = cat([xt.mul(0.7), xt.mul(0).add(0.2)], 1);
      const expectedVb = data(vbTermsBpd(d, () => frozen, x0, xt, t, { clipDenoised: false }).output).map((v) => (lossType === 'mse' ? v : (v * 200) / 1000));
      data(vb!).forEach((v, i) => assert.ok(Math.abs(v - expectedVb[i]!) <= 1e-12 * (1 + Math.abs(v)), `${lossType}: ${v} vs ${expectedVb[i]}`));
      data(loss).forEach((v, i) => assert.ok(Math.abs(v - (data(mse!)[i]! + data(vb!)[i]!)) < 1e-12));
      vb!.sum().backward();
      assert.ok(a.grad === null || data(a.grad)[0] === 0, 'the VB term must not reach the mean');
      assert.ok(c.grad !== null && data(c.grad)[0] !== 0, 'the VB term trains the variance');
      a.grad = null;
      c.grad = null;
      mse!.sum().backward();
      assert.ok(a.grad !== null && data(a.grad)[0] !== 0);
      assert.ok(c.grad === null || data(c.grad)[0] === 0);
    }
  });
});
