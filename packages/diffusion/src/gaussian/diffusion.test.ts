import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { cosineBetas, linearBetas } from '../schedules/betas.ts';
import { GaussianDiffusion, type ModelMeanType } from './diffusion.ts';

const f64 = (values: ArrayLike<number>, shape: number[]) => tensor(Float64Array.from(values), { shape, dtype: 'float64' });
const data = (t: Tensor) => Float64Array.from(t.dataSync());
const scheduleArb = fc.oneof(
  fc.integer({ min: 20, max: 300 }).map((T) => ({ name: `linear(${T})`, betas: linearBetas(T) })),
  fc.integer({ min: 2, max: 300 }).map((T) => ({ name: `cosine(${T})`, betas: cosineBetas(T) })),
);
const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('GaussianDiffusion: forward process', () => {
  it('qSample has the moments of q(x_t | x0) = N(√ᾱ x0, (1 − ᾱ) I) (Monte Carlo, Eq. 4)', () => {
    fc.assert(
      fc.property(scheduleArb, fc.nat(), fc.double({ noNaN: true, min: -1, max: 1 }), fc.nat({ max: 1e6 }), ({ betas }, k, x0, seed) => {
        const d = new GaussianDiffusion(betas);
        const step = k % d.numTimesteps;
        const N = 4000;
        const t = new Int32Array(N).fill(step);
        const xt = data(d.qSample(f64(new Array(N).fill(x0), [N, 1]), t, randn([N, 1], { dtype: 'float64', generator: new Generator(seed) })));
        const mean = xt.reduce((a, b) => a + b, 0) / N;
        const variance = xt.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1);
        const ab = d.alphasCumprod[step]!;
        const q = d.qMeanVariance(f64([x0], [1, 1]), Int32Array.of(step));
        close(data(q.mean)[0]!, Math.sqrt(ab) * x0, 1e-14, 'closed-form mean');
        close(data(q.variance)[0]!, 1 - ab, 1e-14, 'closed-form variance');
        assert.ok(Math.abs(mean - Math.sqrt(ab) * x0) <= 5 * Math.sqrt((1 - ab) / N), `mean ${mean} vs ${Math.sqrt(ab) * x0}`);
        assert.ok(Math.abs(variance - (1 - ab)) <= 5 * (1 - ab) * Math.sqrt(2 / N), `variance ${variance} vs ${1 - ab}`);
      }),
    );
  });

  it('composing q(x_t | x_{t−1}) step by step gives q(x_t | x0): moments exactly, and a simulated chain', () => {
    fc.assert(
      fc.property(scheduleArb, fc.double({ noNaN: true, min: -1, max: 1 }), ({ betas }, x0) => {
        const d = new GaussianDiffusion(betas);
        let mean = x0, variance = 0;
        for (let step = 0; step < d.numTimesteps; step++) {
          mean = Math.sqrt(1 - betas[step]!) * mean; // q(x_t | x_{t−1}) = N(√(1 − β) x_{t−1}, β)
          variance = (1 - betas[step]!) * variance + betas[step]!;
          const q = d.qMeanVariance(f64([x0], [1, 1]), Int32Array.of(step));
          close(data(q.mean)[0]!, mean, 1e-10, `mean at ${step}`);
          close(data(q.variance)[0]!, variance, 1e-10, `variance at ${step}`);
        }
      }),
    );
    const betas = linearBetas(50), d = new GaussianDiffusion(betas), g = new Generator(11), N = 4000, x0 = 0.7;
    let x = f64(new Array(N).fill(x0), [N, 1]);
    for (let step = 0; step < 50; step++) x = x.mul(Math.sqrt(1 - betas[step]!)).add(randn([N, 1], { dtype: 'float64', generator: g }).mul(Math.sqrt(betas[step]!)));
    const xs = data(x), ab = d.alphasCumprod[49]!;
    const mean = xs.reduce((a, b) => a + b, 0) / N, variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1);
    assert.ok(Math.abs(mean - Math.sqrt(ab) * x0) <= 5 * Math.sqrt((1 - ab) / N));
    assert.ok(Math.abs(variance - (1 - ab)) <= 5 * (1 - ab) * Math.sqrt(2 / N));
  });

  it('the posterior composed with q(x_t | x0) gives q(x_{t−1} | x0) (Eqs. 6–7 against Eq. 4)', () => {
    fc.assert(
      fc.property(scheduleArb, fc.nat(), fc.double({ noNaN: true, min: -1, max: 1 }), ({ betas }, k, x0) => {
        const d = new GaussianDiffusion(betas);
        const step = 1 + (k % (d.numTimesteps - 1));
        const t = Int32Array.of(step, step);
        // μ̃ is affine in x_t: read its slope from two points, then push q(x_t | x0) through it.
        const post = d.qPosteriorMeanVariance(f64([x0, x0], [2, 1]), f64([0, 1], [2, 1]), t);
        const [at0, at1] = data(post.mean);
        const slope = at1! - at0!;
        const ab = d.alphasCumprod[step]!, abPrev = d.alphasCumprodPrev[step]!;
        close(at0! + slope * Math.sqrt(ab) * x0, Math.sqrt(abPrev) * x0, 1e-10, 'mean');
        close(data(post.variance)[0]! + slope ** 2 * (1 - ab), 1 - abPrev, 1e-10, 'variance');
      }),
    );
  });

  it('the posterior is the normalised product q(x_t | x_{t−1}) q(x_{t−1} | x0) (Bayes, by quadrature)', () => {
    fc.assert(
      fc.property(scheduleArb, fc.nat(), fc.double({ noNaN: true, min: -1, max: 1 }), fc.double({ noNaN: true, min: -3, max: 3 }), ({ betas }, k, x0, xt) => {
        const d = new GaussianDiffusion(betas);
        const step = 1 + (k % (d.numTimesteps - 1));
        const beta = betas[step]!, abPrev = d.alphasCumprodPrev[step]!;
        const likeMean = xt / Math.sqrt(1 - beta), likeSd = Math.sqrt(beta / (1 - beta));
        const priorMean = Math.sqrt(abPrev) * x0, priorSd = Math.sqrt(1 - abPrev);
        const sd = Math.min(likeSd, priorSd);
        const lo = Math.min(likeMean, priorMean) - 12 * sd, hi = Math.max(likeMean, priorMean) + 12 * sd;
        const n = 40001, h = (hi - lo) / (n - 1);
        let z = 0, m1 = 0, m2 = 0;
        const logW: number[] = [];
        for (let i = 0; i < n; i++) {
          const y = lo + i * h;
          logW.push(-((xt - Math.sqrt(1 - beta) * y) ** 2) / (2 * beta) - (y - priorMean) ** 2 / (2 * priorSd ** 2));
        }
        const top = Math.max(...logW);
        logW.forEach((l, i) => { const w = Math.exp(l - top), y = lo + i * h; z += w; m1 += w * y; m2 += w * y * y; });
        const mean = m1 / z, variance = m2 / z - mean ** 2;
        const post = d.qPosteriorMeanVariance(f64([x0], [1, 1]), f64([xt], [1, 1]), Int32Array.of(step));
        assert.ok(Math.abs(data(post.mean)[0]! - mean) <= 1e-6 * (sd + Math.abs(mean)), `mean ${data(post.mean)[0]} vs Bayes ${mean}`);
        close(data(post.variance)[0]!, variance, 1e-5, 'variance');
        close(data(post.logVariance)[0]!, Math.log(variance), 1e-5, 'log variance');
      }),
      { numRuns: 15 },
    );
  });

  it('eps, x0, x_{t−1} and v conversions are inverses of each other', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e6 }), fc.boolean(), (seed, cosine) => {
        const d = new GaussianDiffusion(cosine ? cosineBetas(400) : linearBetas(1000));
        const g = new Generator(seed), B = 6;
        const t = Int32Array.from({ length: B }, () => g.integer(0, d.numTimesteps));
        const x0 = randn([B, 3], { dtype: 'float64', generator: g }), eps = randn([B, 3], { dtype: 'float64', generator: g });
        const xt = d.qSample(x0, t, eps);
        const near = (a: Tensor, b: Tensor, what: string) => data(a).forEach((v, i) => close(v, data(b)[i]!, 1e-9, what));
        near(d.predictX0FromEps(xt, t, eps), x0, 'x0 from eps');
        near(d.predictEpsFromX0(xt, t, x0), eps, 'eps from x0');
        near(d.predictEpsFromX0(xt, t, d.predictX0FromEps(xt, t, eps)), eps, 'eps → x0 → eps');
        const v = d.predictVFromEps(x0, t, eps);
        near(d.predictX0FromV(xt, t, v), x0, 'x0 from v');
        near(d.predictEpsFromV(xt, t, v), eps, 'eps from v');
        const interior = t.map((s) => Math.max(s, 1)); // at t = 0 the posterior mean ignores x_t … and x0 is its only input
        const xtI = d.qSample(x0, interior, eps);
        near(d.predictX0FromXPrev(xtI, interior, d.qPosteriorMeanVariance(x0, xtI, interior).mean), x0, 'x0 from x_{t−1}');
      }),
    );
  });
});

describe('GaussianDiffusion: pMeanVariance', () => {
  const d0 = new GaussianDiffusion(linearBetas(100));
  const g = new Generator(5), B = 5;
  const t = Int32Array.of(0, 1, 17, 50, 99);
  const x0 = randn([B, 2], { dtype: 'float64', generator: g }).mul(0.5), eps = randn([B, 2], { dtype: 'float64', generator: g });

  it('with an oracle model (true ε, x0, x_{t−1} or v) gives the true posterior mean and x0, for every parameterization', () => {
    for (const type of ['eps', 'x0', 'xPrev', 'v'] as ModelMeanType[]) {
      const d = new GaussianDiffusion(d0.betas, { modelMeanType: type });
      const xt = d.qSample(x0, t, eps);
      const truth = { eps, x0, xPrev: d.qPosteriorMeanVariance(x0, xt, t).mean, v: d.predictVFromEps(x0, t, eps) }[type];
      const p = d.pMeanVariance(() => truth, xt, t, { clipDenoised: false });
      const expected = d.qPosteriorMeanVariance(x0, xt, t);
      data(p.mean).forEach((v, i) => close(v, data(expected.mean)[i]!, 1e-9, `${type} mean`));
      data(p.predX0).forEach((v, i) => close(v, data(x0)[i]!, 1e-9, `${type} x0`));
      assert.deepEqual(data(p.variance), data(expected.variance)); // fixedSmall
      assert.deepEqual(p.mean.shape, [B, 2]);
    }
  });

  it('applies denoisedFn, then clips x0 to [−1, 1] before forming the mean', () => {
    const d = new GaussianDiffusion(d0.betas, { modelMeanType: 'x0' });
    const xt = randn([B, 2], { dtype: 'float64', generator: g });
    const p = d.pMeanVariance(() => f64(Array.from({ length: B * 2 }, (_, i) => i - 4), [B, 2]), xt, t, { denoisedFn: (x) => x.mul(0.3) });
    assert.deepEqual([...data(p.predX0)], Array.from({ length: B * 2 }, (_, i) => Math.min(1, Math.max(-1, (i - 4) * 0.3))));
    data(p.mean).forEach((v, i) => close(v, data(d.qPosteriorMeanVariance(p.predX0, xt, t).mean)[i]!, 1e-12, 'mean'));
  });

  it('fixed variances: β̃_t (small) and β_t with β̃ at the second step standing in at the first (large)', () => {
    const x = randn([B, 2], { dtype: 'float64', generator: g });
    const small = new GaussianDiffusion(d0.betas, { modelVarType: 'fixedSmall' }).pMeanVariance(() => eps, x, t);
    const large = new GaussianDiffusion(d0.betas, { modelVarType: 'fixedLarge' }).pMeanVariance(() => eps, x, t);
    t.forEach((step, b) => {
      assert.equal(data(small.variance)[2 * b], d0.posteriorVariance[step]);
      assert.equal(data(small.logVariance)[2 * b], d0.posteriorLogVarianceClipped[step]);
      assert.equal(data(large.variance)[2 * b], step === 0 ? d0.posteriorVariance[1] : d0.betas[step]);
      assert.equal(data(large.logVariance)[2 * b], Math.log(step === 0 ? d0.posteriorVariance[1]! : d0.betas[step]!));
    });
  });

  it("learned variances: 'learned' reads ln Σ; 'learnedRange' maps v = −1, 0, 1 to ln β̃, their midpoint, ln β (iDDPM Eq. 15)", () => {
    const x = randn([B, 1], { dtype: 'float64', generator: g });
    const learned = new GaussianDiffusion(d0.betas, { modelVarType: 'learned' });
    const p = learned.pMeanVariance(() => f64([0, -1, 0, -2, 0, -3, 0, -4, 0, -5], [B, 2]), x, t);
    assert.deepEqual([...data(p.logVariance)], [-1, -2, -3, -4, -5]);
    data(p.variance).forEach((v, b) => close(v, Math.exp(-1 - b), 1e-15, 'exp'));
    const range = new GaussianDiffusion(d0.betas, { modelVarType: 'learnedRange' });
    for (const v of [-1, 0, 1]) {
      const out = range.pMeanVariance(() => f64(Array.from({ length: 2 * B }, (_, i) => (i % 2 === 0 ? 0 : v)), [B, 2]), x, t);
      t.forEach((step, b) => {
        const lo = d0.posteriorLogVarianceClipped[step]!, hi = Math.log(d0.betas[step]!);
        close(data(out.logVariance)[b]!, lo + ((v + 1) / 2) * (hi - lo), 1e-14, `v=${v} at ${step}`);
      });
    }
  });

  it('passes t, or t · 1000/T with rescaleTimesteps, to the model; rejects bad timesteps and output shapes', () => {
    const seen: number[][] = [];
    const spy = (x: Tensor, tm: Tensor) => { seen.push([...tm.dataSync()]); return x; };
    const x = randn([B, 2], { dtype: 'float64', generator: g });
    new GaussianDiffusion(d0.betas).pMeanVariance(spy, x, t);
    new GaussianDiffusion(d0.betas, { rescaleTimesteps: true }).pMeanVariance(spy, x, t);
    assert.deepEqual(seen, [[...t], [...t].map((s) => s * 10)]);
    assert.throws(() => d0.pMeanVariance(spy, x, Int32Array.of(0, 1, 2, 3, 100)), /t\[4\] = 100 is outside \[0, 100\)/);
    assert.throws(() => d0.pMeanVariance(spy, x, Int32Array.of(0, 1)), /2 timesteps for a batch of 5/);
    assert.throws(() => new GaussianDiffusion(d0.betas, { modelVarType: 'learned' }).pMeanVariance(spy, x, t), /model output \[5,2\] should be \[5,4\]/);
  });
});
