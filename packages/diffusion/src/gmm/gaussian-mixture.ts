/**
 * An analytic Gaussian mixture with diagonal (or isotropic) components, the test bed whose noisy
 * marginals, scores, denoisers and noisy classifiers are known in closed form. Noise follows the EDM
 * convention (Karras et al. 2022, Section 2): x_σ = x_0 + σ n with n ~ N(0, I), so p(x; σ) is the mixture
 * with every component variance increased by σ². Points are row-major Float64Array batches [n * d].
 */
import { defaultGenerator, type Generator } from '@diffusion-ts/tensor';

/** What sampling needs from a random stream; the tensor package's `Generator` satisfies it. */
export type RandomSource = Pick<Generator, 'random' | 'normal'>;

/** Parameters of a {@link GaussianMixture} with k components in d dimensions. */
export interface GaussianMixtureParams {
  /** k non-negative weights; normalized to sum to 1. */
  weights: ArrayLike<number>;
  /** k means, each of length d. */
  means: ArrayLike<ArrayLike<number>>;
  /** k positive variances: a number (isotropic) or d numbers (diagonal) per component. */
  variances: ArrayLike<number | ArrayLike<number>>;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Σ_k w_k N(μ_k, diag(v_k)), with exact noisy-data quantities at any noise level σ ≥ 0. */
export class GaussianMixture {
  /** Number of components. */
  readonly k: number;
  /** Dimension. */
  readonly d: number;
  /** Normalized weights [k]. */
  readonly weights: Float64Array;
  /** Means [k * d]. */
  readonly means: Float64Array;
  /** Per-dimension variances [k * d]. */
  readonly variances: Float64Array;

  constructor({ weights, means, variances }: GaussianMixtureParams) {
    const k = weights.length;
    if (k === 0) throw new RangeError('GaussianMixture: need at least one component');
    if (means.length !== k || variances.length !== k) {
      throw new RangeError(
        `GaussianMixture: got ${k} weights, ${means.length} means and ${variances.length} variances; they must match`,
      );
    }
    const d = means[0]!.length;
    if (d === 0) throw new RangeError('GaussianMixture: means must have at least one dimension');
    this.k = k;
    this.d = d;
    this.weights = Float64Array.from(weights);
    let total = 0;
    this.weights.forEach((w, i) => {
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`GaussianMixture: weights[${i}] = ${w} is not a finite non-negative number`);
      total += w;
    });
    if (!(total > 0)) throw new RangeError('GaussianMixture: weights must not all be 0');
    this.weights.forEach((w, i) => (this.weights[i] = w / total));
    this.means = new Float64Array(k * d);
    this.variances = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      const mu = means[c]!;
      if (mu.length !== d) throw new RangeError(`GaussianMixture: means[${c}] has length ${mu.length}, expected ${d}`);
      const v = variances[c]!;
      if (typeof v !== 'number' && v.length !== d) {
        throw new RangeError(`GaussianMixture: variances[${c}] has length ${v.length}, expected ${d}`);
      }
      for (let j = 0; j < d; j++) {
        this.means[c * d + j] = mu[j]!;
        const vj = typeof v === 'number' ? v : v[j]!;
        if (!(vj > 0) || !Number.isFinite(vj)) throw new RangeError(`GaussianMixture: variances[${c}] must be positive and finite, got ${vj}`);
        this.variances[c * d + j] = vj;
      }
    }
  }

  /** Draw n points (one `random()` for the component, then d `normal()`s per point), with their component labels. */
  sampleWithLabels(n: number, rand: RandomSource = defaultGenerator): { x: Float64Array; labels: Int32Array } {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`GaussianMixture.sample: n must be a non-negative integer, got ${n}`);
    const { k, d } = this;
    const x = new Float64Array(n * d);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const r = rand.random();
      let c = 0;
      let cumulative = this.weights[0]!;
      while (c < k - 1 && r >= cumulative) cumulative += this.weights[++c]!;
      labels[i] = c;
      for (let j = 0; j < d; j++) {
        x[i * d + j] = this.means[c * d + j]! + Math.sqrt(this.variances[c * d + j]!) * rand.normal();
      }
    }
    return { x, labels };
  }

  /** Draw n points [n * d] from the mixture (σ = 0). */
  sample(n: number, rand: RandomSource = defaultGenerator): Float64Array {
    return this.sampleWithLabels(n, rand).x;
  }

  /**
   * For each point and component, ln w_c + ln N(x; μ_c, diag(v_c + σ²)) [n * k], and ln p(x; σ) [n]
   * by log-sum-exp.
   */
  private logJoint(x: ArrayLike<number>, sigma: number, fn: string): { logJoint: Float64Array; logDensity: Float64Array } {
    const { k, d } = this;
    const n = this.count(x, fn);
    if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new RangeError(`GaussianMixture.${fn}: sigma must be finite and >= 0, got ${sigma}`);
    const s2 = sigma * sigma;
    const logJoint = new Float64Array(n * k);
    const logDensity = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let quad = 0;
        let logDet = 0;
        for (let j = 0; j < d; j++) {
          const v = this.variances[c * d + j]! + s2;
          const diff = x[i * d + j]! - this.means[c * d + j]!;
          quad += (diff * diff) / v;
          logDet += Math.log(v);
        }
        const value = Math.log(this.weights[c]!) - 0.5 * (quad + logDet + d * LOG_2PI);
        logJoint[i * k + c] = value;
        if (value > max) max = value;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(logJoint[i * k + c]! - max);
      logDensity[i] = max + Math.log(sum);
    }
    return { logJoint, logDensity };
  }

  private count(x: ArrayLike<number>, fn: string): number {
    if (x.length % this.d !== 0) {
      throw new RangeError(`GaussianMixture.${fn}: got ${x.length} numbers, not a multiple of d = ${this.d}`);
    }
    return x.length / this.d;
  }

  /** ln p(x; σ) [n]: the log density of the noisy data x_σ = x_0 + σ n (σ = 0: the mixture itself). */
  logDensity(x: ArrayLike<number>, sigma = 0): Float64Array {
    return this.logJoint(x, sigma, 'logDensity').logDensity;
  }

  /**
   * Posterior component probabilities p(c | x_σ = x) [n * k]: the exact Bayes classifier on noisy data,
   * the p_φ(y | x_t) of classifier guidance (Algorithm 1 of Dhariwal & Nichol 2021) when the classes are
   * the components.
   */
  responsibilities(x: ArrayLike<number>, sigma = 0): Float64Array {
    const { logJoint, logDensity } = this.logJoint(x, sigma, 'responsibilities');
    const k = this.k;
    return logJoint.map((value, idx) => Math.exp(value - logDensity[Math.floor(idx / k)]!));
  }

  /** ∇_x ln p(x; σ) [n * d] = Σ_c p(c | x) (μ_c − x)/(v_c + σ²). */
  score(x: ArrayLike<number>, sigma = 0): Float64Array {
    const { k, d } = this;
    const r = this.responsibilities(x, sigma);
    const s2 = sigma * sigma;
    const out = new Float64Array(x.length);
    for (let i = 0; i < out.length / d; i++) {
      for (let j = 0; j < d; j++) {
        let g = 0;
        for (let c = 0; c < k; c++) {
          g += (r[i * k + c]! * (this.means[c * d + j]! - x[i * d + j]!)) / (this.variances[c * d + j]! + s2);
        }
        out[i * d + j] = g;
      }
    }
    return out;
  }

  /**
   * The exact denoiser D(x; σ) = E[x_0 | x_σ = x] = x + σ² ∇_x ln p(x; σ) [n * d] (Tweedie's formula;
   * Eq. 3 of Karras et al. 2022 relates it to the score), which the ideal network of the EDM loss equals.
   */
  denoise(x: ArrayLike<number>, sigma: number): Float64Array {
    const s2 = sigma * sigma;
    return this.score(x, sigma).map((g, idx) => x[idx]! + s2 * g);
  }

  /**
   * ∇_x ln p(y | x_σ = x) [n * d] for per-point class labels y (component indices): the classifier
   * gradient of guidance (Algorithm 1 of Dhariwal & Nichol 2021), in closed form
   * (μ_y − x)/(v_y + σ²) − ∇_x ln p(x; σ).
   */
  classifierGradient(x: ArrayLike<number>, sigma: number, labels: ArrayLike<number>): Float64Array {
    const { k, d } = this;
    const n = this.count(x, 'classifierGradient');
    if (labels.length !== n) throw new RangeError(`GaussianMixture.classifierGradient: got ${labels.length} labels for ${n} points`);
    const s2 = sigma * sigma;
    const out = this.score(x, sigma);
    for (let i = 0; i < n; i++) {
      const y = labels[i]!;
      if (!Number.isInteger(y) || y < 0 || y >= k) throw new RangeError(`GaussianMixture.classifierGradient: label ${y} is not in [0, ${k})`);
      for (let j = 0; j < d; j++) {
        out[i * d + j] = (this.means[y * d + j]! - x[i * d + j]!) / (this.variances[y * d + j]! + s2) - out[i * d + j]!;
      }
    }
    return out;
  }

  /** E[x] [d] = Σ_c w_c μ_c (the same at every σ). */
  mean(): Float64Array {
    const { k, d } = this;
    const m = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let c = 0; c < k; c++) sum += this.weights[c]! * this.means[c * d + j]!;
      m[j] = sum;
    }
    return m;
  }

  /** Cov[x_σ] [d * d] = Σ_c w_c (diag(v_c) + μ_c μ_cᵀ) − m mᵀ + σ² I. */
  covariance(sigma = 0): Float64Array {
    const { k, d } = this;
    const m = this.mean();
    const cov = new Float64Array(d * d);
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        let second = a === b ? sigma * sigma : 0; // E[x_a x_b] − m_a m_b, plus σ² on the diagonal
        for (let c = 0; c < k; c++) {
          const w = this.weights[c]!;
          second += w * this.means[c * d + a]! * this.means[c * d + b]! + (a === b ? w * this.variances[c * d + a]! : 0);
        }
        cov[a * d + b] = second - m[a]! * m[b]!;
      }
    }
    return cov;
  }
}

/** k equally weighted isotropic Gaussians with standard deviation `std`, centred on a circle of radius `radius` (first at angle 0). */
export function circleMixture(k: number, { radius = 1, std = 0.1 }: { radius?: number; std?: number } = {}): GaussianMixture {
  const angles = Array.from({ length: k }, (_, c) => (2 * Math.PI * c) / k);
  return new GaussianMixture({
    weights: angles.map(() => 1 / k),
    means: angles.map((a) => [radius * Math.cos(a), radius * Math.sin(a)]),
    variances: angles.map(() => std * std),
  });
}

/** 8 equally weighted Gaussians (std 0.1) on the unit circle in 2-D: per-coordinate std ≈ 0.71, near EDM's σ_data = 0.5. */
export const gmm2d8: GaussianMixture = circleMixture(8);

/** Two unequal 1-D components: weights 0.3 / 0.7, means −1 / +1, standard deviations 0.25 / 0.5. */
export const gmm1d2: GaussianMixture = new GaussianMixture({
  weights: [0.3, 0.7],
  means: [[-1], [1]],
  variances: [0.25 ** 2, 0.5 ** 2],
});
