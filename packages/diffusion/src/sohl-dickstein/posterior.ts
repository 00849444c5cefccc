/**
 * Posterior sampling by multiplying distributions (Section 2.5 of Sohl-Dickstein et al. 2015): to sample
 * p̃(x⁰) ∝ p(x⁰) r(x⁰) for a known factor r, each reverse kernel is multiplied by a factor r_t and
 * renormalised, p̃(x^{t−1} | x^t) ∝ p(x^{t−1} | x^t) r_{t−1}(x^{t−1}), starting from p̃(x^T) ∝ π(x^T) r_T(x^T).
 * For a Gaussian kernel the product is closed-form when r_t is Gaussian (denoising: the likelihood of a
 * noisy observation) or a delta on some coordinates (inpainting: the known entries are clamped), as the
 * reference `sampler.py` (`diffusion_step`) does it.
 *
 * The paper takes r_t = r for every t. The normalised product is then an approximation of the modified
 * reverse process (it drops the ratio of normalisers that keeps the modified marginals exact), close when
 * r changes slowly; it is exact when r_t(x^t) = E_p[r(x⁰) | x^t], since then ∫ p(x^{t−1}|x^t) r_{t−1} = r_t.
 * Both are possible here: pass one factor, or a function of t.
 */
import { defaultGenerator, ones, zeros, type Tensor } from '@diffusion-ts/tensor';
import { randnFrom } from '../samplers/noise.ts';
import type { NoiseSource } from '../types.ts';
import { sampleAncestral, type GaussianStep, type ReverseKernel, type ReverseStepInfo } from './gaussian.ts';

/** r(x) = N(x; y, sigma²) per element (a noisy observation y = x + sigma·n, as a function of x). */
export interface GaussianFactor {
  kind: 'gaussian';
  y: Tensor;
  sigma: number | Tensor;
}

/** r(x) = δ(x_known − y_known): `mask` is 1 on the known entries, 0 elsewhere; y's other entries are unused. */
export interface InpaintFactor {
  kind: 'inpaint';
  y: Tensor;
  mask: Tensor;
}

export type KnownFactor = GaussianFactor | InpaintFactor;

/**
 * N(mu, σ²)·N(y, σ_r²) normalised, per element: σ̃ = (σ⁻² + σ_r⁻²)^{−½}, μ̃ = σ̃²(μ/σ² + y/σ_r²)
 * (`diffusion_step` with `denoise_sigma`).
 */
export function multiplyGaussian({ mu, sigma }: GaussianStep, y: Tensor, sigmaR: number | Tensor): GaussianStep {
  const precisionR = typeof sigmaR === 'number' ? 1 / (sigmaR * sigmaR) : sigmaR.square().pow(-1);
  const precision = sigma.square().pow(-1);
  const variance = precision.add(precisionR).pow(-1);
  return { mu: mu.mul(precision).add(y.mul(precisionR)).mul(variance), sigma: variance.sqrt() };
}

/** The kernel times a delta on the known entries: mean y and zero spread there (`diffusion_step` with `mask`). */
export function clampKnown({ mu, sigma }: GaussianStep, mask: Tensor, y: Tensor): GaussianStep {
  const unknown = mask.neg().add(1);
  return { mu: mu.mul(unknown).add(y.mul(mask)), sigma: sigma.mul(unknown) };
}

/** A Gaussian step multiplied by a known factor, renormalised. */
export function multiplyFactor(step: GaussianStep, factor: KnownFactor): GaussianStep {
  switch (factor.kind) {
    case 'gaussian': return multiplyGaussian(step, factor.y, factor.sigma);
    case 'inpaint': return clampKnown(step, factor.mask, factor.y);
    default: { const never: never = factor; throw new Error(`multiplyFactor: unknown factor ${JSON.stringify(never)}`); }
  }
}

/** Options of {@link samplePosterior}. */
export interface PosteriorOptions {
  onStep?: (info: ReverseStepInfo) => void;
}

/**
 * Samples of p̃(x⁰) ∝ p(x⁰) r(x⁰) by ancestral sampling of the modified reverse chain.
 * @param kernel the model's reverse kernels (e.g. `SohlDicksteinDiffusion.reverseKernel(network)`)
 * @param factor r_t for every t (the paper's choice), or a function giving r_s, the factor on x^s, for s = 0…T
 * @param shape [n, …] of the samples; every tensor in the factors broadcasts against it
 */
export function samplePosterior(
  kernel: ReverseKernel,
  factor: KnownFactor | ((s: number) => KnownFactor),
  T: number,
  shape: readonly number[],
  noise: NoiseSource = defaultGenerator,
  { onStep }: PosteriorOptions = {},
): Tensor {
  const factorAt = typeof factor === 'function' ? factor : () => factor;
  // x^T ~ π(x^T) r_T(x^T) normalised, π = N(0, I): the product of the prior step N(0, 1) with r_T.
  const rT = factorAt(T);
  const dtype = rT.y.dtype;
  const start = multiplyFactor({ mu: zeros(shape, { dtype }), sigma: ones(shape, { dtype }) }, rT);
  const xT = start.mu.add(start.sigma.mul(randnFrom(noise, shape, dtype)));
  return sampleAncestral(kernel, xT, T, noise, { onStep, modify: (step, t) => multiplyFactor(step, factorAt(t - 1)) });
}
