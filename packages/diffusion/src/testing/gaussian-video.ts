/**
 * Test fixture: a Gaussian "video" whose denoiser is exact, so conditioning on known frames has a
 * closed-form answer. Clips are [B, 1, F, 1, P] (F frames of P pixels), x₀ ~ N(μ, Σ) with
 * Σ = K_time ⊗ K_pixel, K_time[i, j] = s² ρ^|i − j| (frames correlated like a smooth motion).
 * - Unconditional denoiser: D(x; σ) = μ + Σ(Σ + σ² I)⁻¹ (x − μ) (Gaussian Tweedie), as tensor ops, so
 *   autodiff runs through it; and the discrete x₀-model E[x₀ | z_t] = D(z_t/√ᾱ_t; √(1 − ᾱ_t)/√ᾱ_t).
 * - Given xᵃ (frames a), xᵇ | xᵃ ~ N(μ_b + Σ_ba Σ_aa⁻¹ (xᵃ − μ_a), Σ_bb − Σ_ba Σ_aa⁻¹ Σ_ab): the target.
 * - The exact conditional denoiser E[xᵇ | xᵇ + σ n, xᵃ] of that Gaussian, as a control of the harness.
 * Plain float64 matrix arithmetic, independent of the code under test. Not exported from the package.
 */
import { tensor, type Tensor } from '@diffusion-ts/tensor';
import type { DiffusionModel, GaussianDiffusion } from '../gaussian/diffusion.ts';
import type { Denoiser } from '../types.ts';
import { stepLookup } from './mixture-oracle.ts';

type Matrix = Float64Array; // n × n, row-major

const matmul = (a: Matrix, b: Matrix, n: number): Matrix => {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) c[i * n + j]! += a[i * n + k]! * b[k * n + j]!;
  return c;
};

/** Gauss–Jordan inverse with partial pivoting. */
export function inverse(a: Matrix, n: number): Matrix {
  const m = Float64Array.from(a), inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let p = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]!) > Math.abs(m[p * n + col]!)) p = r;
    for (const x of [m, inv]) for (let j = 0; j < n; j++) [x[col * n + j], x[p * n + j]] = [x[p * n + j]!, x[col * n + j]!];
    const d = m[col * n + col]!;
    for (let j = 0; j < n; j++) { m[col * n + j]! /= d; inv[col * n + j]! /= d; }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r * n + col]!;
      if (f === 0) continue;
      for (let j = 0; j < n; j++) { m[r * n + j]! -= f * m[col * n + j]!; inv[r * n + j]! -= f * inv[col * n + j]!; }
    }
  }
  return inv;
}

const block = (a: Matrix, n: number, rows: readonly number[], cols: readonly number[]): Float64Array =>
  Float64Array.from(rows.flatMap((r) => cols.map((c) => a[r * n + c]!)));

/** A·(A + σ² I)⁻¹ for symmetric A (n × n). */
const shrink = (a: Matrix, n: number, sigma: number): Matrix => {
  const s = Float64Array.from(a);
  for (let i = 0; i < n; i++) s[i * n + i]! += sigma * sigma;
  return matmul(a, inverse(s, n), n);
};

/** y = μ + (x − μ) Mᵀ on [B, n] rows, with tensor ops (differentiable in x). */
const affine = (x: Tensor, M: Matrix, mu: Float64Array, offset: Float64Array, n: number): Tensor => {
  const Mt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Mt[j * n + i] = M[i * n + j]!;
  const B = x.shape[0]!;
  return x.reshape([B, n]).sub(tensor(mu, { dtype: x.dtype })).matmul(tensor(Mt, { shape: [n, n], dtype: x.dtype }))
    .add(tensor(offset, { dtype: x.dtype })).reshape(x.shape);
};

export class GaussianVideo {
  readonly n: number;
  readonly mean: Float64Array;
  readonly cov: Matrix;
  /** Clip shape without the batch: [1, F, 1, P]. */
  readonly clipShape: number[];

  constructor(readonly frames: number, readonly pixels: number, { s = 0.5, rho = 0.9, pixelCorr = 0.5 } = {}) {
    const n = (this.n = frames * pixels);
    this.clipShape = [1, frames, 1, pixels];
    this.mean = Float64Array.from({ length: n }, (_, i) => 0.2 * Math.cos(1.3 * i));
    this.cov = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const [fi, pi, fj, pj] = [Math.floor(i / pixels), i % pixels, Math.floor(j / pixels), j % pixels];
      this.cov[i * n + j] = s * s * rho ** Math.abs(fi - fj) * (pi === pj ? 1 : pixelCorr);
    }
  }

  /** The flat indices of frames `fs`. */
  indices(fs: readonly number[]): number[] {
    return fs.flatMap((f) => Array.from({ length: this.pixels }, (_, p) => f * this.pixels + p));
  }

  /** D(x; σ) = μ + Σ(Σ + σ² I)⁻¹ (x − μ), x: [B, 1, F, 1, P]. */
  denoiser(): Denoiser {
    const cache = new Map<number, Matrix>();
    return (x, sigma) => {
      if (!cache.has(sigma)) cache.set(sigma, shrink(this.cov, this.n, sigma));
      return affine(x, cache.get(sigma)!, this.mean, this.mean, this.n);
    };
  }

  /** The exact x₀-model of process d (modelMeanType 'x0'): E[x₀ | z_t] = D(z_t/√ᾱ_t; √((1 − ᾱ_t)/ᾱ_t)). */
  x0Model(d: GaussianDiffusion): DiffusionModel<unknown> {
    const lookup = stepLookup(d), D = this.denoiser();
    return (z, tModel) => {
      const ts = tModel.dataSync(), step = lookup(ts[0]!);
      if (ts.some((t) => t !== ts[0])) throw new RangeError('x0Model: one timestep per batch');
      const ab = d.alphasCumprod[step]!;
      return D(z.mul(1 / Math.sqrt(ab)), Math.sqrt((1 - ab) / ab));
    };
  }

  /** xᵇ | xᵃ: mean and covariance over the unknown frames' pixels (in frame order). */
  conditional(knownFrames: readonly number[], xa: ArrayLike<number>): { unknown: number[]; mean: Float64Array; cov: Matrix } {
    const all = Array.from({ length: this.frames }, (_, f) => f);
    const a = this.indices(knownFrames), b = this.indices(all.filter((f) => !knownFrames.includes(f)));
    const na = a.length, nb = b.length;
    const Saa = block(this.cov, this.n, a, a), Sba = block(this.cov, this.n, b, a), Sbb = block(this.cov, this.n, b, b);
    const SaaInv = inverse(Saa, na);
    const gain = new Float64Array(nb * na); // Σ_ba Σ_aa⁻¹
    for (let i = 0; i < nb; i++) for (let j = 0; j < na; j++) for (let k = 0; k < na; k++) gain[i * na + j]! += Sba[i * na + k]! * SaaInv[k * na + j]!;
    const mean = Float64Array.from(b, (bi, i) => this.mean[bi]! + a.reduce((acc, ai, j) => acc + gain[i * na + j]! * (xa[j]! - this.mean[ai]!), 0));
    const cov = Float64Array.from(Sbb);
    for (let i = 0; i < nb; i++) for (let j = 0; j < nb; j++) for (let k = 0; k < na; k++) cov[i * nb + j]! -= gain[i * na + k]! * Sba[j * na + k]!;
    return { unknown: b, mean, cov };
  }

  /** E[x₀ | x, xᵃ] exactly: xᵃ on the known frames, m_b + S_b (S_b + σ² I)⁻¹ (xᵇ − m_b) on the others. */
  conditionalDenoiser(knownFrames: readonly number[], xa: ArrayLike<number>): Denoiser {
    const { unknown, mean, cov } = this.conditional(knownFrames, xa);
    const a = this.indices(knownFrames), nb = unknown.length, n = this.n;
    return (x, sigma) => {
      const G = shrink(cov, nb, sigma), M = new Float64Array(n * n), offset = new Float64Array(n), mu = new Float64Array(n);
      unknown.forEach((bi, i) => { mu[bi] = mean[i]!; offset[bi] = mean[i]!; unknown.forEach((bj, j) => { M[bi * n + bj] = G[i * nb + j]!; }); });
      a.forEach((ai, j) => { offset[ai] = xa[j]!; });
      return affine(x, M, mu, offset, n);
    };
  }
}

/** D̃(x; σ) = G x + h, an affine denoiser, as the two conditioning methods are on this Gaussian. */
export type AffineDenoiser = (sigma: number) => { G: Matrix; h: Float64Array };

/** A = Σ(Σ + σ² I)⁻¹ and c = (I − A)μ, so that D(x; σ) = A x + c. */
function affineOf(v: GaussianVideo, sigma: number): { A: Matrix; c: Float64Array } {
  const A = shrink(v.cov, v.n, sigma), n = v.n;
  const c = Float64Array.from({ length: n }, (_, i) => v.mean[i]! - Array.from({ length: n }, (_, j) => A[i * n + j]! * v.mean[j]!).reduce((x, y) => x + y, 0));
  return { A, c };
}

/**
 * The two methods on this Gaussian, as affine denoisers (known frames a, xᵃ given):
 * - reconstruction guidance: D̃ᵇ = Dᵇ + w A_abᵀ (xᵃ − Dᵃ(x)), D̃ᵃ = xᵃ (−(w/2)∇_{xᵇ}‖xᵃ − A_a x − c_a‖² = w A_abᵀ(xᵃ − Dᵃ));
 * - replacement, in the limit of many steps: D̃ᵇ = A_bb xᵇ + A_ba xᵃ + c_b (the fresh noise σn of zᵃ enters
 *   each step as Δσ·A_ba n, whose variance Σ Δσ² vanishes as the steps grow), D̃ᵃ = xᵃ.
 */
export function methodDenoiser(v: GaussianVideo, knownFrames: readonly number[], xa: ArrayLike<number>, method: { kind: 'replacement' } | { kind: 'guidance'; weight: number }): AffineDenoiser {
  const n = v.n, a = v.indices(knownFrames), b = Array.from({ length: n }, (_, i) => i).filter((i) => !a.includes(i));
  return (sigma) => {
    const { A, c } = affineOf(v, sigma), G = new Float64Array(n * n), h = new Float64Array(n);
    a.forEach((ai, k) => { h[ai] = xa[k]!; });
    for (const bi of b) {
      if (method.kind === 'guidance') {
        const w = method.weight;
        for (let j = 0; j < n; j++) G[bi * n + j] = A[bi * n + j]! - w * a.reduce((acc, ai) => acc + A[ai * n + bi]! * A[ai * n + j]!, 0);
        h[bi] = c[bi]! + w * a.reduce((acc, ai, k) => acc + A[ai * n + bi]! * (xa[k]! - c[ai]!), 0);
      } else {
        for (const bj of b) G[bi * n + bj] = A[bi * n + bj]!;
        h[bi] = c[bi]! + a.reduce((acc, ai, k) => acc + A[bi * n + ai]! * xa[k]!, 0);
      }
    }
    return { G, h };
  };
}

/**
 * The exact output moments of the probability-flow ODE dx/dσ = (x − D̃(x; σ))/σ for an affine D̃, from
 * x(σ_max) ~ N(0, σ_max² I) (the samplers' start): in s = ln σ, dm/ds = (I − G)m − h and
 * dP/ds = (I − G)P + P(I − G)ᵀ, integrated with classical RK4 (`steps` steps) down to σ_min, then the
 * samplers' last step to σ = 0, x₀ = D̃(x(σ_min)). Independent of the samplers: plain float64 algebra.
 */
export function odeLimit(Dt: AffineDenoiser, n: number, sigmaMax: number, sigmaMin: number, steps = 2000): { mean: Float64Array; cov: Matrix } {
  const deriv = (s: number, m: Float64Array, P: Matrix): [Float64Array, Matrix] => {
    const { G, h } = Dt(Math.exp(s));
    const K = Float64Array.from(G, (g, k) => (k % (n + 1) === 0 ? 1 : 0) - g); // I − G
    const dm = Float64Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => K[i * n + j]! * m[j]!).reduce((x, y) => x + y, 0) - h[i]!);
    const KP = matmul(K, P, n), dP = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) dP[i * n + j] = KP[i * n + j]! + KP[j * n + i]!;
    return [dm, dP];
  };
  const axpy = (x: Float64Array, d: Float64Array, k: number) => x.map((v, i) => v + k * d[i]!);
  let m = new Float64Array(n), P = new Float64Array(n * n);
  for (let i = 0; i < n; i++) P[i * n + i] = sigmaMax * sigmaMax;
  const s0 = Math.log(sigmaMax), ds = (Math.log(sigmaMin) - s0) / steps;
  for (let k = 0; k < steps; k++) {
    const s = s0 + k * ds;
    const [m1, P1] = deriv(s, m, P);
    const [m2, P2] = deriv(s + ds / 2, axpy(m, m1, ds / 2), axpy(P, P1, ds / 2));
    const [m3, P3] = deriv(s + ds / 2, axpy(m, m2, ds / 2), axpy(P, P2, ds / 2));
    const [m4, P4] = deriv(s + ds, axpy(m, m3, ds), axpy(P, P3, ds));
    m = m.map((v, i) => v + (ds / 6) * (m1[i]! + 2 * m2[i]! + 2 * m3[i]! + m4[i]!));
    P = P.map((v, i) => v + (ds / 6) * (P1[i]! + 2 * P2[i]! + 2 * P3[i]! + P4[i]!));
  }
  const { G, h } = Dt(sigmaMin);
  const Gt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Gt[j * n + i] = G[i * n + j]!;
  return {
    mean: Float64Array.from({ length: n }, (_, i) => h[i]! + Array.from({ length: n }, (_, j) => G[i * n + j]! * m[j]!).reduce((x, y) => x + y, 0)),
    cov: matmul(matmul(G, P, n), Gt, n),
  };
}

/** The moments of the unknown pixels of a full-clip Gaussian (mean [n], cov [n × n]), as `conditional` gives the target's. */
export function unknownPart(full: { mean: Float64Array; cov: Matrix }, n: number, unknown: readonly number[]): { unknown: number[]; mean: Float64Array; cov: Matrix } {
  return { unknown: [...unknown], mean: Float64Array.from(unknown, (i) => full.mean[i]!), cov: block(full.cov, n, unknown, unknown) };
}

/** The distance of exact moments from the target, in `posteriorError`'s units (no sampling error). */
export function momentError(got: { mean: Float64Array; cov: Matrix }, target: { mean: Float64Array; cov: Matrix }): { mean: number; cov: number } {
  const nb = target.mean.length;
  const mean = Math.sqrt(got.mean.reduce((acc, v, i) => acc + (v - target.mean[i]!) ** 2 / target.cov[i * nb + i]!, 0) / nb);
  let num = 0, den = 0;
  for (let k = 0; k < nb * nb; k++) { num += (got.cov[k]! - target.cov[k]!) ** 2; den += target.cov[k]! ** 2; }
  return { mean, cov: Math.sqrt(num / den) };
}

/**
 * How far samples of the unknown pixels ([N, n] rows) are from N(mean, cov): the RMS over pixels of the
 * mean's error in posterior standard deviations, and ‖Ĉ − C‖_F / ‖C‖_F for the covariance.
 */
export function posteriorError(samples: ArrayLike<number>, n: number, target: { unknown: number[]; mean: Float64Array; cov: Matrix }): { mean: number; cov: number } {
  const N = samples.length / n, { unknown, mean, cov } = target, nb = unknown.length;
  const m = new Float64Array(nb), c = new Float64Array(nb * nb);
  for (let s = 0; s < N; s++) unknown.forEach((bi, i) => { m[i]! += samples[s * n + bi]! / N; });
  for (let s = 0; s < N; s++) for (let i = 0; i < nb; i++) for (let j = 0; j < nb; j++) {
    c[i * nb + j]! += (samples[s * n + unknown[i]!]! - m[i]!) * (samples[s * n + unknown[j]!]! - m[j]!) / (N - 1);
  }
  const meanErr = Math.sqrt(m.reduce((acc, v, i) => acc + (v - mean[i]!) ** 2 / cov[i * nb + i]!, 0) / nb);
  let num = 0, den = 0;
  for (let k = 0; k < nb * nb; k++) { num += (c[k]! - cov[k]!) ** 2; den += cov[k]! ** 2; }
  return { mean: meanErr, cov: Math.sqrt(num / den) };
}
