/**
 * Stochastic "churn" of Karras et al. 2022, Algorithm 2, lines 4–6: before stepping from σ_i, raise the
 * noise level to σ̂_i = σ_i + γ_i σ_i by adding fresh noise of variance σ̂_i² − σ_i². The one place
 * Euler, Heun and the ablation sampler get their stochasticity from.
 */
import { defaultGenerator, type Tensor } from '@diffusion-ts/tensor';
import type { NoiseSource } from '../types.ts';
import { randnFrom } from './noise.ts';

/** The churn parameters of Algorithm 2 (Karras et al. 2022); the defaults turn churn off. */
export interface ChurnOptions {
  /** S_churn: total stochasticity, spread as S_churn/N per step. Default 0 (deterministic). */
  sChurn?: number;
  /** S_tmin, S_tmax: churn only steps with S_tmin ≤ σ_i ≤ S_tmax. Defaults 0 and ∞. */
  sTmin?: number;
  sTmax?: number;
  /** S_noise: the added noise's standard deviation is inflated by this factor. Default 1. */
  sNoise?: number;
  /** Where the added noise comes from (drawn only when some γ_i > 0); default the default generator (`manualSeed(n)`). */
  noise?: NoiseSource;
}

/** γ_i = min(S_churn/N, √2 − 1) if S_tmin ≤ σ_i ≤ S_tmax, else 0, as Algorithm 2 defines it, for N steps. */
export function churnGamma(sigma: number, numSteps: number, { sChurn = 0, sTmin = 0, sTmax = Infinity }: ChurnOptions = {}): number {
  if (!(sChurn >= 0)) throw new RangeError(`churnGamma: sChurn must be >= 0, got ${sChurn}`);
  return sTmin <= sigma && sigma <= sTmax ? Math.min(sChurn / numSteps, Math.SQRT2 - 1) : 0;
}

/**
 * x + scale · √(max(σ̂² − σ², 0)) · S_noise · ε with ε ~ N(0, I) from `options.noise` (Algorithm 2,
 * line 6; `scale` is s(t̂) in the scaled ODE of `ablation_sampler`). Returns x itself, drawing nothing,
 * when σ̂ = σ.
 */
export function addChurnNoise(x: Tensor, sigma: number, sigmaHat: number, { sNoise = 1, noise = defaultGenerator }: ChurnOptions, scale = 1): Tensor {
  if (sigmaHat === sigma) return x;
  const std = scale * Math.sqrt(Math.max(sigmaHat ** 2 - sigma ** 2, 0)) * sNoise;
  return x.add(randnFrom(noise, x.shape, x.dtype).mul(std));
}

/** Algorithm 2, lines 4–6 at σ_i of an N-step schedule: σ̂_i = (1 + γ_i) σ_i and x̂_i = x_i + √(σ̂_i² − σ_i²) S_noise ε. */
export function churn(x: Tensor, sigma: number, numSteps: number, options: ChurnOptions): { xHat: Tensor; sigmaHat: number } {
  const sigmaHat = sigma + churnGamma(sigma, numSteps, options) * sigma;
  return { xHat: addChurnNoise(x, sigma, sigmaHat, options), sigmaHat };
}
