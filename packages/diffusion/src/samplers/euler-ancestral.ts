/** Ancestral sampling with Euler steps: k-diffusion's `sample_euler_ancestral` (Crowson). */
import { defaultGenerator, noGrad, type Tensor } from '@diffusion-ts/tensor';
import type { Denoiser, NoiseSource, SamplerOptions } from '../types.ts';
import { checkSigmas } from './check-sigmas.ts';
import { randnFrom } from './noise.ts';
import { runSteps } from './step-loop.ts';

/**
 * k-diffusion's `get_ancestral_step`: split the move σ → σ_next into a deterministic step down to
 * σ_down and fresh noise of standard deviation σ_up, with σ_down² + σ_up² = σ_next².
 * σ_up = min(σ_next, η · √(σ_next² (σ² − σ_next²)/σ²)) is DDIM's σ_t(η) (Eq. 16 of Song et al. 2021)
 * in σ space: with ᾱ = 1/(1 + σ²) that equation's √((1 − ᾱ_next)/(1 − ᾱ)) √(1 − ᾱ/ᾱ_next), scaled by
 * √(1 + σ_next²) from x_t to x/√ᾱ, is √(σ_next² (σ² − σ_next²)/σ²). η = 1 gives the DDPM posterior's
 * standard deviation (Ho et al. 2020's ancestral step), η = 0 the deterministic step.
 */
export function ancestralStep(sigma: number, sigmaNext: number, eta = 1): { sigmaDown: number; sigmaUp: number } {
  if (!eta) return { sigmaDown: sigmaNext, sigmaUp: 0 };
  const sigmaUp = Math.min(sigmaNext, eta * Math.sqrt((sigmaNext ** 2 * (sigma ** 2 - sigmaNext ** 2)) / sigma ** 2));
  return { sigmaDown: Math.sqrt(sigmaNext ** 2 - sigmaUp ** 2), sigmaUp };
}

/** Options of {@link sampleEulerAncestral}. */
export interface EulerAncestralOptions extends SamplerOptions {
  /** Per-sample generators (or one for the batch) for the noise added after each step; default the default generator. */
  noise?: NoiseSource;
  /** η: 1 (default) is ancestral sampling, 0 deterministic Euler. */
  eta?: number;
  /** S_noise: inflates the added noise. Default 1. */
  sNoise?: number;
}

/**
 * Each step: D at σ_i, an Euler step of dx/dσ = (x − D)/σ down to σ_down, then noise σ_up·S_noise·ε
 * (none on the step to σ = 0). One evaluation per step.
 */
export function sampleEulerAncestral(denoise: Denoiser, x: Tensor, sigmas: ArrayLike<number>, options: EulerAncestralOptions = {}): Tensor {
  checkSigmas('sampleEulerAncestral', sigmas);
  const { noise = defaultGenerator, eta = 1, sNoise = 1, onStep } = options;
  return noGrad(() => runSteps(x, sigmas.length - 1, (x, i) => {
    const sigma = sigmas[i]!, sigmaNext = sigmas[i + 1]!;
    const denoised = denoise(x, sigma);
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmaNext, eta);
    let xNext = x.add(x.sub(denoised).div(sigma).mul(sigmaDown - sigma));
    if (sigmaNext > 0 && sigmaUp > 0) xNext = xNext.add(randnFrom(noise, x.shape, x.dtype).mul(sNoise * sigmaUp));
    onStep?.({ i, sigma, x: xNext, denoised });
    return xNext;
  }));
}
