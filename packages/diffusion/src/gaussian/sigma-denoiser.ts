/**
 * Discrete-time models in sigma space, so the EDM samplers (Euler, Heun, DPM-Solver++, …) run on
 * models trained with DDPM or iDDPM losses: Karras et al. 2022 treat DDPM as the VP process with
 * x_t = √ᾱ_t (x₀ + σ_t n), σ_t = √((1 − ᾱ_t)/ᾱ_t) (Section 2 and Table 1, "iDDPM" column, which
 * rounds σ to the nearest level of the model's own grid), as k-diffusion's DiscreteEpsDDPMDenoiser.
 */
import type { Tensor } from '@diffusion-ts/tensor';
import type { Denoiser } from '../types.ts';
import type { DiffusionModel, GaussianDiffusion } from './diffusion.ts';

/** σ_t = √((1 − ᾱ_t)/ᾱ_t) for t = 0 … T−1: the noise levels at which the model was trained (increasing). */
export function discreteSigmas(d: GaussianDiffusion): Float64Array {
  return d.alphasCumprod.map((a) => Math.sqrt((1 - a) / a));
}

/** The index of the grid level nearest to σ (the grid is increasing). */
function nearestStep(grid: Float64Array, sigma: number): number {
  let best = 0;
  for (let t = 1; t < grid.length; t++) if (Math.abs(grid[t]! - sigma) < Math.abs(grid[best]! - sigma)) best = t;
  return best;
}

/**
 * Sampler steps for a discrete model: `steps` levels of its grid, evenly spaced in t from the
 * largest down (as DDIM's strides), then 0. Length steps + 1.
 */
export function discreteSigmaSchedule(d: GaussianDiffusion, steps: number): number[] {
  if (!Number.isInteger(steps) || steps < 1 || steps > d.numTimesteps) {
    throw new RangeError(`discreteSigmaSchedule: steps must be an integer in [1, ${d.numTimesteps}], got ${steps}`);
  }
  const grid = discreteSigmas(d), T = d.numTimesteps;
  const levels = Array.from({ length: steps }, (_, i) => grid[Math.round((T - 1) * (1 - i / Math.max(steps - 1, 1)))]!);
  return [...(steps === 1 ? [grid[T - 1]!] : levels), 0];
}

export interface DiscreteDenoiserOptions<K> {
  modelKwargs?: K;
  /** Clip x₀ into [−1, 1] (image data); default false. */
  clipDenoised?: boolean;
}

/**
 * D(x; σ) = the model's x₀ prediction at the step t whose σ_t is nearest to σ, with the input
 * scaled to x_t = x/√(1 + σ²): the VP process seen in sigma space. Works for every output kind
 * (ε, x₀, v, learned variances) through `pMeanVariance`. At σ = 0 it returns x. It records gradients
 * when they are on (the samplers turn them off), so guidance can differentiate through it.
 */
export function discreteDenoiser<K>(d: GaussianDiffusion, model: DiffusionModel<K>, { modelKwargs, clipDenoised = false }: DiscreteDenoiserOptions<K> = {}): Denoiser {
  const grid = discreteSigmas(d);
  return (x: Tensor, sigma: number): Tensor => {
    if (sigma === 0) return x;
    const t = new Int32Array(x.shape[0] ?? 1).fill(nearestStep(grid, sigma));
    return d.pMeanVariance(model, x.mul(1 / Math.sqrt(1 + sigma * sigma)), t, { clipDenoised, modelKwargs: modelKwargs as K }).predX0;
  };
}
