/**
 * The nonparametric bootstrap (Efron 1979; Efron & Tibshirani 1993, "An Introduction to the
 * Bootstrap"): draw B resamples of the n items with replacement, recompute the statistic on each, and
 * read its uncertainty off the B replicates θ̂*(1), …, θ̂*(B):
 * - the standard error (Efron & Tibshirani, Algorithm 6.1):
 *     se_B = { Σ_b [θ̂*(b) − θ̂*(·)]² / (B − 1) }^½,  θ̂*(·) = Σ_b θ̂*(b) / B;
 * - the percentile interval of level 1 − 2α (Ch. 13): the α and 1 − α quantiles of the replicates.
 * A resample is given as the multiplicity of every item (how often it was drawn, summing to n), so a
 * statistic that pools per-item sums weights them instead of copying items. Resampling the items of
 * two paired sets with the same multiplicities (the same clips continued two ways) bootstraps their
 * difference (the paired bootstrap).
 */
import { Generator } from '@diffusion-ts/tensor';

/** `replicates` resamples of n items, each the multiplicity of every item (n draws with replacement). */
export function bootstrapWeights(n: number, replicates: number, seed: number): Uint32Array[] {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`bootstrapWeights: n must be a positive integer, got ${n}`);
  if (!Number.isSafeInteger(replicates) || replicates < 2) throw new RangeError(`bootstrapWeights: replicates must be an integer ≥ 2, got ${replicates}`);
  const g = new Generator(seed);
  return Array.from({ length: replicates }, () => {
    const w = new Uint32Array(n);
    for (let k = 0; k < n; k++) w[g.integer(0, n)]!++;
    return w;
  });
}

export interface BootstrapSummary {
  /** se_B: the sample standard deviation of the replicates. */
  standardError: number;
  /** The α quantile of the replicates, α = (1 − level) / 2. */
  low: number;
  /** The 1 − α quantile. */
  high: number;
}

/**
 * The standard error and the percentile interval of `level` (default 0.95) of bootstrap replicates.
 * Quantiles interpolate linearly between order statistics (numpy's default). Non-finite replicates
 * are an error: a statistic that is undefined on some resample has no bootstrap standard error.
 */
export function summarizeReplicates(replicates: ArrayLike<number>, level = 0.95): BootstrapSummary {
  const B = replicates.length;
  if (B < 2) throw new RangeError(`summarizeReplicates: needs at least 2 replicates, got ${B}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`summarizeReplicates: level must be in (0, 1), got ${level}`);
  const sorted = Float64Array.from(replicates).sort();
  if (!sorted.every(Number.isFinite)) throw new RangeError(`summarizeReplicates: the replicates include ${sorted.find((v) => !Number.isFinite(v))}`);
  const mean = sorted.reduce((a, b) => a + b, 0) / B;
  const standardError = Math.sqrt(sorted.reduce((a, v) => a + (v - mean) ** 2, 0) / (B - 1));
  const quantile = (q: number) => {
    const at = q * (B - 1), i = Math.floor(at), f = at - i;
    return i + 1 < B ? sorted[i]! + f * (sorted[i + 1]! - sorted[i]!) : sorted[i]!;
  };
  const alpha = (1 - level) / 2;
  return { standardError, low: quantile(alpha), high: quantile(1 - alpha) };
}
