import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { linearBetas } from '../schedules/betas.ts';
import { discretizedGaussian, mixtureOracle } from '../testing/mixture-oracle.ts';
import { randnFrom } from '../samplers/noise.ts';
import { GaussianDiffusion } from './diffusion.ts';
import { normalKlScalar as normalKl } from '../testing/likelihood-oracle.ts';
import { calcBpd, priorBpd, vbTermsBpd } from './vlb.ts';

const f64 = (values: ArrayLike<number>, shape: number[]) => tensor(Float64Array.from(values), { shape, dtype: 'float64' });
const data = (t: Tensor) => Float64Array.from(t.dataSync());
const phi = (z: number): number => 0.5 * (1 + f64([z / Math.SQRT2], [1]).erf().item());

/** ᾱ with log-SNR falling linearly from λmax to λmin over T steps (σ₁ ≈ e^{−λmax/2} ≪ the bin width 2/255). */
function logSnrBetas(T: number, lambdaMax = 14, lambdaMin = -10): Float64Array {
  const alphaBar = Array.from({ length: T }, (_, i) => 1 / (1 + Math.exp(-(lambdaMax - ((lambdaMax - lambdaMin) * i) / (T - 1)))));
  return Float64Array.from(alphaBar, (a, i) => 1 - a / (i === 0 ? 1 : alphaBar[i - 1]!));
}

describe('calcBpd (calc_bpd_loop)', () => {
  it('column t is the bound term at t, column 0 the decoder NLL; the prior is KL(q(x_T | x0) ‖ N(0, I)); total is their sum', () => {
    const d = new GaussianDiffusion(linearBetas(30), { modelMeanType: 'x0' });
    const x0 = f64([-1, -0.2, 0.5, 1], [2, 2]);
    const model = (x: Tensor, tm: Tensor) => x.mul(0.9).add(tm.reshape([2, 1]).mul(0.001)); // depends on t
    const seeds = [3, 4];
    const r = calcBpd(d, model, x0, { noise: seeds.map((s) => new Generator(s)) });
    assert.deepEqual(r.vb.shape, [2, 30]);
    // Replay: the loop draws t = T−1 first.
    const gens = seeds.map((s) => new Generator(s));
    const vb = data(r.vb), xstartMse = data(r.xstartMse);
    for (let step = 29; step >= 0; step--) {
      const t = Int32Array.of(step, step);
      const xt = d.qSample(x0, t, randnFrom(gens, [2, 2], 'float64'));
      const out = vbTermsBpd(d, model, x0, xt, t);
      data(out.output).forEach((v, b) => assert.equal(vb[b * 30 + step], v));
      const mse = data(out.predX0.sub(x0).square().mean(1));
      mse.forEach((v, b) => assert.equal(xstartMse[b * 30 + step], v));
      if (step === 0) {
        // The decoder term (Eq. 13) by hand: −log₂ of the bin mass, averaged over the 2 dims.
        const p = d.pMeanVariance(model, xt, t);
        const nll = data(p.mean).map((m, i) => {
          const x = data(x0)[i]!, s = Math.exp(0.5 * data(p.logVariance)[i]!);
          const lo = x < -0.999 ? 0 : approx((x - 1 / 255 - m) / s), hi = x > 0.999 ? 1 : approx((x + 1 / 255 - m) / s);
          return -Math.log2(Math.max(hi - lo, 1e-12));
        });
        [0, 1].forEach((b) => assert.ok(Math.abs(vb[b * 30]! - (nll[2 * b]! + nll[2 * b + 1]!) / 2) < 1e-9));
      }
    }
    const ab = d.alphasCumprod[29]!;
    const prior = data(priorBpd(d, x0));
    [0, 1].forEach((b) => {
      const expected = (normalKl(Math.sqrt(ab) * data(x0)[2 * b]!, Math.log(1 - ab), 0, 0) + normalKl(Math.sqrt(ab) * data(x0)[2 * b + 1]!, Math.log(1 - ab), 0, 0)) / 2 / Math.LN2;
      assert.ok(Math.abs(prior[b]! - expected) < 1e-15);
      const sum = vb.slice(b * 30, b * 30 + 30).reduce((a, v) => a + v, 0);
      assert.ok(Math.abs(data(r.total)[b]! - (sum + prior[b]!)) < 1e-12);
    });
  });

  it('on 1-D Gaussian data discretized to 256 levels, with the optimal reverse model, the bound approaches the true NLL as T grows', () => {
    // x0 ~ N(0.1, 0.2²) rounded to the grid 2k/255 − 1 (edge bins open, as the decoder). The optimal
    // model of these data is the posterior mean of the 256 point masses; a model built for the
    // continuous Gaussian (E[x0 | x_t] linear in x_t) cannot reach the discrete NLL: once σ₁ is below the
    // bin width, its bound keeps a gap of about log₂(Δ / (√(2πe) σ₁)) bits.
    const { levels, probs } = discretizedGaussian(0.1, 0.2, phi);
    const trueNll = -probs.reduce((a, p) => a + (p > 0 ? p * Math.log2(p) : 0), 0);
    const components = [...levels].map((mean, k) => ({ weight: probs[k]!, mean, std: 0 })).filter((c) => c.weight > 1e-15);
    const B = 200, g = new Generator(1);
    const bins = Array.from({ length: B }, () => Math.min(255, Math.max(0, Math.round(((0.1 + 0.2 * g.normal() + 1) * 255) / 2))));
    const x0 = f64(bins.map((k) => levels[k]!), [B, 1]);
    const gaps: { T: number; gap: number; se: number }[] = [];
    for (const T of [25, 100, 400]) {
      const d = new GaussianDiffusion(logSnrBetas(T));
      const total = data(calcBpd(d, mixtureOracle(d, components), x0, { noise: new Generator(2) }).total);
      // Per-sample gap to −log₂ P(x0): far less noisy than comparing averages.
      const gap = total.map((v, b) => v - -Math.log2(probs[bins[b]!]!));
      const mean = gap.reduce((a, v) => a + v, 0) / B;
      const se = Math.sqrt(gap.reduce((a, v) => a + (v - mean) ** 2, 0) / (B - 1) / B);
      gaps.push({ T, gap: mean, se });
    }
    const [g25, g100, g400] = gaps as [typeof gaps[0], typeof gaps[0], typeof gaps[0]];
    assert.ok(trueNll > 6.7 && trueNll < 6.75, `entropy of the discretized data ${trueNll} bits`);
    assert.ok(g25.gap > g100.gap + 3 * g100.se && g100.gap > g400.gap + 3 * g100.se, JSON.stringify(gaps));
    assert.ok(g400.gap > -3 * g400.se, `the bound must stay above the NLL: ${JSON.stringify(g400)}`);
    assert.ok(g400.gap < 0.35, `bound − NLL at T = 400: ${JSON.stringify(g400)}`);
  });
});

/** The decoder's own approximation of Φ (the reference uses it; kl.ts documents it). */
function approx(x: number): number {
  return 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}
