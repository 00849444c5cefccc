import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, noGrad, randn, tensor, zeros, type Tensor } from '@diffusion-ts/tensor';
import { gradcheck, leaf } from '@diffusion-ts/tensor/testing';
import { Adam } from '@diffusion-ts/nn';
import { bernoulliKl, BinomialDiffusion, binomialBoundBits, sampleBinomialChain } from './binomial.ts';

const close = (actual: number, expected: number, tol: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (tol ${tol})`);
};
const f64 = (values: ArrayLike<number>, shape = [values.length]): Tensor => tensor(Float64Array.from(values), { dtype: 'float64', shape });
const h = (p: number): number => (p <= 0 || p >= 1 ? 0 : -p * Math.log(p) - (1 - p) * Math.log(1 - p));
const logit = (p: number): number => Math.log(p / (1 - p));

describe('BinomialDiffusion: forward process', () => {
  it('β_t = 1/(T − t + 1), ᾱ_t = (T − t)/T, and composing the steps gives the closed-form marginals', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 200 }), (T) => {
      const d = new BinomialDiffusion({ T, nBasis: 2 });
      const x0 = f64([0, 1], [2, 1]);
      let p = x0;
      for (let t = 1; t <= T; t++) {
        close(d.betas[t - 1]!, 1 / (T - t + 1), 1e-15);
        close(d.alphasCumprod[t - 1]!, (T - t) / T, 1e-13);
        p = d.stepProb(p, t); // linear in x^{t−1}: maps P(x^{t−1} = 1 | x⁰) to P(x^t = 1 | x⁰)
        const closed = d.marginalProb(x0, t).dataSync(), composed = p.dataSync();
        close(composed[0]!, closed[0]!, 1e-13);
        close(composed[1]!, closed[1]!, 1e-13);
      }
      assert.deepEqual([...d.marginalProb(x0, T).dataSync()], [0.5, 0.5]); // β_T = 1: x^T is a fair coin
    }));
  });

  it('the posterior is Bayes over x^{t−1} ∈ {0, 1}, and averaged over x^t it gives q(x^{t−1} | x⁰)', () => {
    const T = 12;
    const d = new BinomialDiffusion({ T, nBasis: 3 });
    const m = (x0: number, t: number) => (t === 0 ? x0 : x0 * d.alphasCumprod[t - 1]! + 0.5 * (1 - d.alphasCumprod[t - 1]!));
    for (let t = 1; t <= T; t++) {
      for (const x0 of [0, 1]) {
        let averaged = 0;
        for (const xt of [0, 1]) {
          const step = (v: number) => { const q1 = v * (1 - d.betas[t - 1]!) + 0.5 * d.betas[t - 1]!; return xt === 1 ? q1 : 1 - q1; };
          const joint1 = step(1) * m(x0, t - 1), joint0 = step(0) * (1 - m(x0, t - 1));
          const post = d.posteriorProb(f64([x0], [1, 1]), f64([xt], [1, 1]), t).item();
          close(post, joint1 / (joint1 + joint0), 1e-14, `t=${t} x0=${x0} xt=${xt}`);
          averaged += (xt === 1 ? m(x0, t) : 1 - m(x0, t)) * post;
        }
        close(averaged, m(x0, t - 1), 1e-14);
      }
    }
  });

  it('checks its steps: marginalProb takes 0…T, stepProb and posteriorProb 1…T, reverseLogit 2…T (t = 1 is the fixed last step)', () => {
    const d = new BinomialDiffusion({ T: 5, nBasis: 2 });
    const x = f64([1, 0], [2, 1]);
    const network = (xt: Tensor) => zeros([xt.shape[0]!, 2], { dtype: 'float64' });
    const ranges: [string, (t: number[]) => unknown, number][] = [
      ['marginalProb', (t) => d.marginalProb(x, t), 0],
      ['stepProb', (t) => d.stepProb(x, t), 1],
      ['posteriorProb', (t) => d.posteriorProb(x, x, t), 1],
      ['reverseLogit', (t) => d.reverseLogit(network, x, t), 2],
    ];
    for (const [fn, call, lo] of ranges) {
      call([lo, 5]); // both ends accepted
      assert.throws(() => call([lo - 1, 5]), new RegExp(`${fn}: step t = ${lo - 1} must be an integer in \\[${lo}, 5\\]`));
      assert.throws(() => call([lo, 6]), new RegExp(`${fn}: step t = 6`));
      assert.throws(() => call([lo]), new RegExp(`${fn}: 1 steps for a batch of 2`));
    }
  });

  it('qSample: x^t = 1 where u < q(x^t = 1 | x⁰), one uniform per entry, in order, from a shared generator', () => {
    const d = new BinomialDiffusion({ T: 5, nBasis: 2 });
    const x0 = [1, 0, 1, 1, 0, 0];
    const g = new Generator(4);
    const first = d.qSample(f64(x0, [3, 2]), 3, g).dataSync(), second = d.qSample(f64(x0, [3, 2]), 3, g).dataSync();
    const h = new Generator(4);
    const u = Array.from({ length: 12 }, () => h.random());
    const p = x0.map((v) => 0.4 * v + 0.3); // ᾱ_3 = 2/5
    assert.deepEqual([...first, ...second], u.map((ui, i) => (ui < p[i % 6]! ? 1 : 0)));
  });

  it('qSample draws x^t with the marginal frequencies (4 standard errors)', () => {
    const d = new BinomialDiffusion({ T: 10, nBasis: 3 });
    const n = 20000;
    const x0 = tensor(Float32Array.from({ length: n }, (_, i) => i % 2), { shape: [n, 1] });
    const xt = d.qSample(x0, 4, new Generator(3)).dataSync();
    for (const v of [0, 1]) {
      let ones = 0;
      for (let i = v; i < n; i += 2) ones += xt[i]!;
      const p = v * 0.6 + 0.2; // ᾱ_4 = 6/10
      close(ones / (n / 2), p, 4 * Math.sqrt((p * (1 - p)) / (n / 2)), `x0=${v}`);
    }
  });
});

/**
 * The exact expected bound, in bits per dimension, for product-Bernoulli data with P(x_i = 1) = p_i and a
 * reverse model given by its logits ℓ(t, x^t_i, i): x⁰ and x^t are enumerated and weighted by
 * q(x⁰) q(x^t | x⁰), and the KLs summed over t = 2…T.
 */
function exactBoundBits(d: BinomialDiffusion, p: number[], modelLogit: (t: number, xt: number, i: number) => number): number {
  const D = p.length;
  const rows: { t: number; x0: number; xt: number }[] = [];
  for (let t = 2; t <= d.T; t++) for (const x0 of [0, 1]) for (const xt of [0, 1]) rows.push({ t, x0, xt });
  const B = rows.length;
  const ab = (t: number) => d.alphasCumprod[t - 1]!;
  const weight = rows.flatMap(({ t, x0, xt }) => p.map((pi) => {
    const m = x0 * ab(t) + 0.5 * (1 - ab(t));
    return (x0 === 1 ? pi : 1 - pi) * (xt === 1 ? m : 1 - m);
  }));
  const x0s = f64(rows.flatMap(({ x0 }) => p.map(() => x0)), [B, D]);
  const xts = f64(rows.flatMap(({ xt }) => p.map(() => xt)), [B, D]);
  const t = rows.map((r) => r.t);
  const logits = f64(rows.flatMap(({ t: s, xt }) => p.map((_, i) => modelLogit(s, xt, i))), [B, D]);
  const kl = bernoulliKl(d.posteriorProb(x0s, xts, t), logits).mul(f64(weight, [B, D])).sum(0); // [D]
  return binomialBoundBits(kl, d.betas, 1).item();
}

/** The exact reverse kernel of product-Bernoulli data: q(x^{t−1} = 1 | x^t) for dimension i. */
function exactReverseProb(d: BinomialDiffusion, p: number[]) {
  const m = (t: number, pi: number) => (t === 0 ? pi : pi * d.alphasCumprod[t - 1]! + 0.5 * (1 - d.alphasCumprod[t - 1]!));
  return (t: number, xt: number, i: number) => {
    const flip = 0.5 * d.betas[t - 1]!, prev = m(t - 1, p[i]!);
    const l1 = xt === 1 ? 1 - flip : flip, l0 = xt === 1 ? flip : 1 - flip;
    return (l1 * prev) / (l1 * prev + l0 * (1 - prev));
  };
}

describe('BinomialDiffusion: the bound K', () => {
  const entropyBits = (p: number[]) => p.reduce((s, pi) => s + h(pi), 0) / p.length / Math.LN2;

  it('with the exact reverse model it exceeds the entropy by exactly E KL(q(x⁰|x¹) ‖ q(x¹|x⁰)) (the fixed last step), which vanishes as T grows', () => {
    const p = [0.5, 0.1, 0.8, 0.97];
    const gapBits = (T: number) => {
      const d = new BinomialDiffusion({ T, nBasis: 2 });
      const exact = exactReverseProb(d, p);
      const bits = exactBoundBits(d, p, (t, xt, i) => logit(exact(t, xt, i)));
      // q(x⁰ = 1 | x¹) against the fixed kernel p(x⁰ = 1 | x¹) = x¹(1 − ½β_1) + (1 − x¹)½β_1.
      const flip = 0.5 * d.betas[0]!;
      let gap = 0;
      for (const pi of p) {
        for (const x1 of [0, 1]) {
          const l1 = x1 === 1 ? 1 - flip : flip, l0 = x1 === 1 ? flip : 1 - flip;
          const qx1 = l1 * pi + l0 * (1 - pi);
          const post = (l1 * pi) / qx1, fixed = x1 === 1 ? 1 - flip : flip;
          gap += qx1 * (post * Math.log(post / fixed) + (1 - post) * Math.log((1 - post) / (1 - fixed)));
        }
      }
      close(bits - entropyBits(p), gap / p.length / Math.LN2, 1e-12, `T=${T}`);
      assert.ok(gap >= 0);
      return bits - entropyBits(p);
    };
    const gaps = [5, 50, 500].map(gapBits);
    // The gap shrinks like β_1 = 1/T: a tenfold longer trajectory leaves about a tenth of it.
    assert.ok(gaps[0]! / gaps[1]! > 7 && gaps[1]! / gaps[2]! > 9, `gaps ${gaps}`);
  });

  it('for fair-coin data the forward kernels read backwards (a zero network) are exact: 1 bit per dimension', () => {
    const d = new BinomialDiffusion({ T: 30, nBasis: 4 });
    const bits = exactBoundBits(d, [0.5, 0.5], (t, xt) => logit(xt * (1 - d.betas[t - 1]!) + 0.5 * d.betas[t - 1]!));
    close(bits, 1, 1e-13);
  });

  it('boundBits for T = 2 is the t = 2 term by hand: x² = 1 where u < ½, q(x¹ = 1 | x², x⁰) = ½x⁰ + ¼, ℓ = a·x²', () => {
    // T = 2: β = (½, 1), ᾱ_2 = 0, so x² is a fair coin whatever x⁰, and the posterior of x¹ is its prior ½x⁰ + ¼.
    // The network gives every basis coefficient a·x², and the basis is a partition of unity, so the
    // readout is a·x²; logit(q(x² | x¹) read backwards) = logit(½) = 0, so ℓ = a·x².
    const d = new BinomialDiffusion({ T: 2, nBasis: 2 });
    const a = 1.3, B = 2, D = 3;
    const network = (x: Tensor) => x.reshape([B, D, 1]).expand([B, D, 2]).reshape([B, 2 * D]).mul(a);
    const x0 = [1, 0, 1, 0, 0, 1];
    const g = new Generator(7);
    let total = 0;
    x0.forEach((v) => {
      const x2 = g.random() < 0.5 ? 1 : 0;
      const q = 0.5 * v + 0.25, p = 1 / (1 + Math.exp(-a * x2));
      const kl = q * Math.log(q / p) + (1 - q) * Math.log((1 - q) / (1 - p));
      total += (kl + h(0.25) - h(0.5) + Math.LN2) / Math.LN2; // klWeight 1, H_q(X¹|X⁰) − H_q(X²|X⁰) + H_p(X²)
    });
    close(d.boundBits(network, f64(x0, [B, D]), new Generator(7)), total / x0.length, 1e-14);
  });

  it('is ≥ the entropy of the data for any reverse model (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 25 }), fc.array(fc.double({ min: 0.02, max: 0.98, noNaN: true }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (T, p, seed) => {
      const d = new BinomialDiffusion({ T, nBasis: 2 });
      const g = new Generator(seed);
      const table = new Map<string, number>();
      const model = (t: number, xt: number, i: number) => {
        const key = `${t},${xt},${i}`;
        if (!table.has(key)) table.set(key, 3 * g.normal());
        return table.get(key)!;
      };
      assert.ok(exactBoundBits(d, p, model) >= entropyBits(p) - 1e-12);
    }));
  });

  it('lossAt: the gradient w.r.t. the network checks in float64', () => {
    const g = new Generator(5);
    const d = new BinomialDiffusion({ T: 9, nBasis: 3 });
    const x0 = f64([1, 0, 0, 1, 1, 1], [3, 2]);
    const u = tensor(Float64Array.from({ length: 6 }, () => g.random()), { shape: [3, 2] });
    const loss = (W: Tensor, b: Tensor) => d.lossAt((x) => x.matmul(W).add(b).tanh(), x0, [2, 6, 9], u);
    gradcheck(loss, [leaf([2, 6], g, 0.5), leaf([6], g, 0.5)]);
  });
});

describe('BinomialDiffusion: sampling and training', () => {
  it('sampleBinomialChain with the exact reverse kernels draws x¹ ~ q(x¹), then the fixed last step', () => {
    const p = [0.15, 0.7];
    const d = new BinomialDiffusion({ T: 8, nBasis: 3 });
    const exact = exactReverseProb(d, p);
    const kernel = (x: Tensor, t: number) => {
      if (t === 1) return d.stepProb(x, 1);
      const v = x.dataSync();
      return tensor(Float32Array.from(v, (xt, k) => exact(t, xt, k % 2)), { shape: x.shape });
    };
    const n = 20000;
    const xT = tensor(Float32Array.from({ length: 2 * n }, (_, k) => ((k * 7919) >> 3) % 2), { shape: [n, 2] }); // any start: β_T = 1
    const x = sampleBinomialChain(kernel, xT, d.T, new Generator(8)).dataSync();
    p.forEach((pi, i) => {
      const m1 = pi * d.alphasCumprod[0]! + 0.5 * (1 - d.alphasCumprod[0]!);
      const expected = m1 * (1 - 0.5 * d.betas[0]!) + (1 - m1) * 0.5 * d.betas[0]!;
      let ones = 0;
      for (let k = i; k < 2 * n; k += 2) ones += x[k]!;
      close(ones / n, expected, 4 * Math.sqrt((expected * (1 - expected)) / n), `dim ${i}`);
    });
  });

  it('training on the bound moves it from ~1 bit towards the data entropy', (t) => {
    const p = [0.1, 0.85, 0.3];
    const D = p.length, nBasis = 3, T = 10;
    const d = new BinomialDiffusion({ T, nBasis });
    const g = new Generator(21);
    // Per-dimension logit offsets linear in the dimension's own x^t: enough for product-Bernoulli data.
    const W = randn([D * nBasis], { generator: g }).mul(0.01).requiresGrad_();
    const b = zeros([D * nBasis]).requiresGrad_();
    const network = (x: Tensor) => x.reshape([x.shape[0]!, D, 1]).expand([x.shape[0]!, D, nBasis]).reshape([x.shape[0]!, D * nBasis]).mul(W).add(b);
    const data = (n: number) => tensor(Float32Array.from({ length: n * D }, (_, k) => (g.random() < p[k % D]! ? 1 : 0)), { shape: [n, D] });
    const evalData = data(4000);
    const before = d.boundBits(network, evalData, new Generator(1));
    const opt = new Adam([W, b], { lr: 0.05 });
    for (let step = 0; step < 300; step++) {
      const loss = d.trainingLoss(network, data(256), g);
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }
    const after = noGrad(() => d.boundBits(network, evalData, new Generator(1)));
    const entropy = p.reduce((s, pi) => s + h(pi), 0) / D / Math.LN2;
    t.diagnostic(`bound ${before.toFixed(4)} -> ${after.toFixed(4)} bits/dim; data entropy ${entropy.toFixed(4)}`);
    assert.ok(Math.abs(before - 1) < 0.05, `before ${before}`);
    assert.ok(after < before - 0.2 && after > entropy - 0.02, `after ${after}, entropy ${entropy}`);
  });
});
