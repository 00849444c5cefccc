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
