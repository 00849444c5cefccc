/**
 * The Fréchet distance between Gaussians fitted to two sets of feature vectors (Heusel et al. 2017, the
 * FID's formula, Eq. 6 there; Dowson & Landau 1982 for the closed form):
 * d² = ‖μ₁ − μ₂‖² + Tr(C₁ + C₂ − 2 (C₁^{1/2} C₂ C₁^{1/2})^{1/2}),
 * with the matrix square roots from a Jacobi eigendecomposition (symmetric matrices only), in float64.
 */

/** Eigenvalues and eigenvectors (columns of `vectors`, row-major n × n) of a symmetric matrix, by cyclic Jacobi rotations. */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a), v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      const apq = m[p * n + q]!;
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (m[q * n + q]! - m[p * n + p]!) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < n; k++) { // columns p, q of m
        const mkp = m[k * n + p]!, mkq = m[k * n + q]!;
        m[k * n + p] = c * mkp - s * mkq; m[k * n + q] = s * mkp + c * mkq;
      }
      for (let k = 0; k < n; k++) { // rows p, q
        const mpk = m[p * n + k]!, mqk = m[q * n + k]!;
        m[p * n + k] = c * mpk - s * mqk; m[q * n + k] = s * mpk + c * mqk;
      }
      for (let k = 0; k < n; k++) {
        const vkp = v[k * n + p]!, vkq = v[k * n + q]!;
        v[k * n + p] = c * vkp - s * vkq; v[k * n + q] = s * vkp + c * vkq;
      }
    }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => m[i * n + i]!), vectors: v };
}

/** Mean [dim] and covariance [dim × dim] (divisor N − 1) of N feature rows. */
export function featureMoments(features: ArrayLike<number>, dim: number): { mean: Float64Array; cov: Float64Array } {
  const N = features.length / dim;
  if (!Number.isInteger(N) || N < 2) throw new RangeError(`featureMoments: need at least 2 rows of ${dim} features, got ${features.length} values`);
  const mean = new Float64Array(dim), cov = new Float64Array(dim * dim);
  for (let r = 0; r < N; r++) for (let i = 0; i < dim; i++) mean[i]! += features[r * dim + i]! / N;
  for (let r = 0; r < N; r++) for (let i = 0; i < dim; i++) {
    const di = features[r * dim + i]! - mean[i]!;
    for (let j = i; j < dim; j++) cov[i * dim + j]! += (di * (features[r * dim + j]! - mean[j]!)) / (N - 1);
  }
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) cov[i * dim + j] = cov[j * dim + i]!;
  return { mean, cov };
}

/** d² between N(μ₁, C₁) and N(μ₂, C₂) (formula above). */
export function frechetDistance(a: { mean: ArrayLike<number>; cov: ArrayLike<number> }, b: { mean: ArrayLike<number>; cov: ArrayLike<number> }, dim: number): number {
  const e1 = symmetricEigen(a.cov, dim);
  const sqrt1 = new Float64Array(dim * dim); // C₁^{1/2} = V diag(√λ) Vᵀ
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += e1.vectors[i * dim + k]! * Math.sqrt(Math.max(e1.values[k]!, 0)) * e1.vectors[j * dim + k]!;
    sqrt1[i * dim + j] = s;
  }
  const tmp = new Float64Array(dim * dim), inner = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) { let s = 0; for (let k = 0; k < dim; k++) s += sqrt1[i * dim + k]! * b.cov[k * dim + j]!; tmp[i * dim + j] = s; }
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) { let s = 0; for (let k = 0; k < dim; k++) s += tmp[i * dim + k]! * sqrt1[k * dim + j]!; inner[i * dim + j] = s; }
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) inner[i * dim + j] = inner[j * dim + i] = (inner[i * dim + j]! + inner[j * dim + i]!) / 2;
  const traceSqrt = symmetricEigen(inner, dim).values.reduce((s, l) => s + Math.sqrt(Math.max(l, 0)), 0);
  let d2 = 0;
  for (let i = 0; i < dim; i++) d2 += (a.mean[i]! - b.mean[i]!) ** 2 + a.cov[i * dim + i]! + b.cov[i * dim + i]!;
  return Math.max(d2 - 2 * traceSqrt, 0);
}
