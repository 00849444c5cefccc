/**
 * The denoising training losses of Karras et al. 2022. Eq. 2 is the denoising error at one noise
 * level, E_{y~p_data} E_{n~N(0, σ²I)} ‖D(y + n; σ) − y‖²; Sec. 5 takes its weighted expectation over
 * noise levels as the overall training loss, E_{σ,y,n}[λ(σ) ‖D(y + n; σ) − y‖²] with σ ~ p_train (in
 * the text just before Eq. 8, unnumbered), and Eq. 8 is the same loss written for the raw network F_θ
 * of the preconditioning (Eq. 7), with the effective weight λ(σ)·c_out(σ)². λ(σ) and p_train per
 * method are in Table 1 (EDM's λ = 1/c_out² and log-normal p_train: Sec. 5, "Loss weighting and
 * sampling"). As NVlabs/edm `training/loss.py` (VPLoss, VELoss, EDMLoss), per sample:
 *   loss_b = λ(σ_b) · ‖D(y_b + n_b; σ_b) − y_b‖²,  n_b ~ N(0, σ_b² I).
 * The reference returns the elementwise λ·(D − y)² and its training loop sums it; here the sum over each
 * sample's entries is taken, giving one loss per sample (sum or average them as the optimizer wants).
 */
import { defaultGenerator, tensor, type Tensor } from '@diffusion-ts/tensor';
import type { NoiseSource } from '../types.ts';
import { normalsFrom, randnFrom } from '../samplers/noise.ts';
import type { BatchDenoiser } from './precondition.ts';
import {
  edmConstants,
  edmLossWeight,
  edmTrainingSigma,
  inverseSquareLossWeight,
  veConstants,
  veTrainingSigma,
  vpConstants,
  vpTrainingSigma,
} from './precondition-coefficients.ts';

/** Per-sample losses [B] and the noise levels σ [B] they were drawn at (for loss-vs-σ plots, EDM Fig. 5). */
export interface DenoisingLoss {
  loss: Tensor;
  sigma: Float64Array;
}

/** What every loss takes: the noise (per-sample generators or one for the batch) and optional class labels. */
export interface DenoisingLossOptions {
  /** Per-sample generators or one for the batch (σ first, then n); default the default generator (`manualSeed(n)`). */
  noise?: NoiseSource;
  classLabels?: Tensor;
}

/** Uniform [0, 1) draws, one per sample: sample b's from generator b when there is one per sample. */
function uniformFrom(source: NoiseSource, batch: number): Float64Array {
  if (!Array.isArray(source)) {
    const g = source as Exclude<NoiseSource, readonly unknown[]>;
    return Float64Array.from({ length: batch }, () => g.random());
  }
  if (source.length !== batch) throw new RangeError(`uniformFrom: ${source.length} generators for a batch of ${batch}`);
  return Float64Array.from(source, (g) => g.random());
}

/** λ(σ_b)·‖D(y_b + σ_b n_b; σ_b) − y_b‖² for given σ [B] and λ [B]; the noise is drawn after σ, as the reference does. */
function denoisingLoss(denoise: BatchDenoiser, y: Tensor, sigma: Float64Array, weight: Float64Array, { noise = defaultGenerator, classLabels }: DenoisingLossOptions): DenoisingLoss {
  const shape = [sigma.length, ...y.shape.slice(1).map(() => 1)];
  const n = randnFrom(noise, y.shape, y.dtype).mul(tensor(sigma, { shape, dtype: y.dtype }));
  const squared = denoise(y.add(n), sigma, classLabels).sub(y).square();
  const perSample = y.ndim > 1 ? squared.sum(Array.from({ length: y.ndim - 1 }, (_, k) => k + 1)) : squared;
  return { loss: perSample.mul(tensor(weight, { shape: [sigma.length], dtype: y.dtype })), sigma };
}

function batchOf(fn: string, y: Tensor): number {
  const batch = y.shape[0];
  if (batch === undefined || batch < 1) throw new RangeError(`${fn}: images must be a non-empty batch [B, …], got shape [${y.shape}]`);
  return batch;
}

/** Options of {@link edmLoss}. */
export interface EdmLossOptions extends DenoisingLossOptions {
  /** P_mean, P_std: ln σ ~ N(P_mean, P_std²); −1.2 and 1.2 (Table 1). */
  pMean?: number;
  pStd?: number;
  /** σ_data: 0.5. */
  sigmaData?: number;
}

/**
 * EDM's loss (Table 1; EDMLoss): ln σ ~ N(P_mean, P_std²) with P_mean = −1.2, P_std = 1.2, and
 * λ(σ) = (σ² + σ_data²)/(σ σ_data)², which makes λ c_out² = 1 under EDM preconditioning.
 */
export function edmLoss(denoise: BatchDenoiser, images: Tensor, options: EdmLossOptions = {}): DenoisingLoss {
  const { pMean = edmConstants.pMean, pStd = edmConstants.pStd, sigmaData = edmConstants.sigmaData } = options;
  const z = normalsFrom(options.noise ?? defaultGenerator, batchOf('edmLoss', images));
  const sigma = Float64Array.from(z, (zb) => edmTrainingSigma(zb, { pMean, pStd }));
  return denoisingLoss(denoise, images, sigma, sigma.map((s) => edmLossWeight(s, { sigmaData })), options);
}

/** Options of {@link vpLoss}. */
export interface VpLossOptions extends DenoisingLossOptions {
  /** β_d = 19.9, β_min = 0.1, ε_t = 10⁻⁵ (Table 1). */
  betaD?: number;
  betaMin?: number;
  epsilonT?: number;
}

/** VP's loss (Table 1; VPLoss): σ = σ(t) with t ~ U(ε_t, 1) on the VP schedule, and λ(σ) = 1/σ². */
export function vpLoss(denoise: BatchDenoiser, images: Tensor, options: VpLossOptions = {}): DenoisingLoss {
  const { betaD = vpConstants.betaD, betaMin = vpConstants.betaMin, epsilonT = vpConstants.epsilonT } = options;
  const r = uniformFrom(options.noise ?? defaultGenerator, batchOf('vpLoss', images));
  const sigma = r.map((rb) => vpTrainingSigma(rb, { betaD, betaMin, epsilonT }));
  return denoisingLoss(denoise, images, sigma, sigma.map(inverseSquareLossWeight), options);
}

/** Options of {@link veLoss}. */
export interface VeLossOptions extends DenoisingLossOptions {
  /** σ_min = 0.02, σ_max = 100 (Table 1). */
  sigmaMin?: number;
  sigmaMax?: number;
}

/** VE's loss (Table 1; VELoss): ln σ ~ U(ln σ_min, ln σ_max), and λ(σ) = 1/σ². */
export function veLoss(denoise: BatchDenoiser, images: Tensor, options: VeLossOptions = {}): DenoisingLoss {
  const { sigmaMin = veConstants.sigmaMin, sigmaMax = veConstants.sigmaMax } = options;
  const r = uniformFrom(options.noise ?? defaultGenerator, batchOf('veLoss', images));
  const sigma = r.map((rb) => veTrainingSigma(rb, { sigmaMin, sigmaMax }));
  return denoisingLoss(denoise, images, sigma, sigma.map(inverseSquareLossWeight), options);
}
