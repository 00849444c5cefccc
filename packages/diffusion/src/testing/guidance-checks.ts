/** Test helper (not exported from the package): class purity and diversity of guided samples on a mixture. */
import type { GaussianMixture } from '../gmm/gaussian-mixture.ts';

/**
 * purity: mean responsibility p(y | x) at σ = 0 of class y over the samples (1 = all in class y);
 * diversity: total variance (trace of the sample covariance).
 */
export function purityAndDiversity(points: ArrayLike<number>, mixture: GaussianMixture, y: number): { purity: number; diversity: number } {
  const { d, k } = mixture;
  const n = points.length / d;
  const r = mixture.responsibilities(points, 0);
  let purity = 0;
  for (let i = 0; i < n; i++) purity += r[i * k + y]! / n;
  let diversity = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += points[i * d + j]! / n;
    for (let i = 0; i < n; i++) diversity += (points[i * d + j]! - mean) ** 2 / (n - 1);
  }
  return { purity, diversity };
}
