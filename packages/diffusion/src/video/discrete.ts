/**
 * Conditioning on known frames for the discrete-time samplers (DDPM ancestral, DDIM, strided iDDPM):
 * each function returns the reverse-step prediction `(z_t, t) ↦ p(z_{t−1} | z_t)` that `sampleDdpm` and
 * `sampleDdim` take as their `predict` option, with x̂₀ replaced by its conditioned version x̃₀ and the
 * mean re-derived from it, μ̃(x̃₀, z_t) (Eq. 7 of Ho et al. 2020). Ho et al. 2022 (Sec. 3.1) write both
 * methods for exactly this process, z_t = α_t x + σ_t ε with α_t = √ᾱ_t, σ_t = √(1 − ᾱ_t).
 */
import { defaultGenerator, type Tensor } from '@diffusion-ts/tensor';
import type { DiffusionModel, GaussianDiffusion, PMeanVariance, PMeanVarianceOptions } from '../gaussian/diffusion.ts';
import { gatherPerSample } from '../gaussian/gather.ts';
import { randnFrom } from '../samplers/noise.ts';
import type { NoiseSource } from '../types.ts';
import { checkClip, mergeFrames, type FrameCondition } from './frame-condition.ts';
import { reconstructionGradient } from './reconstruction-guidance.ts';

/** What the discrete samplers call at each step in place of `d.pMeanVariance(model, z_t, t)`. */
export type ReversePrediction = (x: Tensor, t: Int32Array) => PMeanVariance;

/** Options of the model's prediction: clipping of x̂₀ (applied to x̃₀, default true as pMeanVariance) and kwargs. */
export type ConditionedPredictionOptions<K> = Omit<PMeanVarianceOptions<K>, 'denoisedFn'>;

/** The step's moments from the conditioned x̃₀ (clipped if asked) and the model's own variance. */
function fromX0(d: GaussianDiffusion, c: FrameCondition, p: PMeanVariance, x0b: Tensor, x: Tensor, t: Int32Array, clip: boolean): PMeanVariance {
  const merged = mergeFrames(c, c.known, x0b);
  const predX0 = clip ? merged.clamp(-1, 1) : merged;
  return { mean: d.qPosteriorMeanVariance(predX0, x, t).mean, variance: p.variance, logVariance: p.logVariance, predX0 };
}

/**
 * The replacement method (Ho et al. 2022, Sec. 3.1, after Song et al. 2021): the model sees
 * [zᵃ_t, zᵇ_t] with zᵃ_t = √ᾱ_t xᵃ + √(1 − ᾱ_t) n a fresh draw of q(zᵃ_t | xᵃ) (Eq. 4 of Ho et al. 2020)
 * from `noise`; x̃₀ = [xᵃ, x̂ᵇ₀]. The known frames of the result are xᵃ (at t = 0 the posterior mean is x̃₀).
 */
export function replacementPrediction<K>(d: GaussianDiffusion, model: DiffusionModel<K>, c: FrameCondition, noise: NoiseSource = defaultGenerator, { clipDenoised = true, modelKwargs }: ConditionedPredictionOptions<K> = {}): ReversePrediction {
  return (x, t) => {
    checkClip('replacementPrediction', x, c);
    const za = d.qSample(c.known, t, randnFrom(noise, x.shape, x.dtype));
    const p = d.pMeanVariance(model, mergeFrames(c, za, x), t, { clipDenoised: false, modelKwargs });
    return fromX0(d, c, p, p.predX0, x, t, clipDenoised);
  };
}

/**
 * Reconstruction guidance for the discrete process: Eq. 7 of Ho et al. 2022 as written,
 * x̃ᵇ = x̂ᵇ_θ(z_t) − (w_r α_t / 2) ∇_{zᵇ_t} ‖xᵃ − x̂ᵃ_θ(z_t)‖² with α_t = √ᾱ_t, the gradient by autodiff
 * through the model (one evaluation per step, with its backward). x̂₀ is differentiated unclipped; the
 * clip, when asked, applies to x̃₀.
 * @param weight w_r ≥ 0
 */
export function reconstructionGuidedPrediction<K>(d: GaussianDiffusion, model: DiffusionModel<K>, c: FrameCondition, weight: number, { clipDenoised = true, modelKwargs }: ConditionedPredictionOptions<K> = {}): ReversePrediction {
  if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`reconstructionGuidedPrediction: weight w_r must be a finite number >= 0, got ${weight}`);
  return (x, t) => {
    checkClip('reconstructionGuidedPrediction', x, c);
    let p: PMeanVariance | undefined;
    const { predicted, gradient } = reconstructionGradient((xIn) => (p = d.pMeanVariance(model, xIn, t, { clipDenoised: false, modelKwargs })).predX0, x, c);
    const alpha = gatherPerSample(d.sqrtAlphasCumprod, t, x); // α_t = √ᾱ_t, per sample
    const moments = { ...p!, variance: p!.variance.detach(), logVariance: p!.logVariance.detach() };
    return fromX0(d, c, moments, predicted.sub(gradient.mul(alpha).mul(weight / 2)), x, t, clipDenoised);
  };
}
