/**
 * Test oracles: scalar float64 versions of the likelihood helpers in openai/improved-diffusion
 * `losses.py`, which the library computes on tensors in gaussian/likelihood.ts. Written apart from
 * the library's, from the reference, so that tests compare two independent writings of each formula.
 */
import { CDF_CUBIC, DECODER_EDGE, DECODER_HALF_BIN, DECODER_MIN_PROB, SQRT_2_OVER_PI } from '../gaussian/likelihood.ts';

/**
 * KL(N(mean1, e^{logvar1}) ‖ N(mean2, e^{logvar2})) in nats, per dimension:
 * ½(−1 + logvar2 − logvar1 + e^{logvar1 − logvar2} + (mean1 − mean2)² e^{−logvar2}),
 * the closed form used for the terms L_{t−1} of the bound (Eq. 5 of Ho et al. 2020).
 */
export function normalKlScalar(mean1: number, logvar1: number, mean2: number, logvar2: number): number {
  return 0.5 * (-1 + logvar2 - logvar1 + Math.exp(logvar1 - logvar2) + (mean1 - mean2) ** 2 * Math.exp(-logvar2));
}

/**
 * The reference's fast approximation of the standard normal CDF,
 * Φ(x) ≈ ½(1 + tanh(√(2/π)(x + 0.044715 x³))) (the tanh form also used for GELU). It is monotone with
 * limits 0 and 1, and within about 2e-4 of Φ; the decoder below uses it so its numbers match the reference.
 */
export function approxStandardNormalCdfScalar(x: number): number {
  return 0.5 * (1 + Math.tanh(SQRT_2_OVER_PI * (x + CDF_CUBIC * x ** 3)));
}

/**
 * ln p(x | mean, e^{logScale}) of the discretized Gaussian decoder, Eq. 13 of Ho et al. 2020, for data
 * x in [−1, 1] that were uint8 values scaled by 2/255 − 1 (256 bins of width 2/255): the Gaussian mass in
 * [x − 1/255, x + 1/255], with the edge bins extended to ±∞ (x < −0.999: ln Φ(upper);
 * x > 0.999: ln(1 − Φ(lower))), and every probability clamped below at 1e-12 before the log, exactly as
 * improved-diffusion's `discretized_gaussian_log_likelihood`. Φ is {@link approxStandardNormalCdfScalar}.
 * @param logScale ln of the standard deviation (not the variance)
 * @returns the log-probability in nats
 */
export function discretizedGaussianLogLikelihoodScalar(x: number, mean: number, logScale: number): number {
  const centered = x - mean;
  const invStdv = Math.exp(-logScale);
  const cdfPlus = approxStandardNormalCdfScalar(invStdv * (centered + DECODER_HALF_BIN));
  const cdfMin = approxStandardNormalCdfScalar(invStdv * (centered - DECODER_HALF_BIN));
  if (x < -DECODER_EDGE) return Math.log(Math.max(cdfPlus, DECODER_MIN_PROB));
  if (x > DECODER_EDGE) return Math.log(Math.max(1 - cdfMin, DECODER_MIN_PROB));
  return Math.log(Math.max(cdfPlus - cdfMin, DECODER_MIN_PROB));
}
