/**
 * The likelihood helpers of openai/improved-diffusion `losses.py` (identical in guided-diffusion and,
 * for the decoder, in the DDPM repository's TensorFlow code), term for term: the Gaussian KL of the
 * bound's terms and the discretized Gaussian decoder. Elementwise with broadcasting, differentiable,
 * in the dtype of their tensor arguments. The one writing of each formula in the library (the
 * Sohl-Dickstein bound calls `normalKl` too); testing/likelihood-oracle.ts holds scalar test oracles.
 */
import { full, where, type Tensor, type TensorLike } from '@diffusion-ts/tensor';

/** √(2/π), the slope of the tanh approximation of Φ. */
export const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
/** The cubic coefficient of the same approximation. */
export const CDF_CUBIC = 0.044715;
/** Half the width of a decoder bin: data are 256 levels 2k/255 − 1, spaced 2/255 apart. */
export const DECODER_HALF_BIN = 1 / 255;
/** Data beyond ±0.999 are the edge bins, whose mass extends to ±∞. */
export const DECODER_EDGE = 0.999;
/** Floor on every decoder probability before its log, as the reference clamps it. */
export const DECODER_MIN_PROB = 1e-12;

/** A number as a 0-d tensor of `like`'s dtype (so that every op below has a tensor operand). */
const asTensor = (v: TensorLike, like: Tensor): Tensor => (typeof v === 'number' ? full([], v, { dtype: like.dtype }) : v);

/**
 * KL(N(mean1, e^{logvar1}) ‖ N(mean2, e^{logvar2})) in nats, elementwise:
 * ½(−1 + logvar2 − logvar1 + e^{logvar1 − logvar2} + (mean1 − mean2)² e^{−logvar2}), the Gaussian KL
 * of the terms L_{t−1} of Eq. 5 of Ho et al. 2020, evaluated in the reference's order.
 * Numbers stand for constants (the prior term passes mean2 = 0, logvar2 = 0).
 */
export function normalKl(mean1: Tensor, logvar1: TensorLike, mean2: TensorLike, logvar2: TensorLike): Tensor {
  const lv1 = asTensor(logvar1, mean1), lv2 = asTensor(logvar2, mean1);
  const diff = mean1.sub(mean2);
  return lv2.add(-1).sub(lv1).add(lv1.sub(lv2).exp()).add(diff.mul(diff).mul(lv2.neg().exp())).mul(0.5);
}

/**
 * The reference's fast approximation of the standard normal CDF, elementwise:
 * Φ(x) ≈ ½(1 + tanh(√(2/π)(x + 0.044715 x³))) (the tanh form also used for GELU). Monotone with
 * limits 0 and 1, within about 2e-4 of Φ; the decoder uses it so its numbers match the reference.
 */
export function approxStandardNormalCdf(x: Tensor): Tensor {
  return x.mul(x).mul(x).mul(CDF_CUBIC).add(x).mul(SQRT_2_OVER_PI).tanh().add(1).mul(0.5);
}

/**
 * ln p(x | mean, e^{logScale}) of the discretized Gaussian decoder (Eq. 13 of Ho et al. 2020),
 * elementwise: the mass of the bin [x − 1/255, x + 1/255], the edge bins (x < −0.999, x > 0.999)
 * extended to ∓∞, every probability clamped below at 1e-12 before the log, exactly as
 * improved-diffusion's `discretized_gaussian_log_likelihood`. Gradients flow through the branch each entry takes.
 * @param x data in [−1, 1] on the 256-level grid   @param logScale ln of the standard deviation
 * @returns log-probabilities in nats, of the broadcast shape
 */
export function discretizedGaussianLogLikelihood(x: Tensor, mean: Tensor, logScale: Tensor): Tensor {
  const centered = x.sub(mean);
  const invStdv = logScale.neg().exp();
  const cdfPlus = approxStandardNormalCdf(invStdv.mul(centered.add(DECODER_HALF_BIN)));
  const cdfMin = approxStandardNormalCdf(invStdv.mul(centered.sub(DECODER_HALF_BIN)));
  const logCdfPlus = cdfPlus.clamp(DECODER_MIN_PROB).log();
  const logOneMinusCdfMin = cdfMin.neg().add(1).clamp(DECODER_MIN_PROB).log();
  const logCdfDelta = cdfPlus.sub(cdfMin).clamp(DECODER_MIN_PROB).log();
  return where(x.lt(-DECODER_EDGE), logCdfPlus, where(x.gt(DECODER_EDGE), logOneMinusCdfMin, logCdfDelta));
}
