/**
 * Test helpers (not exported from the package): judge a set of samples against an analytic Gaussian
 * mixture by its mean, covariance and component weights, each within z standard errors of its
 * sampling distribution, so a pass means "indistinguishable at this sample size".
 */
import assert from 'node:assert/strict';
import { Generator, randn, type Tensor } from '@diffusion-ts/tensor';
import type { GaussianMixture } from '../gmm/gaussian-mixture.ts';

/** n standard-normal latents [n, d] in float64 from one seeded generator, scaled by `scale` (σ_0). */
export function latents(n: number, d: number, seed: number, scale = 1): Tensor {
  return randn([n, d], { dtype: 'float64', generator: new Generator(seed) }).mul(scale);
}

/** Root mean square over samples of the Euclidean distance between two equally shaped point sets. */
export function rmsDistance(a: ArrayLike<number>, b: ArrayLike<number>, d: number): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum / (a.length / d));
}

/** Mean and plug-in standard error of the mean of per-sample values. */
function meanAndError(values: Float64Array): { mean: number; error: number } {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { mean, error: Math.sqrt(variance / n) };
}

/** Per-statistic deviations in standard errors, for messages and for the study. */
export interface MixtureDeviation {
  /** max over statistics of |estimate − truth| / standard error. */
  maxZ: number;
  /** the statistic with the largest deviation, e.g. 'cov[0,1]'. */
  worst: string;
}

/**
 * How far samples [n * d] are from `mixture` in mean (per coordinate), covariance (per entry, about the
 * true mean) and component weights (mean responsibility p(c | x) at σ = 0, whose expectation is w_c),
 * in units of each statistic's plug-in standard error.
 */
export function mixtureDeviation(points: ArrayLike<number>, mixture: GaussianMixture): MixtureDeviation {
  const { d, k } = mixture;
  const n = points.length / d;
  const m = mixture.mean();
  const cov = mixture.covariance();
  let maxZ = 0;
  let worst = '';
  const check = (name: string, values: Float64Array, truth: number): void => {
    const { mean, error } = meanAndError(values);
    const z = Math.abs(mean - truth) / error;
    if (!(z <= maxZ)) {
      maxZ = z;
      worst = `${name} (${mean.toFixed(4)} vs ${truth.toFixed(4)} ± ${error.toExponential(2)})`;
    }
  };
  for (let a = 0; a < d; a++) {
    check(`mean[${a}]`, Float64Array.from({ length: n }, (_, i) => points[i * d + a]!), m[a]!);
    for (let b = a; b < d; b++) {
      const products = Float64Array.from({ length: n }, (_, i) => (points[i * d + a]! - m[a]!) * (points[i * d + b]! - m[b]!));
      check(`cov[${a},${b}]`, products, cov[a * d + b]!);
    }
  }
  const r = mixture.responsibilities(points, 0);
  for (let c = 0; c < k; c++) {
    check(`weight[${c}]`, Float64Array.from({ length: n }, (_, i) => r[i * k + c]!), mixture.weights[c]!);
  }
  return { maxZ, worst };
}

/** Assert the samples match the mixture's mean, covariance and weights within z standard errors each. */
export function assertMatchesMixture(points: ArrayLike<number>, mixture: GaussianMixture, what: string, z = 4.5): void {
  const { maxZ, worst } = mixtureDeviation(points, mixture);
  assert.ok(maxZ <= z, `${what}: ${worst} is ${maxZ.toFixed(2)} standard errors off (allowed ${z})`);
}

/**
 * A single Gaussian N(μ, diag(v)) in 2-D, whose probability-flow ODE (σ(t) = t, s(t) = 1) has the closed
 * form x(σ) = μ + (x(σ₀) − μ)·√((v + σ²)/(v + σ₀²)): exact endpoints for convergence-order checks.
 */
export const gaussian2d = { mean: [0.3, -0.2], variance: [0.25, 0.04] } as const;

/** The exact ODE endpoint at σ = 0 of {@link gaussian2d} from points x [n * 2] at σ₀. */
export function gaussianOdeEndpoint(x: ArrayLike<number>, sigma0: number): Float64Array {
  return Float64Array.from(x, (v, i) => {
    const mu = gaussian2d.mean[i % 2]!, variance = gaussian2d.variance[i % 2]!;
    return mu + (v - mu) * Math.sqrt(variance / (variance + sigma0 ** 2));
  });
}
