/** DPM-Solver++(2M) (Lu et al. 2022, arXiv:2211.01095, Algorithm 2) in sigma space, as k-diffusion's `sample_dpmpp_2m`. */
import { noGrad, type Tensor } from '@diffusion-ts/tensor';
import { release } from '@diffusion-ts/nn/internal';
import type { Denoiser, SamplerOptions } from '../types.ts';
import { checkSigmas } from './check-sigmas.ts';
import { runSteps } from './step-loop.ts';

/**
 * Multistep second-order solver in t = −ln σ for the data-prediction ODE. With h = t_{i+1} − t_i:
 * x_{i+1} = (σ_{i+1}/σ_i) x_i − (e^{−h} − 1) D̂_i, where D̂_i = (1 + 1/(2r)) D_i − 1/(2r) D_{i−1},
 * r = h_{i−1}/h, extrapolates the last two denoiser outputs; the first step and the step to σ = 0
 * use D̂ = D_i (first order, i.e. DDIM). One evaluation per step, so N steps cost N.
 */
export function sampleDpmSolver2M(denoise: Denoiser, x: Tensor, sigmas: ArrayLike<number>, { onStep }: SamplerOptions = {}): Tensor {
  checkSigmas('sampleDpmSolver2M', sigmas);
  const tOf = (sigma: number) => -Math.log(sigma);
  const initial: { x: Tensor; oldDenoised: Tensor | null } = { x, oldDenoised: null };
  const last = noGrad(() => runSteps(initial, sigmas.length - 1, ({ x, oldDenoised }, i) => {
    const sigma = sigmas[i]!, sigmaNext = sigmas[i + 1]!;
    const denoised = denoise(x, sigma);
    const h = tOf(sigmaNext) - tOf(sigma); // +∞ on the step to σ = 0, where e^{−h} = 0 and x becomes D̂
    let denoisedD = denoised;
    if (oldDenoised !== null && sigmaNext !== 0) {
      const r = (tOf(sigma) - tOf(sigmas[i - 1]!)) / h; // h_last / h
      denoisedD = denoised.mul(1 + 1 / (2 * r)).sub(oldDenoised.mul(1 / (2 * r)));
    }
    const xNext = x.mul(sigmaNext / sigma).sub(denoisedD.mul(Math.expm1(-h)));
    onStep?.({ i, sigma, x: xNext, denoised });
    return { x: xNext, oldDenoised: denoised };
  }));
  release(last.oldDenoised); // the history ends with the loop; x is the result
  return last.x;
}
