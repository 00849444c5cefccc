/**
 * A respaced (strided) Gaussian diffusion: Section 4 of Nichol & Dhariwal 2021, as
 * improved-diffusion's `SpacedDiffusion` (respace.py).
 */
import { GaussianDiffusion, type GaussianDiffusionOptions } from './diffusion.ts';
import { respaceBetas } from './space-timesteps.ts';

/**
 * The process that visits only some timesteps of a base process. Its betas keep ᾱ at every kept
 * step ({@link respaceBetas}), so its marginals q(x_t | x₀) are the base process's, and a model
 * trained on the base process is called with the original timestep `timestepMap[t]` (times
 * 1000/T_original with `rescaleTimesteps`), as the reference's `_WrappedModel` does. Everything that
 * calls the model (pMeanVariance, the losses, guidance) goes through {@link modelTimesteps}.
 */
export class SpacedDiffusion extends GaussianDiffusion {
  /** timestepMap[t] is the base-process timestep of respaced step t. */
  readonly timestepMap: Int32Array;
  /** T of the base process. */
  readonly originalNumTimesteps: number;

  constructor(baseBetas: ArrayLike<number>, useTimesteps: Iterable<number>, options: GaussianDiffusionOptions = {}) {
    const { betas, timestepMap } = respaceBetas(baseBetas, useTimesteps);
    super(betas, options);
    this.timestepMap = Int32Array.from(timestepMap);
    this.originalNumTimesteps = baseBetas.length;
  }

  /** The original timestep of each respaced step, times 1000/T_original with `rescaleTimesteps`. */
  override modelTimesteps(t: Int32Array): Float64Array {
    const scale = this.rescaleTimesteps ? 1000 / this.originalNumTimesteps : 1;
    return Float64Array.from(t, (step) => this.timestepMap[step]! * scale);
  }
}

/**
 * The respaced process over `useTimesteps` (e.g. `ddimTimesteps(1000, 50)` or
 * `spaceTimesteps(4000, [100])`) of the process with `baseBetas`: iDDPM's strided sampling, which with
 * a learned variance (modelVarType 'learned' or 'learnedRange') samples well in far fewer steps.
 */
export function spacedDiffusion(baseBetas: ArrayLike<number>, useTimesteps: Iterable<number>, options: GaussianDiffusionOptions = {}): SpacedDiffusion {
  return new SpacedDiffusion(baseBetas, useTimesteps, options);
}
