/**
 * Distances between point sets, for judging samplers against a known distribution (the sampler study
 * of EDM's Figure 2, replayed on analytic mixtures). Point sets are row-major [n * d] arrays
 * (Float64Array, Float32Array or number[]); all arithmetic is float64.
 */
import type { Generator } from '@diffusion-ts/tensor';

function countPoints(fn: string, name: string, points: ArrayLike<number>, d: number): number {
  if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`${fn}: d must be a positive integer, got ${d}`);
  if (points.length % d !== 0 || points.length === 0) {
    throw new RangeError(`${fn}: ${name} has ${points.length} numbers, not a positive multiple of d = ${d}`);
  }
  return points.length / d;
}

/** Mean [d] and covariance [d * d] of a point set, the latter with the unbiased 1/(n − 1) normalizer (as np.cov). */
export function momentsOf(points: ArrayLike<number>, d: number): { mean: Float64Array; covariance: Float64Array } {
  const n = countPoints('momentsOf', 'points', points, d);
  if (n < 2) throw new RangeError(`momentsOf: need at least 2 points for a covariance, got ${n}`);
  const mean = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += points[i * d + j]!;
    mean[j] = sum / n;
  }
  const covariance = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += (points[i * d + a]! - mean[a]!) * (points[i * d + b]! - mean[b]!);
      covariance[a * d + b] = sum / (n - 1);
    }
  }
  return { mean, covariance };
}

/**
 * W_p^p between the empirical distributions of two sorted 1-D samples with uniform weights, by matching
 * quantiles: each x has mass m and each y mass n (in units of 1/(nm)), counted in integers so no mass is lost.
 */
function wassersteinPowSorted(xs: Float64Array, ys: Float64Array, p: number): number {
  const n = xs.length;
  const m = ys.length;
  let i = 0;
  let j = 0;
  let leftX = m;
  let leftY = n;
  let total = 0;
  while (i < n && j < m) {
    const w = Math.min(leftX, leftY);
    total += w * Math.abs(xs[i]! - ys[j]!) ** p;
    leftX -= w;
    leftY -= w;
    if (leftX === 0) { i++; leftX = m; }
    if (leftY === 0) { j++; leftY = n; }
  }
  return total / (n * m);
}

/** Options of {@link slicedWasserstein}. */
export interface SlicedWassersteinOptions {
  /** Number of random directions (default 128). */
  projections?: number;
  /** Source of the directions (normalized standard normal vectors); the tensor package's `Generator` fits. */
  rand: Pick<Generator, 'normal'>;
  /** Order p ≥ 1 (default 2). */
  p?: number;
}

/**
 * The sliced p-Wasserstein distance (Rabin et al. 2011; Bonneel et al. 2015),
 * SW_p(a, b) = (E_θ W_p^p(θᵀa, θᵀb))^{1/p} over directions θ uniform on the sphere, estimated with
 * `projections` random directions; the 1-D distances are exact for sets of any sizes. It is 0 for
 * identical sets, and for b = a shifted by s it is |θᵀs| per direction, so SW_2 ≈ |s|/√d.
 */
export function slicedWasserstein(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  d: number,
  { projections = 128, rand, p = 2 }: SlicedWassersteinOptions,
): number {
  const na = countPoints('slicedWasserstein', 'a', a, d);
  const nb = countPoints('slicedWasserstein', 'b', b, d);
  if (!Number.isSafeInteger(projections) || projections < 1) {
    throw new RangeError(`slicedWasserstein: projections must be a positive integer, got ${projections}`);
  }
  if (!(p >= 1) || !Number.isFinite(p)) throw new RangeError(`slicedWasserstein: p must be a finite number >= 1, got ${p}`);
  const theta = new Float64Array(d);
  const project = (points: ArrayLike<number>, out: Float64Array): Float64Array => {
    for (let i = 0; i < out.length; i++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += points[i * d + j]! * theta[j]!;
      out[i] = dot;
    }
    return out.sort(); // typed arrays sort numerically
  };
  const pa = new Float64Array(na);
  const pb = new Float64Array(nb);
  let sum = 0;
  for (let l = 0; l < projections; l++) {
    let norm = 0;
    while (norm === 0) {
      for (let j = 0; j < d; j++) theta[j] = rand.normal();
      norm = Math.hypot(...theta);
    }
    for (let j = 0; j < d; j++) theta[j] = theta[j]! / norm;
    sum += wassersteinPowSorted(project(a, pa), project(b, pb), p);
  }
  return (sum / projections) ** (1 / p);
}

/** Options of {@link gaussianMmd}. */
export interface GaussianMmdOptions {
  /**
   * Kernel bandwidth(s) h in k(x, y) = exp(−|x − y|²/(2h²)); several are summed. Default: the median
   * pairwise distance of the pooled points (the median heuristic).
   */
  bandwidth?: number | readonly number[];
}

/**
 * Squared maximum mean discrepancy with a Gaussian kernel (Gretton et al. 2012), the biased V-statistic
 * MMD² = mean k(a, a') + mean k(b, b') − 2 mean k(a, b), which is ≥ 0 and exactly 0 for identical sets.
 * O((n_a + n_b)²) time.
 */
export function gaussianMmd(a: ArrayLike<number>, b: ArrayLike<number>, d: number, { bandwidth }: GaussianMmdOptions = {}): number {
  const na = countPoints('gaussianMmd', 'a', a, d);
  const nb = countPoints('gaussianMmd', 'b', b, d);
  const sqDist = (x: ArrayLike<number>, i: number, y: ArrayLike<number>, k: number): number => {
    let s = 0;
    for (let j = 0; j < d; j++) s += (x[i * d + j]! - y[k * d + j]!) ** 2;
    return s;
  };
  const widths = bandwidth === undefined ? [medianPairwiseDistance(a, na, b, nb, sqDist)] : typeof bandwidth === 'number' ? [bandwidth] : [...bandwidth];
  if (widths.length === 0 || widths.some((h) => !(h > 0) || !Number.isFinite(h))) {
    throw new RangeError(`gaussianMmd: bandwidths must be positive and finite, got ${widths.join(', ')}`);
  }
  const kernel = (s: number): number => widths.reduce((acc, h) => acc + Math.exp(-s / (2 * h * h)), 0);
  const meanKernel = (x: ArrayLike<number>, nx: number, y: ArrayLike<number>, ny: number): number => {
    let s = 0;
    for (let i = 0; i < nx; i++) for (let k = 0; k < ny; k++) s += kernel(sqDist(x, i, y, k));
    return s / (nx * ny);
  };
  return Math.max(0, meanKernel(a, na, a, na) + meanKernel(b, nb, b, nb) - 2 * meanKernel(a, na, b, nb));
}

function medianPairwiseDistance(
  a: ArrayLike<number>,
  na: number,
  b: ArrayLike<number>,
  nb: number,
  sqDist: (x: ArrayLike<number>, i: number, y: ArrayLike<number>, k: number) => number,
): number {
  const pooled: [ArrayLike<number>, number][] = [];
  for (let i = 0; i < na; i++) pooled.push([a, i]);
  for (let i = 0; i < nb; i++) pooled.push([b, i]);
  const dists: number[] = [];
  for (let i = 0; i < pooled.length; i++) {
    for (let k = i + 1; k < pooled.length; k++) {
      const [x, xi] = pooled[i]!;
      const [y, yk] = pooled[k]!;
      dists.push(Math.sqrt(sqDist(x, xi, y, yk)));
    }
  }
  dists.sort((u, v) => u - v);
  const median = dists[Math.floor(dists.length / 2)]!; // a and b hold a point each, so there is a pair
  return median > 0 ? median : 1;
}
