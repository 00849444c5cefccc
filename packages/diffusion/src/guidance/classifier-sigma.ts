/**
 * Classifier guidance in sigma space (Dhariwal & Nichol 2021, written for EDM denoisers): the guided
 * score ∇ ln p(x; σ) + s·∇ ln p(y | x; σ) becomes, through D = x + σ² ∇ ln p (Eq. 3 of Karras et al. 2022),
 * the guided denoiser D̃(x; σ) = D(x; σ) + σ² s ∇_x ln p(y | x; σ).
 */
import { enableGrad, tensor, type Tensor } from '@diffusion-ts/tensor';
import type { Denoiser } from '../types.ts';

/** ∇_x ln p(y | x; σ) [same shape as x] for the labels the caller has fixed. */
export type SigmaClassifierGradient = (x: Tensor, sigma: number) => Tensor;

/**
 * D̃(x; σ) = D(x; σ) + σ² · s · ∇_x ln p(y | x; σ). With the exact classifier of the data and s = 1,
 * D̃ is the exact conditional denoiser E[x₀ | x, y]; s > 1 sharpens towards y (ADM's "scale").
 */
export const classifierGuidedDenoiser = (denoise: Denoiser, gradient: SigmaClassifierGradient, scale: number): Denoiser =>
  (x, sigma) => denoise(x, sigma).add(gradient(x, sigma).mul(sigma * sigma * scale));

/**
 * ∇_x ln softmax(f(x; σ))_y by reverse-mode autodiff, for a classifier f returning logits [B, K]
 * (as ADM's `cond_fn`: log_softmax, pick the label's entry, sum over the batch, differentiate).
 * Runs with gradients enabled even inside a sampler's noGrad. `labels` holds B class indices.
 */
export function logitsGradient(logits: (x: Tensor, sigma: number) => Tensor, labels: ArrayLike<number>): SigmaClassifierGradient {
  return (x, sigma) =>
    enableGrad(() => {
      const xIn = x.detach().requiresGrad_();
      const logProbs = logits(xIn, sigma).logSoftmax(1); // [B, K]
      const [batch = 0, classes = 0] = logProbs.shape;
      if (labels.length !== batch) throw new RangeError(`logitsGradient: ${labels.length} labels for a batch of ${batch}`);
      const mask = new Float64Array(batch * classes);
      for (let b = 0; b < batch; b++) {
        const y = labels[b]!;
        if (!Number.isInteger(y) || y < 0 || y >= classes) throw new RangeError(`logitsGradient: label ${y} is not in [0, ${classes})`);
        mask[b * classes + y] = 1;
      }
      logProbs.mul(tensor(mask, { shape: logProbs.shape, dtype: logProbs.dtype })).sum().backward(undefined, { inputs: [xIn] }); // the classifier's weights keep their .grad
      return xIn.grad!.detach();
    });
}
