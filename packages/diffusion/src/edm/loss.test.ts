import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { gmm2d8 } from '../gmm/gaussian-mixture.ts';
import { gmmDenoiser } from '../gmm/denoiser.ts';
import { vpSigma } from '../schedules/sigmas.ts';
import { edmLoss, veLoss, vpLoss } from './loss.ts';
import { edmPrecond, type BatchDenoiser } from './precondition.ts';
import { edmLossWeight } from './precondition-coefficients.ts';

/** The exact denoiser of gmm2d8 with one σ per sample. */
const exactBatch = (scale = 1): BatchDenoiser => (x, sigma) => {
  const sigmas = Array.from(sigma instanceof Float64Array || Array.isArray(sigma) ? sigma : (sigma as Tensor).dataSync());
  const rows = sigmas.map((s, b) => gmmDenoiser(gmm2d8)(x.narrow(0, b, 1), s).mul(scale));
  return tensor(Float64Array.from(rows.flatMap((r) => [...r.dataSync()])), { shape: x.shape, dtype: x.dtype });
};
const identity: BatchDenoiser = (x) => x;
const data = (n: number, seed: number): Tensor => tensor(gmm2d8.sample(n, new Generator(seed)), { shape: [n, 2], dtype: 'float64' });

const meanAndStd = (values: ArrayLike<number>): [number, number] => {
  const v = Array.from(values);
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  return [mean, Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1))];
};

describe('EDM training losses (training/loss.py)', () => {
  it('edmLoss: ln σ ~ N(−1.2, 1.2²) (4000 draws: mean within 4 standard errors, std within 5%)', () => {
    const { sigma } = edmLoss(identity, data(4000, 1), { noise: new Generator(2) });
    const [mean, std] = meanAndStd(sigma.map(Math.log));
    assert.ok(Math.abs(mean + 1.2) < 4 * (1.2 / Math.sqrt(4000)), `mean ${mean}`);
    assert.ok(Math.abs(std / 1.2 - 1) < 0.05, `std ${std}`);
  });

  it('edmLoss is λ(σ)·‖D(y + σn; σ) − y‖² per sample: for D = identity that is λσ²‖n‖², redrawn by hand', () => {
    const y = data(6, 3);
    const { loss, sigma } = edmLoss(identity, y, { noise: new Generator(4) });
    const g = new Generator(4);
    const z = Array.from({ length: 6 }, () => g.normal()); // σ first, then the noise, as EDMLoss
    const n = Array.from({ length: 12 }, () => g.normal());
    z.forEach((zb, b) => {
      const s = Math.exp(-1.2 + 1.2 * zb);
      assert.ok(Math.abs(sigma[b]! - s) <= 1e-15 * s);
      const expected = edmLossWeight(s) * ((s * n[2 * b]!) ** 2 + (s * n[2 * b + 1]!) ** 2);
      assert.ok(Math.abs(loss.dataSync()[b]! - expected) <= 1e-12 * expected, `sample ${b}`);
    });
    assert.deepEqual(loss.shape, [6]);
  });

  it('with per-sample generators, sample k’s loss is the same alone or in a batch', () => {
    const y = data(4, 5);
    const batch = edmLoss(identity, y, { noise: [7, 8, 9, 10].map((s) => new Generator(s)) });
    const alone = edmLoss(identity, y.narrow(0, 2, 1), { noise: [new Generator(9)] });
    assert.equal(batch.loss.dataSync()[2], alone.loss.dataSync()[0]);
    assert.equal(batch.sigma[2], alone.sigma[0]);
  });

  it('the exact denoiser has a lower expected loss than a perturbed one (the loss is minimized by E[y | y + n])', () => {
    const y = data(3000, 6);
    const mean = (d: BatchDenoiser) => edmLoss(d, y, { noise: new Generator(11) }).loss.mean().item();
    const exact = mean(exactBatch());
    for (const scale of [0.95, 1.05]) assert.ok(exact < mean(exactBatch(scale)), `scale ${scale}`);
  });

  it('vpLoss: σ = σ(t), t ~ U(ε_t, 1) and λ = 1/σ²; veLoss: ln σ ~ U(ln 0.02, ln 100) and λ = 1/σ²', () => {
    const y = data(2000, 12);
    const vp = vpLoss(identity, y, { noise: new Generator(13) });
    const [lo, hi] = [vpSigma(1e-5), vpSigma(1)];
    assert.ok(vp.sigma.every((s) => s >= lo && s <= hi));
    const ve = veLoss(identity, y, { noise: new Generator(14) });
    assert.ok(ve.sigma.every((s) => s >= 0.02 && s <= 100));
    const u = ve.sigma.map((s) => (Math.log(s) - Math.log(0.02)) / Math.log(100 / 0.02)); // U(0, 1)
    const [mean] = meanAndStd(u);
    assert.ok(Math.abs(mean - 0.5) < 4 * Math.sqrt(1 / 12 / 2000), `mean ${mean}`);
    // identity D: λσ²‖n‖² = ‖n‖², whose mean over 2 dimensions is 2
    for (const { loss } of [vp, ve]) assert.ok(Math.abs(loss.mean().item() - 2) < 4 * Math.sqrt(4 / 2000));
  });

  it('trains: the loss of a preconditioned network is differentiable in its parameters', () => {
    const w = tensor([0.3], { dtype: 'float64' }).requiresGrad_();
    const D = edmPrecond((xIn) => xIn.mul(w));
    const { loss } = edmLoss(D.batch, data(8, 15), { noise: new Generator(16) });
    loss.mean().backward();
    assert.ok(w.grad !== null && Number.isFinite(w.grad.item()) && w.grad.item() !== 0);
  });
});
