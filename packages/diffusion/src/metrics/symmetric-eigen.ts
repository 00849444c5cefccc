/**
 * Eigendecomposition of a real symmetric matrix by the cyclic Jacobi method (Golub & Van Loan,
 * Matrix Computations, 4th ed., Algorithm 8.5.3 "Cyclic Jacobi", with the symmetric Schur
 * decomposition of Algorithm 8.5.1 for each 2×2 rotation), in float64. O(d³) per sweep and quadratically
 * convergent: meant for the small matrices of this project (feature covariances, d ≤ a few hundred).
 */

export interface SymmetricEigen {
  /** λ, ascending. */
  values: Float64Array;
  /** V [d × d] row-major, column k the unit eigenvector of values[k]: A = V diag(λ) Vᵀ, VᵀV = I. */
  vectors: Float64Array;
}

/** Throw unless `a` is a finite d×d matrix (row-major) that is symmetric to rounding. */
function checkSymmetric(fn: string, a: ArrayLike<number>, d: number): void {
  if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`${fn}: d must be a positive integer, got ${d}`);
  if (a.length !== d * d) throw new RangeError(`${fn}: a ${d}×${d} matrix has ${d * d} entries, got ${a.length}`);
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new RangeError(`${fn}: entry (${Math.floor(i / d)}, ${i % d}) is ${a[i]}, not finite`);
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const gap = Math.abs(a[i * d + j]! - a[j * d + i]!);
      if (gap > 1e-9 * scale) throw new RangeError(`${fn}: the matrix is not symmetric: entries (${i}, ${j}) = ${a[i * d + j]} and (${j}, ${i}) = ${a[j * d + i]}`);
    }
  }
}

/**
 * A = V diag(λ) Vᵀ for a symmetric A [d × d] (row-major; its mean with Aᵀ is used). Sweeps rotate every
 * off-diagonal pair (p, q) to zero until the off-diagonal norm is below 1e-15 of the Frobenius norm
 * (at most `maxSweeps`; 20 sweeps do far more than the ~10 quadratic convergence needs).
 */
export function symmetricEigen(a: ArrayLike<number>, d: number, { maxSweeps = 50 }: { maxSweeps?: number } = {}): SymmetricEigen {
  checkSymmetric('symmetricEigen', a, d);
  const A = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] = 0.5 * (a[i * d + j]! + a[j * d + i]!);
  const V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) V[i * d + i] = 1;
  let frobenius = 0;
  for (const v of A) frobenius += v * v;
  const tolerance = 1e-30 * frobenius; // on the squared off-diagonal norm: off(A) ≤ 1e-15 ‖A‖_F
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += 2 * A[p * d + q]! ** 2;
    if (off <= tolerance) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = A[p * d + q]!;
        if (apq === 0) continue;
        // Algorithm 8.5.1: c, s with [c s; −s c]ᵀ [app apq; apq aqq] [c s; −s c] diagonal.
        const tau = (A[q * d + q]! - A[p * d + p]!) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t), s = t * c;
        for (let k = 0; k < d; k++) { // A ← A J (columns p and q)
          const akp = A[k * d + p]!, akq = A[k * d + q]!;
          A[k * d + p] = c * akp - s * akq;
          A[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) { // A ← Jᵀ A (rows p and q)
          const apk = A[p * d + k]!, aqk = A[q * d + k]!;
          A[p * d + k] = c * apk - s * aqk;
          A[q * d + k] = s * apk + c * aqk;
        }
        A[p * d + q] = 0;
        A[q * d + p] = 0;
        for (let k = 0; k < d; k++) { // V ← V J
          const vkp = V[k * d + p]!, vkq = V[k * d + q]!;
          V[k * d + p] = c * vkp - s * vkq;
          V[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => A[i * d + i]! - A[j * d + j]!);
  const values = Float64Array.from(order, (i) => A[i * d + i]!);
  const vectors = new Float64Array(d * d);
  for (let k = 0; k < d; k++) for (let i = 0; i < d; i++) vectors[i * d + k] = V[i * d + order[k]!]!;
  return { values, vectors };
}

/**
 * The symmetric positive semi-definite square root A^½ = V diag(√max(λ, 0)) Vᵀ of a symmetric A. Eigenvalues
 * below zero (rounding makes them of a PSD matrix, e.g. a covariance of fewer points than dimensions,
 * slightly negative) are clipped to 0; `clipped` reports the most negative one so a caller can tell
 * rounding (tiny next to the largest λ) from a matrix that was not PSD at all.
 */
export function symmetricSqrt(a: ArrayLike<number>, d: number): { sqrt: Float64Array; clipped: number } {
  const { values, vectors } = symmetricEigen(a, d);
  const roots = values.map((v) => Math.sqrt(Math.max(v, 0)));
  const sqrt = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += vectors[i * d + k]! * roots[k]! * vectors[j * d + k]!;
      sqrt[i * d + j] = sum;
      sqrt[j * d + i] = sum;
    }
  }
  return { sqrt, clipped: Math.min(0, values[0]!) };
}
