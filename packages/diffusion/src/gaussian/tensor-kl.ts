/**
 * Tensor versions of the likelihood helpers in kl.ts (openai/improved-diffusion `losses.py`), term
 * for term: elementwise with broadcasting, differentiable, in the dtype of their tensor arguments.
 */
import { full, where, type Tensor, type TensorLike } from '@diffusion-ts/tensor';
import { CDF_CUBIC, DECODER_EDGE, DECODER_HALF_BIN, DECODER_MIN_PROB, SQRT_2_OVER_PI } from './kl.ts';

/** A number as a 0-d tensor of `like`'s dtype (so that every op below has a tensor operand). */
const asTensor = (v: TensorLike, like: Tensor): Tensor => (typeof v === 'number' ? full([], v, { dtype: like.dtype }) : v);

/**
 * KL(N(mean1, e^{logvar1}) ‖ N(mean2, e^{logvar2})) in nats, elementwise:
 * ½(−1 + logvar2 − logvar1 + e^{logvar1 − logvar2} + (mean1 − mean2)² e^{−logvar2}), the Gaussian KL
 * of the terms L_{t−1} of Eq. 5 of Ho et al. 2020, evaluated in the reference's order.
 * Numbers stand for constants (the prior term passes mean2 = 0, logvar2 = 0).
 */
export function normalKlTensor(mean1: Tensor, logvar1: TensorLike, mean2: TensorLike, logvar2: TensorLike): Tensor {
  const lv1 = asTensor(logvar1, mean1), lv2 = asTensor(logvar2, mean1);
  const diff = mean1.sub(mean2);
  return lv2.add(-1).sub(lv1).add(lv1.sub(lv2).exp()).add(diff.mul(diff).mul(lv2.neg().exp())).mul(0.5);
}

/** Φ(x) ≈ ½(1 + tanh(√(2/π)(x + 0.044715 x³))), elementwise: {@link approxStandardNormalCdf} on tensors. */
export function approxStandardNormalCdfTensor(x: Tensor): Tensor {
  return x.mul(x).mul(x).mul(CDF_CUBIC).add(x).mul(SQRT_2_OVER_PI).tanh().add(1).mul(0.5);
}

/**
 * ln p(x | mean, e^{logScale}) of the discretized Gaussian decoder (Eq. 13 of Ho et al. 2020),
 * elementwise: the mass of the bin [x − 1/255, x + 1/255], the edge bins (x < −0.999, x > 0.999)
 * extended to ∓∞, every probability clamped below at 1e-12 before the log, exactly as
 * improved-diffusion's `discretized_gaussian_log_likelihood` and the scalar
 * {@link discretizedGaussianLogLikelihood}. Gradients flow through the branch each entry takes.
 * @param x data in [−1, 1] on the 256-level grid   @param logScale ln of the standard deviation
 * @returns log-probabilities in nats, of the broadcast shape
 */
export function discretizedGaussianLogLikelihoodTensor(x: Tensor, mean: Tensor, logScale: Tensor): Tensor {
  const centered = x.sub(mean);
  const invStdv = logScale.neg().exp();
  const cdfPlus = approxStandardNormalCdfTensor(invStdv.mul(centered.add(DECODER_HALF_BIN)));
  const cdfMin = approxStandardNormalCdfTensor(invStdv.mul(centered.sub(DECODER_HALF_BIN)));
  const logCdfPlus = cdfPlus.clamp(DECODER_MIN_PROB).log();
  const logOneMinusCdfMin = cdfMin.neg().add(1).clamp(DECODER_MIN_PROB).log();
  const logCdfDelta = cdfPlus.sub(cdfMin).clamp(DECODER_MIN_PROB).log();
  return where(x.lt(-DECODER_EDGE), logCdfPlus, where(x.gt(DECODER_EDGE), logOneMinusCdfMin, logCdfDelta));
}
