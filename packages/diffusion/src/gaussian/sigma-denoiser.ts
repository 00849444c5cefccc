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

export interface DiscreteSigmaScheduleOptions {
  /** The largest level used: levels above it are skipped. Default 80, EDM's σ_max. */
  sigmaMax?: number;
  /** The smallest level used before the final 0: levels below it are skipped. Default 0.002, EDM's σ_min. */
  sigmaMin?: number;
}

/**
 * Sampler steps for a discrete model: `steps` of its grid's levels in [σ_min, σ_max], evenly spaced
 * in t from the largest down (as DDIM's strides), then 0. Length steps + 1.
 *
 * This is the "iDDPM" discretisation of Karras et al. 2022 (Table 1: σ_i = u_⌊j₀ + (M − 1 − j₀)·i/(N − 1) + ½⌋),
 * with j₀ set by σ_max as in NVlabs/edm's generate.py, which keeps the levels u with
 * σ_min ≤ u ≤ σ_max. The paper's j₀ = 8 for ADM's cosine schedule is exactly σ_max ≈ 80: the
 * cosine grid's top levels reach σ ≈ 2·10⁴ (β clipped at 0.999), and a first step from there
 * multiplies the network's ε error by σ (x̂₀ = x − σ ε̂), which no later step can undo.
 * `{ sigmaMax: Infinity }` walks the whole grid.
 */
export function discreteSigmaSchedule(d: GaussianDiffusion, steps: number, { sigmaMax = 80, sigmaMin = 0.002 }: DiscreteSigmaScheduleOptions = {}): number[] {
  const grid = discreteSigmas(d);
  let lo = 0, hi = grid.length - 1;
  while (lo < hi && grid[lo]! < sigmaMin) lo++;
  while (hi > lo && grid[hi]! > sigmaMax) hi--;
  const levels = hi - lo + 1;
  if (!Number.isInteger(steps) || steps < 1 || steps > levels) {
    throw new RangeError(`discreteSigmaSchedule: steps must be an integer in [1, ${levels}] (the grid's levels in [σ_min ${sigmaMin}, σ_max ${sigmaMax}]), got ${steps}`);
  }
  const chosen = Array.from({ length: steps }, (_, i) => grid[lo + Math.round((hi - lo) * (1 - i / Math.max(steps - 1, 1)))]!);
  return [...(steps === 1 ? [grid[hi]!] : chosen), 0];
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
