import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, randn, tensor, zeros, type Tensor } from '@diffusion-ts/tensor';
import { gradcheck, leaf } from '@diffusion-ts/tensor/testing';
import { normalKlScalar as normalKl } from '../testing/likelihood-oracle.ts';
import { forwardDiffusionSample, gaussianKl, negLBoundBits, reverseMeanStd, SohlDicksteinDiffusion } from './gaussian.ts';

const close = (actual: number, expected: number, tol: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (tol ${tol})`);
};
const f64 = (values: number[], shape = [values.length]): Tensor => tensor(values, { dtype: 'float64', shape });
const cumprod = (betas: ArrayLike<number>): number[] => {
  let p = 1;
  return Array.from(betas, (b) => (p *= 1 - b));
};
const logit = (u: number): number => Math.log(u / (1 - u));

describe('forwardDiffusionSample (generate_forward_diffusion_sample)', () => {
  it('x^t is √ᾱ_t·x⁰ + √(1 − ᾱ_t)·noise with ᾱ_t the product of (1 − β_s)', () => {
    const d = new SohlDicksteinDiffusion({ T: 20, dtype: 'float64' });
    const betas = d.betas();
    const alphaBar = cumprod(betas.dataSync());
    const g = new Generator(3);
    const x0 = randn([4, 3], { dtype: 'float64', generator: g });
    const noise = randn([4, 3], { dtype: 'float64', generator: g });
    const t = [2, 7, 13, 20];
    const xt = forwardDiffusionSample(betas, x0, t, noise).xt.dataSync();
    const a = x0.dataSync(), n = noise.dataSync();
    for (let i = 0; i < 12; i++) {
      const ab = alphaBar[t[Math.floor(i / 3)]! - 1]!;
      close(xt[i]!, Math.sqrt(ab) * a[i]! + Math.sqrt(1 - ab) * n[i]!, 1e-14);
    }
  });

  it('the posterior equals Bayes: q(x^{t−1}|x⁰)·q(x^t|x^{t−1}) normalised on a grid', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 40 }), fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), (t, x0, n) => {
      const T = 40;
      const d = new SohlDicksteinDiffusion({ T, dtype: 'float64' });
      const betas = d.betas();
      const b = betas.dataSync();
      const { xt, muPosterior, sigmaPosterior } = forwardDiffusionSample(betas, f64([x0], [1, 1]), [t], f64([n], [1, 1]));
      const xT = xt.item();
      const abPrev = t === 1 ? 1 : cumprod(b)[t - 2]!;
      const beta = b[t - 1]!;
      // Unnormalised log density of x^{t−1} on a fine grid around the prior mean.
      const sd = Math.sqrt(1 - abPrev);
      const lo = Math.sqrt(abPrev) * x0 - 10 * sd, h = (20 * sd) / 20000;
      let z = 0, m1 = 0, m2 = 0;
      for (let k = 0; k <= 20000; k++) {
        const x = lo + k * h;
        const w = Math.exp(-((x - Math.sqrt(abPrev) * x0) ** 2) / (2 * (1 - abPrev)) - ((xT - Math.sqrt(1 - beta) * x) ** 2) / (2 * beta));
        z += w; m1 += w * x; m2 += w * x * x;
      }
      const mean = m1 / z, variance = m2 / z - mean * mean;
      close(muPosterior.item(), mean, 1e-8, 'mean');
      close(sigmaPosterior.item() ** 2, variance, 1e-8 * Math.max(1, variance) + 1e-10, 'variance');
    }), { numRuns: 10 });
  });

  it('composed with q(x^t|x⁰), the posterior gives q(x^{t−1}|x⁰) (mean and variance)', () => {
    const T = 30;
    const d = new SohlDicksteinDiffusion({ T, dtype: 'float64' });
    const betas = d.betas();
    const ab = cumprod(betas.dataSync());
    for (let t = 2; t <= T; t++) {
      // μ̃ is linear in (x⁰, x^t): read off its coefficients, then average over x^t ~ q(x^t | x⁰).
      const post = (x0: number, noise: number) => forwardDiffusionSample(betas, f64([x0], [1, 1]), [t], f64([noise], [1, 1]));
      const base = post(0, 0), unitX0 = post(1, 0), unitNoise = post(0, 1);
      const cNoise = unitNoise.muPosterior.item() - base.muPosterior.item(); // = coefficient of x^t · √(1 − ᾱ_t)
      const cX0 = unitX0.muPosterior.item() - base.muPosterior.item();       // = x⁰ coeff + x^t coeff · √ᾱ_t
      close(cX0, Math.sqrt(ab[t - 2]!), 1e-13, `t=${t} mean`);
      close(cNoise ** 2 + base.sigmaPosterior.item() ** 2, 1 - ab[t - 2]!, 1e-13, `t=${t} variance`);
    }
  });

  it('rejects t = 1 (the reverse step is fixed there) and t > T', () => {
    const betas = new SohlDicksteinDiffusion({ T: 5, dtype: 'float64' }).betas();
    const x = zeros([1, 1], { dtype: 'float64' });
    assert.throws(() => forwardDiffusionSample(betas, x, [1], x), RangeError);
    assert.throws(() => forwardDiffusionSample(betas, x, [6], x), RangeError);
  });
});

describe('gaussianKl and reverseMeanStd (get_mu_sigma)', () => {
  it('KL agrees with normalKl, is ≥ 0, and is 0 when the model kernel equals the posterior', () => {
    fc.assert(fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: 0.05, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: 0.05, max: 3, noNaN: true }), (m1, s1, m2, s2) => {
      const kl = gaussianKl(f64([m2]), f64([s2]), f64([m1]), f64([s1])).item();
      close(kl, normalKl(m1, 2 * Math.log(s1), m2, 2 * Math.log(s2)), 1e-12);
      assert.ok(kl >= -1e-15);
      close(gaussianKl(f64([m1]), f64([s1]), f64([m1]), f64([s1])).item(), 0, 1e-15);
    }));
  });

  it('mean x√(1−β) + muCoeff√β and variance σ(betaCoeff/√T + logit β); zero coefficients give the forward kernel', () => {
    const T = 40, beta = 0.07, x = 1.3, mc = -0.4, bc = 2.5;
    const { mu, sigma } = reverseMeanStd(f64([x]), f64([mc]), f64([bc]), f64([beta]), T);
    close(mu.item(), x * Math.sqrt(1 - beta) + mc * Math.sqrt(beta), 1e-15);
    close(sigma.item() ** 2, 1 / (1 + Math.exp(-(bc / Math.sqrt(T) + logit(beta)))), 1e-15);
    const zero = reverseMeanStd(f64([x]), f64([0]), f64([0]), f64([beta]), T);
    close(zero.mu.item(), x * Math.sqrt(1 - beta), 1e-15);
    close(zero.sigma.item() ** 2, beta, 1e-15);
  });
});

describe('negLBoundBits (get_negL_bound)', () => {
  it('is (w·KL + ½ln β_1 − ½ln(1 − ᾱ_T)) / ln 2, averaged', () => {
    const d = new SohlDicksteinDiffusion({ T: 12, dtype: 'float64' });
    const betas = d.betas();
    const b = betas.dataSync();
    const kl = [0.01, 0.3, 0.02, 0.5];
    const expected = kl.map((k) => (11 * k + 0.5 * Math.log(b[0]!) - 0.5 * Math.log(1 - cumprod(b)[11]!)) / Math.LN2);
    close(negLBoundBits(f64(kl, [2, 2]), betas, 11).item(), expected.reduce((s, v) => s + v) / 4, 1e-14);
  });
});

/**
 * The bound in expectation over x⁰ ~ N(0, s²) and the forward noise, summed over t = 2…T, with the
 * reverse kernels for t ≥ 2 given as (mean coefficient a_t, variance v_t): p(x^{t−1}|x^t) = N(a_t x^t, v_t),
 * put through the library's parameterisation. Every KL is quadratic in (x⁰, noise), so the two-point
 * Gauss–Hermite rule per variable (exact up to degree 3) gives the expectation exactly.
 */
function expectedBoundBits(d: SohlDicksteinDiffusion, s: number, kernel: (t: number) => { a: number; v: number }): number {
  const betas = d.betas();
  const b = betas.dataSync();
  const t: number[] = [], x0: number[] = [], noise: number[] = [], muCoeff: number[] = [], betaCoeff: number[] = [];
  for (let step = 2; step <= d.T; step++) {
    const { a, v } = kernel(step);
    const beta = b[step - 1]!;
    for (const z1 of [-1, 1]) for (const z2 of [-1, 1]) { t.push(step); x0.push(s * z1); noise.push(z2); muCoeff.push(a); betaCoeff.push(Math.sqrt(d.T) * (logit(v) - logit(beta))); }
  }
  const n = t.length;
  const { xt, muPosterior, sigmaPosterior } = forwardDiffusionSample(betas, f64(x0, [n, 1]), t, f64(noise, [n, 1]));
  const betaT = f64(t.map((step) => b[step - 1]!), [n, 1]);
  // muCoeff·√β_t = (a_t − √(1 − β_t))·x^t turns the library's mean into a_t·x^t.
  const mc = xt.mul(f64(muCoeff, [n, 1]).sub(betaT.neg().add(1).sqrt())).div(betaT.sqrt());
  const { mu, sigma } = reverseMeanStd(xt, mc, f64(betaCoeff, [n, 1]), betaT, d.T);
  const kl = gaussianKl(mu, sigma, muPosterior, sigmaPosterior);
  // Average over the 4 quadrature points of each t and sum over t: that is (T − 1)·mean over all rows.
  return negLBoundBits(kl.mean().reshape([1]), betas, d.T - 1).item();
}

/** The exact reverse kernel q(x^{t−1} | x^t) of N(0, s²) data: N(a x^t, v). */
function exactKernel(betas: ArrayLike<number>, s: number): (t: number) => { a: number; v: number } {
  const ab = cumprod(betas);
  const variance = (t: number) => (t === 0 ? s * s : ab[t - 1]! * s * s + 1 - ab[t - 1]!);
  return (t) => {
    const alpha = 1 - betas[t - 1]!, vPrev = variance(t - 1), vT = variance(t);
    return { a: (Math.sqrt(alpha) * vPrev) / vT, v: vPrev - (alpha * vPrev * vPrev) / vT };
  };
}

describe('the bound K on Gaussian data', () => {
  it('is exactly 0 bits (the N(0, I) likelihood) for N(0, 1) data when the kernels are the forward ones (the reference\'s DEBUG check)', () => {
    for (const T of [2, 10, 40, 300]) {
      const d = new SohlDicksteinDiffusion({ T, dtype: 'float64' });
      const b = d.betas().dataSync();
      close(expectedBoundBits(d, 1, (t) => ({ a: Math.sqrt(1 - b[t - 1]!), v: b[t - 1]! })), 0, 1e-11, `T=${T}`);
    }
  });

  it('with the exact reverse kernels of N(0, s²) data: K − H equals its closed-form gap, is ≥ 0 for s ≤ 1, and vanishes as T grows', () => {
    const gapBits = (T: number, s: number, step1Beta: number): number => {
      const d = new SohlDicksteinDiffusion({ T, step1Beta, dtype: 'float64' });
      const b = d.betas().dataSync();
      const bits = expectedBoundBits(d, s, exactKernel(b, s));
      // Bound − entropy = KL(q(x^T) ‖ N(0,1)) + E KL(q(x⁰|x¹) ‖ N(√α_1 x¹, β_1)) − ½(ᾱ_T + β_1)(s² − 1), in nats;
      // the entropy of N(0, s²) is log₂ s bits above N(0, 1)'s.
      const abT = cumprod(b)[T - 1]!, beta1 = b[0]!, alpha1 = 1 - beta1, s2 = s * s;
      const vT = abT * s2 + 1 - abT, v1 = alpha1 * s2 + beta1;
      const c = (Math.sqrt(alpha1) * s2) / v1, u = s2 - (alpha1 * s2 * s2) / v1;
      const klPrior = 0.5 * (vT - 1 - Math.log(vT));
      const klLast = 0.5 * (Math.log(beta1 / u) + u / beta1 + ((c - Math.sqrt(alpha1)) ** 2 * v1) / beta1 - 1);
      const gap = klPrior + klLast - 0.5 * (abT + beta1) * (s2 - 1);
      close(bits - Math.log2(s), gap / Math.LN2, 1e-9, `T=${T} s=${s}`);
      return bits - Math.log2(s);
    };
    for (const s of [0.3, 0.7, 1]) for (const T of [5, 40]) assert.ok(gapBits(T, s, 0.001) >= -1e-12, `T=${T} s=${s}`);
    gapBits(40, 1.6, 0.001); // the identity also holds above unit variance, where K is not a bound
    const gaps = [10, 100, 1000].map((T) => gapBits(T, 0.5, 0));
    assert.ok(gaps[0]! > gaps[1]! && gaps[1]! > gaps[2]! && gaps[2]! < 0.01, `gaps ${gaps}`);
  });
});

describe('SohlDicksteinDiffusion', () => {
  const tinyNetwork = (W: Tensor) => (x: Tensor) => x.matmul(W).tanh();

  it('lossAt: gradients w.r.t. the schedule coefficients, the network weights and its outputs check in float64', () => {
    const g = new Generator(11);
    const d = new SohlDicksteinDiffusion({ T: 8, nBasis: 3, dtype: 'float64' });
    const x0 = randn([3, 2], { dtype: 'float64', generator: g });
    const noise = randn([3, 2], { dtype: 'float64', generator: g });
    const t = [2, 5, 8];
    const loss = (c: Tensor, W: Tensor) => {
      d.betaPerturbCoefficients = c;
      return d.lossAt(tinyNetwork(W), x0, t, noise);
    };
    gradcheck(loss, [leaf([3], g, 0.5), leaf([2, 2 * 2 * 3], g, 0.5)]);
    const viaZ = (c: Tensor, Z: Tensor) => {
      d.betaPerturbCoefficients = c;
      return d.lossAt(() => Z, x0, t, noise);
    };
    gradcheck(viaZ, [leaf([3], g, 0.5), leaf([3, 12], g, 0.5)]);
  });

  it('trainingLoss draws t in 2…T, the noise, and the dequantisation noise, then equals lossAt on those draws', () => {
    const d = new SohlDicksteinDiffusion({ T: 10, nBasis: 3, uniformNoise: 0.1, dtype: 'float64' });
    const W = randn([2, 12], { dtype: 'float64', generator: new Generator(1) }).mul(0.3);
    const x0 = randn([5, 2], { dtype: 'float64', generator: new Generator(2) });
    const loss = d.trainingLoss(tinyNetwork(W), x0, new Generator(9)).item();
    const g = new Generator(9);
    const t = Int32Array.from({ length: 5 }, () => g.integer(2, 11));
    const noise = randn([5, 2], { dtype: 'float64', generator: g });
    const deq = x0.add(tensor(Float64Array.from({ length: 10 }, () => g.random()), { shape: [5, 2] }).sub(0.5).mul(0.1));
    close(loss, d.lossAt(tinyNetwork(W), deq, t, noise).item(), 1e-15);
    for (const s of t) assert.ok(s >= 2 && s <= 10);
  });

  it('boundBits with dequantisation noise u is the bound without it on x⁰ + u·(U[0, 1) − ½) drawn from the same seed', () => {
    const W = randn([2, 12], { dtype: 'float64', generator: new Generator(1) }).mul(0.3);
    const x0 = randn([5, 2], { dtype: 'float64', generator: new Generator(2) });
    const bits = new SohlDicksteinDiffusion({ T: 6, nBasis: 3, uniformNoise: 0.4, dtype: 'float64' }).boundBits(tinyNetwork(W), x0, new Generator(9));
    const g = new Generator(9); // the dequantisation uniforms come first, then the noise of every step
    const deq = x0.add(tensor(Float64Array.from({ length: 10 }, () => g.random()), { shape: [5, 2] }).sub(0.5).mul(0.4));
    const clean = new SohlDicksteinDiffusion({ T: 6, nBasis: 3, dtype: 'float64' });
    close(bits, clean.boundBits(tinyNetwork(W), deq, g), 1e-15);
    assert.ok(Math.abs(bits - clean.boundBits(tinyNetwork(W), x0, new Generator(9))) > 1e-3, 'the noise must matter here');
  });

  it('klWeight: the reference scales the single-step KL by T, the unbiased estimate by T − 1', () => {
    assert.equal(new SohlDicksteinDiffusion({ T: 40 }).klFactor, 39);
    assert.equal(new SohlDicksteinDiffusion({ T: 40, klWeight: 'reference' }).klFactor, 40);
  });

  it('sample: N(0, I) through every kernel; with the forward kernels (zero network) it keeps N(0, 1), and reports each step', () => {
    const d = new SohlDicksteinDiffusion({ T: 20, nBasis: 4 });
    const n = 4000;
    const steps: number[] = [];
    const x = d.sample((xt) => zeros([xt.shape[0]!, 2 * 2 * 4]), [n, 2], new Generator(5), { onStep: ({ t, x: xs }) => { steps.push(t); assert.deepEqual(xs.shape, [n, 2]); } });
    assert.deepEqual(steps, Array.from({ length: 20 }, (_, i) => 20 - i));
    const v = x.dataSync();
    let m = 0, m2 = 0;
    for (const value of v) { m += value; m2 += value * value; }
    m /= v.length; m2 /= v.length;
    // N(0, 1) is stationary under every kernel N(√(1−β)x, β): 4 standard errors of mean and second moment.
    assert.ok(Math.abs(m) < 4 / Math.sqrt(v.length), `mean ${m}`);
    assert.ok(Math.abs(m2 - 1) < 4 * Math.sqrt(2 / v.length), `second moment ${m2}`);
  });

  it('sample: x^T from the seed, then x^{t−1} = μ + σ·z with the next draws; the last step is N(√(1 − β_1)·x¹, β_1)', () => {
    const d = new SohlDicksteinDiffusion({ T: 3, nBasis: 2, dtype: 'float64' });
    const W = randn([2, 8], { dtype: 'float64', generator: new Generator(4) }).mul(0.5);
    const states: Tensor[] = [];
    const x0 = d.sample(tinyNetwork(W), [3, 2], new Generator(5), { onStep: ({ x }) => states.push(x) }).dataSync();
    const g = new Generator(5);
    const draw = () => Array.from({ length: 6 }, () => g.normal());
    const xT = f64(draw(), [3, 2]);
    const { mu, sigma } = d.reverseStep(tinyNetwork(W), xT, [3, 3, 3]);
    const z = draw();
    const first = states[0]!.dataSync();
    z.forEach((zi, i) => close(first[i]!, mu.dataSync()[i]! + sigma.dataSync()[i]! * zi, 1e-15, `x² entry ${i}`));
    draw(); // the step t = 2
    const beta1 = d.betas().dataSync()[0]!, x1 = states[1]!.dataSync();
    draw().forEach((zi, i) => close(x0[i]!, Math.sqrt(1 - beta1) * x1[i]! + Math.sqrt(beta1) * zi, 1e-15, `x⁰ entry ${i}`));
  });

  it('sample: per-example generators give each example the same draw alone or in a batch', () => {
    const d = new SohlDicksteinDiffusion({ T: 6, nBasis: 3 });
    const W = randn([2, 12], { generator: new Generator(4) }).mul(0.3);
    const batch = d.sample(tinyNetwork(W), [3, 2], [new Generator(10), new Generator(11), new Generator(12)]).dataSync();
    const alone = d.sample(tinyNetwork(W), [1, 2], [new Generator(11)]).dataSync();
    assert.deepEqual([...alone], [...batch.slice(2, 4)]);
  });
});
