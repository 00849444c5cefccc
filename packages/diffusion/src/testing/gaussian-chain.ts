/**
 * Test fixture: the exact output distribution of the samplers on 1-D Gaussian data N(m, s²) with the
 * exact denoiser. E[x0 | x_t] = m + g (x_t − √ᾱ m) with g = √ᾱ s²/(ᾱ s² + 1 − ᾱ) is affine in x_t, so
 * every step x_{t−1} = a x_t + b + σ z is affine-Gaussian, and the moments of x_0 follow by a scalar
 * recursion from x_T ~ N(0, 1). Independent of the tensor code: plain float64 arithmetic.
 */
import type { GaussianDiffusion } from '../gaussian/diffusion.ts';

/** Which reverse step: DDPM with Σ = β̃ ('fixedSmall'), β with β̃₂ first ('fixedLarge'), the exact variance ('exact'), or DDIM with η. */
export type ChainKind = { ddpm: 'fixedSmall' | 'fixedLarge' | 'exact' } | { ddimEta: number };

export function gaussianChainMoments(d: GaussianDiffusion, m: number, s: number, kind: ChainKind): { mean: number; variance: number } {
  let mean = 0, variance = 1;
  for (let step = d.numTimesteps - 1; step >= 0; step--) {
    const ab = d.alphasCumprod[step]!, abPrev = d.alphasCumprodPrev[step]!;
    const g = (Math.sqrt(ab) * s * s) / (ab * s * s + 1 - ab);
    const h = m - g * Math.sqrt(ab) * m; // x̂0 = g x + h
    const posteriorX0Variance = (s * s * (1 - ab)) / (ab * s * s + 1 - ab);
    let a: number, b: number, noise: number;
    if ('ddpm' in kind) {
      const c1 = d.posteriorMeanCoef1[step]!, c2 = d.posteriorMeanCoef2[step]!;
      a = c1 * g + c2;
      b = c1 * h;
      const table = { fixedSmall: d.posteriorVariance[step]!, fixedLarge: d.fixedLargeVariance[step]!, exact: d.posteriorVariance[step]! + c1 * c1 * posteriorX0Variance };
      noise = step === 0 ? 0 : table[kind.ddpm];
    } else {
      // x' = √ᾱ' x̂0 + √(1 − ᾱ' − σ²) (x − √ᾱ x̂0)/√(1 − ᾱ) + σ z
      const sigma2 = step === 0 ? 0 : kind.ddimEta ** 2 * ((1 - abPrev) / (1 - ab)) * (1 - ab / abPrev);
      const k = Math.sqrt(1 - abPrev - sigma2) / Math.sqrt(1 - ab);
      a = (Math.sqrt(abPrev) - k * Math.sqrt(ab)) * g + k;
      b = (Math.sqrt(abPrev) - k * Math.sqrt(ab)) * h;
      noise = sigma2;
    }
    mean = a * mean + b;
    variance = a * a * variance + noise;
  }
  return { mean, variance };
}
