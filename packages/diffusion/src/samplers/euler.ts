/** Euler's method on the probability-flow ODE, with optional churn (k-diffusion's `sample_euler`). */
import { noGrad, type Tensor } from '@diffusion-ts/tensor';
import type { Denoiser, SamplerOptions } from '../types.ts';
import { churn, type ChurnOptions } from './churn.ts';
import { checkSigmas } from './check-sigmas.ts';
import { runSteps } from './step-loop.ts';

/** Options of {@link sampleEuler}: churn is off unless `sChurn` > 0. */
export interface EulerOptions extends SamplerOptions, ChurnOptions {}

/**
 * First-order sampler for dx/dσ = (x − D(x; σ))/σ (Eq. 1 with Eq. 3 and σ(t) = t, s(t) = 1,
 * Karras et al. 2022): Algorithm 2 with the 2nd-order correction left out, churn included.
 * x holds samples at σ_0 (e.g. σ_0 · N(0, I)); one evaluation per step, so N steps cost N.
 */
export function sampleEuler(denoise: Denoiser, x: Tensor, sigmas: ArrayLike<number>, options: EulerOptions = {}): Tensor {
  checkSigmas('sampleEuler', sigmas);
  const numSteps = sigmas.length - 1;
  return noGrad(() => runSteps(x, numSteps, (x, i) => {
    const sigma = sigmas[i]!, sigmaNext = sigmas[i + 1]!;
    const { xHat, sigmaHat } = churn(x, sigma, numSteps, options);
    const denoised = denoise(xHat, sigmaHat);
    const d = xHat.sub(denoised).div(sigmaHat); // dx/dσ at σ̂
    const xNext = xHat.add(d.mul(sigmaNext - sigmaHat));
    options.onStep?.({ i, sigma, x: xNext, denoised });
    return xNext;
  }));
}
