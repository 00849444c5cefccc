/** EDM's stochastic sampler: Algorithm 2 of Karras et al. 2022 with churn on. */
import { defaultGenerator, type Tensor } from '@diffusion-ts/tensor';
import type { Denoiser, NoiseSource, SamplerOptions } from '../types.ts';
import type { ChurnOptions } from './churn.ts';
import { sampleHeun } from './heun.ts';

/** Options of {@link sampleEdmStochastic}; the defaults are {@link edmStochasticDefaults}. */
export interface EdmStochasticOptions extends SamplerOptions, ChurnOptions {
  /** Per-sample generators (or one for the batch); default the default generator (`manualSeed(n)`). */
  noise?: NoiseSource;
}

/** The settings NVlabs/edm's README gives for its stochastic sampler on ImageNet-64 (with 256 steps). */
export const edmStochasticDefaults = Object.freeze({ sChurn: 40, sTmin: 0.05, sTmax: 50, sNoise: 1.003 });

/**
 * Algorithm 2 of Karras et al. 2022: Heun steps from a churned state (x̂_i, σ̂_i), σ̂_i = (1 + γ_i)σ_i,
 * γ_i = min(S_churn/N, √2 − 1) on S_tmin ≤ σ_i ≤ S_tmax, noise inflated by S_noise (NVlabs/edm's README
 * recommends, for ImageNet-64, 256 steps with S_churn = 40, S_tmin = 0.05, S_tmax = 50, S_noise = 1.003).
 * Any of S_churn, S_tmin, S_tmax, S_noise left out (or undefined) takes its value from those settings,
 * {@link edmStochasticDefaults}. Same cost as {@link sampleHeun}: 2N − 1 evaluations. With per-sample generators
 * in `noise`, sample k is the same alone or in any batch.
 */
export function sampleEdmStochastic(denoise: Denoiser, x: Tensor, sigmas: ArrayLike<number>, options: EdmStochasticOptions = {}): Tensor {
  return sampleHeun(denoise, x, sigmas, { ...edmStochasticDefaults, noise: defaultGenerator, ...definedOnly(options) });
}

/** The entries that are not undefined, so `{ sChurn: undefined }` keeps the default as destructuring would. */
const definedOnly = <O extends object>(o: O): Partial<O> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<O>;
