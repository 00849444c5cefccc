/**
 * Classifier guidance of Dhariwal & Nichol 2021 (ADM), as guided-diffusion's `condition_mean` and
 * `condition_score`, for the samplers of the discrete-time Gaussian diffusion.
 */
import { enableGrad, tensor, type Tensor } from '@diffusion-ts/tensor';
import type { GaussianDiffusion, PMeanVariance } from '../gaussian/diffusion.ts';
import { gatherPerSample } from '../gaussian/gather.ts';

/**
 * s · ∇_x log p(y | x_t) at x = x_t, [B, …] like x: the reference's `cond_fn`. It receives the float
 * timesteps the model sees (original and rescaled ones for a respaced process, as the reference's
 * `SpacedDiffusion` wraps `cond_fn` too) and the same conditioning as the model (ADM's { y }).
 */
export type ClassifierGrad<K> = (x: Tensor, t: Tensor, kwargs: K) => Tensor;

/**
 * Algorithm 1 of Dhariwal & Nichol 2021: μ ← μ + s Σ ∇ log p_φ(y | x_t), with Σ the model's variance.
 * The paper derives the shift from a Taylor expansion of log p_φ(y | x_{t−1}) around x_{t−1} = μ, so
 * the gradient belongs at μ; like guided-diffusion's `condition_mean` (and the paper's Algorithm 1 as
 * written), this evaluates it at the current x_t.
 * @returns the shifted mean
 */
export function condMeanShift<K>(d: GaussianDiffusion, classifierGrad: ClassifierGrad<K>, p: PMeanVariance, x: Tensor, t: Int32Array, kwargs?: K): Tensor {
  const gradient = classifierGrad(x, tensor(d.modelTimesteps(t), { dtype: x.dtype }), kwargs as K);
  return p.mean.add(p.variance.mul(gradient));
}

/**
 * Algorithm 2 of Dhariwal & Nichol 2021 (for DDIM): ε̂ ← ε_θ(x_t) − √(1 − ᾱ_t) s ∇ log p_φ(y | x_t),
 * with ε re-derived from the predicted x₀ as guided-diffusion's `condition_score`; x₀ and the mean are
 * then recomputed from ε̂ (the variance is unchanged).
 */
export function condScoreShift<K>(d: GaussianDiffusion, classifierGrad: ClassifierGrad<K>, p: PMeanVariance, x: Tensor, t: Int32Array, kwargs?: K): PMeanVariance {
  const gradient = classifierGrad(x, tensor(d.modelTimesteps(t), { dtype: x.dtype }), kwargs as K);
  const eps = d.predictEpsFromX0(x, t, p.predX0).sub(gatherPerSample(d.sqrtOneMinusAlphasCumprod, t, x).mul(gradient));
  const predX0 = d.predictX0FromEps(x, t, eps);
  return { ...p, predX0, mean: d.qPosteriorMeanVariance(predX0, x, t).mean };
}

/**
 * ∂(Σ_b f(x)_b)/∂x at x, leaving `.grad` of every other leaf as it was (torch.autograd.grad's
 * semantics: the classifier's parameters do not accumulate a gradient).
 */
function gradientOf(f: (x: Tensor) => Tensor, x: Tensor): Tensor {
  return enableGrad(() => {
    const xIn = x.detach().requiresGrad_();
    f(xIn).sum().backward(undefined, { inputs: [xIn] });
    return xIn.grad!;
  });
}

/**
 * The ADM guidance gradient from a classifier on noisy inputs: s · ∇_x log softmax(classifier(x, t))_y,
 * as guided-diffusion's classifier_sample.py builds `cond_fn`, by autodiff.
 * @param classifier (x_t [B, …], float timesteps [B]) → logits [B, classes]
 * @param scale the guidance scale s
 */
export function classifierLogProbGrad(classifier: (x: Tensor, t: Tensor) => Tensor, scale: number): ClassifierGrad<{ y: Int32Array }> {
  return (x, t, kwargs) => {
    const { y } = kwargs;
    if (y.length !== x.shape[0]) throw new RangeError(`classifierLogProbGrad: ${y.length} labels for a batch of ${x.shape[0]}`);
    const index = tensor(Int32Array.from(y), { shape: [y.length, 1], dtype: 'int32' });
    return gradientOf((xIn) => classifier(xIn, t).logSoftmax(1).gather(1, index), x).mul(scale);
  };
}
