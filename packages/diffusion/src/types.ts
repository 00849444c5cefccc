/** The shared vocabulary of samplers: denoisers, step callbacks, per-sample noise. */
import type { Generator, Tensor } from '@diffusion-ts/tensor';

/**
 * A sigma-space denoiser D(x; σ) ≈ E[x₀ | x = x₀ + σ·n]: EDM's D_θ (Karras et al. 2022, Eq. 7 gives
 * its preconditioned form). Every continuous-time sampler and every guidance wrapper speaks this type.
 */
export type Denoiser = (x: Tensor, sigma: number) => Tensor;

/** What a sampler reports after each step, so a caller can draw progress or watch x₀ emerge. */
export interface StepInfo {
  /** Step index, 0-based, in sampling order. */
  i: number;
  /** The noise level (continuous samplers) or the schedule index t (discrete ones) the step started from. */
  sigma?: number;
  t?: number;
  /** The state after the step. */
  x: Tensor;
  /** The denoiser's estimate of x₀ at this step. */
  denoised: Tensor;
}

export interface SamplerOptions {
  /**
   * Called after each step. On gpu the tensors in `info` are released when the step ends (each step
   * runs in a `tidy` scope, see `runSteps`): read them inside the callback (`info.x.data()` takes
   * hold of the values when called, so await the promise afterwards) or `keep(info.x.clone())`.
   */
  onStep?: (info: StepInfo) => void;
}

/**
 * Where a stochastic sampler's noise comes from: one generator per sample (EDM's
 * StackedRandomGenerator), so sample k with seed s is the same alone or in a batch, on any backend.
 * A single generator draws the whole batch at once.
 */
export type NoiseSource = Generator | readonly Generator[];
