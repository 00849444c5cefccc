import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, tensor, zeros, type Tensor } from '@diffusion-ts/tensor';
import { SohlDicksteinDiffusion, type ReverseKernel } from './gaussian.ts';
import { clampKnown, multiplyGaussian, samplePosterior } from './posterior.ts';

const close = (actual: number, expected: number, tol: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (tol ${tol})`);
};
const f64 = (values: number[], shape = [values.length]): Tensor => tensor(values, { dtype: 'float64', shape });

/** Mean and variance of column j of an [n, d] sample. */
function columnMoments(x: Tensor, j: number): { mean: number; variance: number; n: number } {
  const [n, d] = x.shape as [number, number];
  const v = x.dataSync();
  let m = 0, m2 = 0;
  for (let i = 0; i < n; i++) { m += v[i * d + j]!; m2 += v[i * d + j]! ** 2; }
  m /= n;
  return { mean: m, variance: m2 / n - m * m, n };
}

/** Sample mean and variance within 4 standard errors of a Gaussian's. */
function assertGaussianMoments(x: Tensor, j: number, mean: number, variance: number, what: string): void {
  const s = columnMoments(x, j);
  close(s.mean, mean, 4 * Math.sqrt(variance / s.n), `${what} mean`);
  close(s.variance, variance, 4 * variance * Math.sqrt(2 / s.n), `${what} variance`);
}

describe('multiplying a Gaussian kernel by a known factor (Section 2.5)', () => {
  it('multiplyGaussian is the normalised product N(μ, σ²)·N(y, σ_r²), checked against Bayes on a grid', () => {
    fc.assert(fc.property(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: 0.1, max: 2, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: 0.1, max: 2, noNaN: true }), (mu, sigma, y, sigmaR) => {
      const out = multiplyGaussian({ mu: f64([mu]), sigma: f64([sigma]) }, f64([y]), sigmaR);
      let z = 0, m1 = 0, m2 = 0;
      const lo = mu - 12 * sigma, h = (24 * sigma) / 40000;
      for (let k = 0; k <= 40000; k++) {
        const x = lo + k * h;
        const w = Math.exp(-((x - mu) ** 2) / (2 * sigma * sigma) - ((x - y) ** 2) / (2 * sigmaR * sigmaR));
        z += w; m1 += w * x; m2 += w * x * x;
      }
      const mean = m1 / z;
      close(out.mu.item(), mean, 1e-9, 'mean');
      close(out.sigma.item() ** 2, m2 / z - mean * mean, 1e-9, 'variance');
    }), { numRuns: 15 });
  });

  it('clampKnown puts mean y and zero spread on the known entries and leaves the others', () => {
    const out = clampKnown({ mu: f64([1, 2, 3]), sigma: f64([0.1, 0.2, 0.3]) }, f64([1, 0, 1]), f64([-5, 9, 7]));
    assert.deepEqual([...out.mu.dataSync()], [-5, 2, 7]);
    assert.deepEqual([...out.sigma.dataSync()], [0, 0.2, 0]);
  });
});

describe('samplePosterior', () => {
  const n = 6000;
  const T = 40;
  const d = new SohlDicksteinDiffusion({ T, nBasis: 4 });
  // For N(0, I) data the forward kernels read backwards (a zero network) are the exact reverse kernels.
  const zeroNetworkKernel = d.reverseKernel((x) => zeros([x.shape[0]!, x.shape[1]! * 2 * 4]));
  const betas = Array.from(d.betas().dataSync());
  const alphaBar: number[] = [1];
  for (const b of betas) alphaBar.push(alphaBar[alphaBar.length - 1]! * (1 - b));

  it('inpainting keeps the known entries fixed at every step and gives the exact conditional of N(0, I) data', () => {
    const mask = tensor([1, 0, 1]);
    const y = tensor([0.7, 0, -1.2]);
    const knownFixed = (xs: Tensor): boolean => {
      const v = xs.dataSync();
      for (let i = 0; i < n; i++) if (v[3 * i] !== Math.fround(0.7) || v[3 * i + 2] !== Math.fround(-1.2)) return false;
      return true;
    };
    let steps = 0;
    const x = samplePosterior(zeroNetworkKernel, { kind: 'inpaint', y, mask }, T, [n, 3], new Generator(4), {
      onStep: ({ x: xs }) => { steps++; assert.ok(knownFixed(xs), `known entries moved at step ${steps}`); },
    });
    assert.equal(steps, T);
    assertGaussianMoments(x, 1, 0, 1, 'unknown entry'); // independent of the known ones: its marginal
  });

  it('inpainting correlated data follows the paper\'s clamped chain exactly (an approximation of the conditional)', () => {
    // Data N(0, [[1, ρ], [ρ, 1]]); the model's kernel for t: exact reverse mean K_t x^t, diagonal of the exact variance.
    const rho = 0.8, yKnown = 1.5;
    const cov = (t: number) => { const c = alphaBar[t]! * rho; return [[1, c], [c, 1]] as const; };
    const kernels = Array.from({ length: T + 1 }, (_, t) => {
      if (t === 0) return null;
      const a = 1 - betas[t - 1]!, P = cov(t - 1), Q = cov(t); // Q = a·P + β I
      const det = Q[0][0] * Q[1][1] - Q[0][1] * Q[1][0];
      const Qi = [[Q[1][1] / det, -Q[0][1] / det], [-Q[1][0] / det, Q[0][0] / det]];
      const K = [0, 1].map((r) => [0, 1].map((c) => Math.sqrt(a) * (P[r]![0]! * Qi[0]![c]! + P[r]![1]! * Qi[1]![c]!)));
      const S00 = P[0][0] - Math.sqrt(a) * (K[0]![0]! * P[0][0] + K[0]![1]! * P[1][0]);
      const S11 = P[1][1] - Math.sqrt(a) * (K[1]![0]! * P[0][1] + K[1]![1]! * P[1][1]);
      return { K, S00, S11 };
    });
    const kernel: ReverseKernel = (x, t) => {
      const { K, S00, S11 } = kernels[t]!;
      return { mu: x.matmul(tensor(K).transpose(0, 1)), sigma: tensor([Math.sqrt(S00), Math.sqrt(S11)]).expand(x.shape) };
    };
    const x = samplePosterior(kernel, { kind: 'inpaint', y: tensor([0, yKnown]), mask: tensor([0, 1]) }, T, [n, 2], new Generator(6));
    // The clamped chain for the unknown entry u: u' = K00 u + K01 y + √S00 ε, from u ~ N(0, 1).
    let m = 0, v = 1;
    for (let t = T; t >= 1; t--) {
      const { K, S00 } = kernels[t]!;
      m = K[0]![0]! * m + K[0]![1]! * yKnown;
      v = K[0]![0]! ** 2 * v + S00;
    }
    assertGaussianMoments(x, 0, m, v, 'clamped chain');
    assert.ok(Math.abs(m - rho * yKnown) > 0.05, 'the constant-r chain is not the exact conditional here');
  });

  it('denoising with r_t(x^t) = E[r(x⁰) | x^t] is exact: N(0, 1) data observed as y = x + σ_r n gives N(y/(1 + σ_r²), σ_r²/(1 + σ_r²))', () => {
    const sigmaR = 0.5, yObs = [1.3, -0.4];
    // p(x⁰ | x^s) = N(√ᾱ_s x^s, 1 − ᾱ_s), so E[N(y; x⁰, σ_r²) | x^s] ∝ N(x^s; y/√ᾱ_s, (σ_r² + 1 − ᾱ_s)/ᾱ_s).
    const factor = (s: number) => ({
      kind: 'gaussian' as const,
      y: tensor(yObs.map((y) => y / Math.sqrt(alphaBar[s]!))),
      sigma: Math.sqrt((sigmaR ** 2 + 1 - alphaBar[s]!) / alphaBar[s]!),
    });
    const x = samplePosterior(zeroNetworkKernel, factor, T, [n, 2], new Generator(8));
    yObs.forEach((y, j) => assertGaussianMoments(x, j, y / (1 + sigmaR ** 2), sigmaR ** 2 / (1 + sigmaR ** 2), `dim ${j}`));
  });

  it('denoising with the paper\'s constant r follows its closed-form chain', (t) => {
    const sigmaR = 0.5, y = 1.3;
    const x = samplePosterior(zeroNetworkKernel, { kind: 'gaussian', y: tensor([y]), sigma: sigmaR }, T, [n, 1], new Generator(10));
    // x^T ~ N(0,1)·N(y, σ_r²); then each kernel N(√(1−β)x, β) times N(y, σ_r²).
    let m = y / (1 + sigmaR ** 2), v = sigmaR ** 2 / (1 + sigmaR ** 2);
    for (let s = T; s >= 1; s--) {
      const beta = betas[s - 1]!, tilde = 1 / (1 / beta + 1 / sigmaR ** 2);
      m = tilde * ((Math.sqrt(1 - beta) * m) / beta + y / sigmaR ** 2);
      v = (tilde * Math.sqrt(1 - beta) / beta) ** 2 * v + tilde;
    }
    assertGaussianMoments(x, 0, m, v, 'constant r');
    t.diagnostic(`constant r: N(${m.toFixed(4)}, ${v.toFixed(4)}); exact posterior N(${(y / (1 + sigmaR ** 2)).toFixed(4)}, ${(sigmaR ** 2 / (1 + sigmaR ** 2)).toFixed(4)})`);
  });
});
