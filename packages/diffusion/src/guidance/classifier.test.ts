import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { linearBetas } from '../schedules/betas.ts';
import { GaussianDiffusion } from '../gaussian/diffusion.ts';
import { spacedDiffusion } from '../gaussian/spaced-diffusion.ts';
import { spaceTimesteps } from '../gaussian/space-timesteps.ts';
import { mixtureClassifier, mixtureOracle, mixturePosterior } from '../testing/mixture-oracle.ts';
import { randnFrom } from '../samplers/noise.ts';
import { sampleDdpm } from '../samplers/ddpm.ts';
import { sampleDdim } from '../samplers/ddim.ts';
import { classifierLogProbGrad, condMeanShift, condScoreShift } from './classifier.ts';

const f64 = (values: ArrayLike<number>, shape: number[]) => tensor(Float64Array.from(values), { shape, dtype: 'float64' });
const data = (t: Tensor) => Float64Array.from(t.dataSync());
const classes = [{ weight: 0.5, mean: -0.3, std: 0.3 }, { weight: 0.5, mean: 0.3, std: 0.3 }];

describe('classifierLogProbGrad', () => {
  it('is s · ∇ log p(y | x_t) of the analytic noisy classifier, and leaves the classifier parameters without gradient', () => {
    const d = new GaussianDiffusion(linearBetas(100));
    const bias = f64([0, 0], [1, 2]).requiresGrad_();
    bias.grad = f64([7, 7], [1, 2]);
    const logits = mixtureClassifier(d, classes);
    const grad = classifierLogProbGrad((x, t) => logits(x, t).add(bias), 2.5);
    const x = f64([-0.4, 0.1, 0.9], [3, 1]);
    const steps = [10, 50, 99];
    const g = data(grad(x, f64(steps, [3]), { y: Int32Array.of(1, 0, 1) }));
    [1, 0, 1].forEach((y, b) => {
      const ab = d.alphasCumprod[steps[b]!]!, xv = data(x)[b]!;
      const post = mixturePosterior(classes, ab, xv).logEvidence;
      const p = Array.from(post, (l) => Math.exp(l)), z = p[0]! + p[1]!;
      const dLog = classes.map((c) => -(xv - Math.sqrt(ab) * c.mean) / (ab * c.std ** 2 + 1 - ab));
      const expected = 2.5 * (dLog[y]! - (p[0]! * dLog[0]! + p[1]! * dLog[1]!) / z);
      assert.ok(Math.abs(g[b]! - expected) < 1e-12, `${g[b]} vs ${expected}`);
    });
    assert.deepEqual([...data(bias.grad!)], [7, 7]);
  });
});

describe('condMeanShift / condScoreShift (ADM Algorithms 1 and 2)', () => {
  it('shift the mean by Σ·g, and ε by −√(1 − ᾱ)·g, with g evaluated at x_t and the model timesteps', () => {
    const d = new GaussianDiffusion(linearBetas(100), { rescaleTimesteps: true });
    const x = randnFrom(new Generator(1), [2, 3], 'float64'), t = Int32Array.of(5, 60);
    const p = d.pMeanVariance((xt) => xt.mul(0.5), x, t);
    let seen: number[] = [];
    const condFn = (xt: Tensor, tm: Tensor) => { seen = [...tm.dataSync()]; return xt.mul(0).add(0.3); };
    const mean = data(condMeanShift(d, condFn, p, x, t));
    data(p.mean).forEach((v, i) => assert.ok(Math.abs(mean[i]! - (v + data(p.variance)[i]! * 0.3)) < 1e-15));
    assert.deepEqual(seen, [50, 600]);
    const shifted = condScoreShift(d, condFn, p, x, t);
    const eps = data(d.predictEpsFromX0(x, t, shifted.predX0)), eps0 = data(d.predictEpsFromX0(x, t, p.predX0));
    eps.forEach((v, i) => assert.ok(Math.abs(v - (eps0[i]! - d.sqrtOneMinusAlphasCumprod[t[Math.floor(i / 3)]!]! * 0.3)) < 1e-12));
    data(shifted.mean).forEach((v, i) => assert.ok(Math.abs(v - data(d.qPosteriorMeanVariance(shifted.predX0, x, t).mean)[i]!) < 1e-15));
    assert.equal(shifted.variance, p.variance);
  });

  it('on a 2-class 1-D mixture with the exact noisy classifier, raising the scale raises class purity and lowers diversity', () => {
    const d = spacedDiffusion(linearBetas(1000), spaceTimesteps(1000, [50]), { modelVarType: 'learned' });
    const model = mixtureOracle(d, classes);
    const N = 400, y = new Int32Array(N).fill(1);
    const stats = (x: Tensor) => {
      const v = data(x), mean = v.reduce((a, b) => a + b, 0) / N;
      return { purity: v.filter((u) => u > 0).length / N, variance: v.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1) };
    };
    for (const sampler of ['ddpm', 'ddim'] as const) {
      const results = [0, 1, 4].map((scale) => {
        const condFn = classifierLogProbGrad(mixtureClassifier(d, classes), scale);
        const x = randnFrom(new Generator(7), [N, 1], 'float64');
        const options = { modelKwargs: { y }, condFn, clipDenoised: false };
        return stats(sampler === 'ddpm' ? sampleDdpm(d, model, x, { ...options, noise: new Generator(8) }) : sampleDdim(d, model, x, options));
      });
      const [none, one, four] = results as [ReturnType<typeof stats>, ReturnType<typeof stats>, ReturnType<typeof stats>];
      const se = Math.sqrt(0.25 / N);
      assert.ok(Math.abs(none.purity - 0.5) < 4 * se, `${sampler}: ${JSON.stringify(results)}`);
      assert.ok(one.purity > none.purity + 4 * se && four.purity > one.purity + 2 * se && four.purity > 0.95, `${sampler}: ${JSON.stringify(results)}`);
      assert.ok(four.variance < one.variance && one.variance < none.variance, `${sampler}: ${JSON.stringify(results)}`);
    }
  });
});
