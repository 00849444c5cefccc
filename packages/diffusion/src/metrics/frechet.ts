/**
 * The Fréchet distance between two Gaussians, as FID compares feature statistics (Heusel et al. 2017,
 * arXiv:1706.08500, the formula that defines FID; the Gaussian closed form is Dowson & Landau 1982):
 *   d² = |μ₁ − μ₂|² + tr(C₁ + C₂ − 2 (C₁^½ C₂ C₁^½)^½).
 * (C₁^½ C₂ C₁^½)^½ is similar to (C₁C₂)^½, the form pytorch-fid computes with scipy's sqrtm; this one is
 * symmetric PSD, so both square roots come from a float64 symmetric eigensolver and tiny negative
 * eigenvalues of rounding are clipped to 0 (pytorch-fid instead adds ε·I when sqrtm fails). And the
 * moments stream: `RunningMoments` accumulates mean and covariance batch by batch in float64.
 */
import { symmetricEigen, symmetricSqrt } from './symmetric-eigen.ts';

export interface MeanCovariance {
  mean: ArrayLike<number>;
  /** [d × d], row-major, symmetric PSD. */
  covariance: ArrayLike<number>;
}

/**
 * d² = |μ₁ − μ₂|² + tr C₁ + tr C₂ − 2 tr (C₁^½ C₂ C₁^½)^½, the squared Fréchet (2-Wasserstein) distance
 * between N(μ₁, C₁) and N(μ₂, C₂). FID reports this squared value, and so does this function.
 */
export function frechetDistance(a: MeanCovariance, b: MeanCovariance): number {
  const d = a.mean.length;
  if (d === 0 || b.mean.length !== d) throw new RangeError(`frechetDistance: means of ${a.mean.length} and ${b.mean.length} dimensions (need the same positive d)`);
  for (const [name, m] of [['first', a], ['second', b]] as const) {
    if (m.covariance.length !== d * d) throw new RangeError(`frechetDistance: the ${name} covariance has ${m.covariance.length} entries, not ${d}×${d} = ${d * d}`);
  }
  let meanTerm = 0, traces = 0;
  for (let i = 0; i < d; i++) {
    meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
    traces += a.covariance[i * d + i]! + b.covariance[i * d + i]!;
  }
  const s = symmetricSqrt(a.covariance, d).sqrt;
  const m = multiply(multiply(s, b.covariance, d), s, d); // C₁^½ C₂ C₁^½: symmetric PSD up to rounding
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) m[i * d + j] = m[j * d + i] = 0.5 * (m[i * d + j]! + m[j * d + i]!);
  let traceSqrt = 0;
  for (const lambda of symmetricEigen(m, d).values) traceSqrt += Math.sqrt(Math.max(lambda, 0));
  return Math.max(0, meanTerm + traces - 2 * traceSqrt);
}

/** A B for d×d row-major matrices, in float64. */
function multiply(a: ArrayLike<number>, b: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] = out[i * d + j]! + aik * b[k * d + j]!;
    }
  }
  return out;
}

/**
 * Mean and covariance of a stream of d-dimensional points, batch by batch, in float64: each batch's own
 * mean and co-moment matrix are merged with the running ones by Chan, Golub & LeVeque's pairwise update
 * (1979; with n = 1 it is Welford's 1962 update):
 *   δ = x̄_B − x̄_A,  x̄ = x̄_A + δ n_B / n,  M = M_A + M_B + δ δᵀ n_A n_B / n,
 * so no sum of squares of large numbers is ever formed, and 5,000+ points need only O(d²) memory.
 * `merge` applies the same update to another accumulator's moments (w copies of its points).
 */
export class RunningMoments {
  readonly d: number;
  count = 0;
  readonly mean: Float64Array;
  /** Σ (x − x̄)(x − x̄)ᵀ over the points so far. */
  readonly comoment: Float64Array;

  constructor(d: number) {
    if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`RunningMoments: d must be a positive integer, got ${d}`);
    this.d = d;
    this.mean = new Float64Array(d);
    this.comoment = new Float64Array(d * d);
  }

  /** Add points [n × d] (row-major). */
  add(points: ArrayLike<number>): this {
    const d = this.d;
    if (points.length % d !== 0) throw new RangeError(`RunningMoments.add: ${points.length} numbers are not whole points of d = ${d}`);
    const nB = points.length / d;
    if (nB === 0) return this;
    for (let i = 0; i < points.length; i++) if (!Number.isFinite(points[i]!)) throw new RangeError(`RunningMoments.add: point ${Math.floor(i / d)} has ${points[i]} at coordinate ${i % d}`);
    const meanB = new Float64Array(d);
    for (let i = 0; i < nB; i++) for (let j = 0; j < d; j++) meanB[j] = meanB[j]! + points[i * d + j]!;
    for (let j = 0; j < d; j++) meanB[j] = meanB[j]! / nB;
    const centred = new Float64Array(nB * d), comomentB = new Float64Array(d * d);
    for (let i = 0; i < nB; i++) for (let j = 0; j < d; j++) centred[i * d + j] = points[i * d + j]! - meanB[j]!;
    for (let p = 0; p < d; p++) {
      for (let q = p; q < d; q++) {
        let sum = 0;
        for (let i = 0; i < nB; i++) sum += centred[i * d + p]! * centred[i * d + q]!;
        comomentB[p * d + q] = comomentB[q * d + p] = sum;
      }
    }
    return this.combine(nB, meanB, comomentB, 1);
  }

  /**
   * Merge `other`'s points, `times` copies of them (a bootstrap resample's multiplicity), as if they had
   * been added here: copies share their mean, so they are one batch of times·n points with co-moment
   * times·M, merged by the same update.
   */
  merge(other: RunningMoments, times = 1): this {
    if (other.d !== this.d) throw new RangeError(`RunningMoments.merge: d = ${other.d} into d = ${this.d}`);
    if (!Number.isSafeInteger(times) || times < 0) throw new RangeError(`RunningMoments.merge: times must be a non-negative integer, got ${times}`);
    return times === 0 || other.count === 0 ? this : this.combine(times * other.count, other.mean, other.comoment, times);
  }

  /** Chan, Golub & LeVeque's update with a batch of nB points of mean meanB and co-moment scale·MB. */
  private combine(nB: number, meanB: Float64Array, MB: Float64Array, scale: number): this {
    const d = this.d, nA = this.count, n = nA + nB, w = (nA * nB) / n;
    const delta = meanB.map((v, j) => v - this.mean[j]!);
    for (let p = 0; p < d; p++) {
      for (let q = p; q < d; q++) {
        const v = this.comoment[p * d + q]! + scale * MB[p * d + q]! + delta[p]! * delta[q]! * w;
        this.comoment[p * d + q] = v;
        this.comoment[q * d + p] = v;
      }
    }
    for (let j = 0; j < d; j++) this.mean[j] = this.mean[j]! + (delta[j]! * nB) / n;
    this.count = n;
    return this;
  }

  /** The mean and the unbiased covariance M / (n − 1), as np.cov and pytorch-fid's statistics. */
  moments(): { mean: Float64Array; covariance: Float64Array } {
    if (this.count < 2) throw new RangeError(`RunningMoments: a covariance needs at least 2 points, got ${this.count}`);
    return { mean: Float64Array.from(this.mean), covariance: this.comoment.map((v) => v / (this.count - 1)) };
  }
}
