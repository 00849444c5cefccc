/**
 * Tensor adapters of the analytic {@link GaussianMixture}: its exact denoiser as a sigma-space
 * `Denoiser`, and its exact noisy-classifier gradient as a guidance `SigmaClassifierGradient`, so every
 * sampler and guidance wrapper can be checked against closed forms. Arithmetic is float64 on the CPU;
 * the result has the input's shape and dtype.
 */
import { tensor, type Tensor } from '@diffusion-ts/tensor';
import type { Denoiser } from '../types.ts';
import type { SigmaClassifierGradient } from '../guidance/classifier-sigma.ts';
import type { GaussianMixture } from './gaussian-mixture.ts';

/** The values of x [B, …] as points of `mixture` (each sample's entries are one point of dimension d). */
function pointsOf(fn: string, mixture: GaussianMixture, x: Tensor): ArrayLike<number> {
  const perSample = x.shape.slice(1).reduce((n, s) => n * s, 1);
  if (x.ndim < 2 || perSample !== mixture.d) {
    throw new RangeError(`${fn}: x of shape [${x.shape}] is not a batch [B, …] of ${mixture.d}-dimensional points`);
  }
  return x.dataSync();
}

/**
 * The exact denoiser D(x; σ) = E[x₀ | x₀ + σn = x] of the mixture (Tweedie's formula; Eq. 3 of
 * Karras et al. 2022 relates it to the score): the ideal network of the EDM loss.
 */
export function gmmDenoiser(mixture: GaussianMixture): Denoiser {
  return (x, sigma) =>
    tensor(mixture.denoise(pointsOf('gmmDenoiser', mixture, x), sigma), { shape: x.shape, dtype: x.dtype });
}

/**
 * ∇_x ln p(y | x; σ) of the mixture's exact noisy classifier, with class y_b = `labels[b]` (a
 * component index) for sample b: the gradient that classifier guidance adds (Dhariwal & Nichol 2021).
 */
export function gmmClassifierGradient(mixture: GaussianMixture, labels: ArrayLike<number>): SigmaClassifierGradient {
  return (x, sigma) =>
    tensor(mixture.classifierGradient(pointsOf('gmmClassifierGradient', mixture, x), sigma, labels), {
      shape: x.shape,
      dtype: x.dtype,
    });
}
