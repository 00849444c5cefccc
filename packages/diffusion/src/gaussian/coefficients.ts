/**
 * The float64 constants of a discrete Gaussian diffusion, exactly as openai/improved-diffusion's
 * `GaussianDiffusion.__init__` computes them with NumPy (the same code is in guided-diffusion).
 * Arrays are indexed from 0: entry i belongs to the paper's step t = i + 1.
 */

/** Per-step constants of a Gaussian diffusion with T steps; every array has length T. */
export interface DiffusionCoefficients {
  readonly numTimesteps: number;
  /** β_t. */
  readonly betas: Float64Array;
  /** α_t = 1 − β_t. */
  readonly alphas: Float64Array;
  /** ᾱ_t = ∏_{s≤t} α_s (Ho et al. 2020, above Eq. 4). */
  readonly alphasCumprod: Float64Array;
  /** ᾱ_{t−1}, with ᾱ_0 = 1. */
  readonly alphasCumprodPrev: Float64Array;
  /** ᾱ_{t+1}, with ᾱ_{T+1} = 0 (used by DDIM's reverse ODE). */
  readonly alphasCumprodNext: Float64Array;
  /** √ᾱ_t: the mean coefficient of q(x_t | x_0) (Eq. 4). */
  readonly sqrtAlphasCumprod: Float64Array;
  /** √(1 − ᾱ_t): the standard deviation of q(x_t | x_0) (Eq. 4). */
  readonly sqrtOneMinusAlphasCumprod: Float64Array;
  /** ln(1 − ᾱ_t). */
  readonly logOneMinusAlphasCumprod: Float64Array;
  /** √(1/ᾱ_t), for x_0 = √(1/ᾱ_t) x_t − √(1/ᾱ_t − 1) ε (Eq. 4 solved for x_0). */
  readonly sqrtRecipAlphasCumprod: Float64Array;
  /** √(1/ᾱ_t − 1). */
  readonly sqrtRecipm1AlphasCumprod: Float64Array;
  /** β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t) · β_t, the variance of q(x_{t−1} | x_t, x_0) (Eqs. 6–7); 0 at t = 1. */
  readonly posteriorVariance: Float64Array;
  /** ln β̃_t with the t = 1 entry (ln 0) replaced by ln β̃_2, as the reference clips it. */
  readonly posteriorLogVarianceClipped: Float64Array;
  /** √ᾱ_{t−1} β_t/(1 − ᾱ_t): the x_0 coefficient of μ̃_t (Eq. 7). */
  readonly posteriorMeanCoef1: Float64Array;
  /** √α_t (1 − ᾱ_{t−1})/(1 − ᾱ_t): the x_t coefficient of μ̃_t (Eq. 7). */
  readonly posteriorMeanCoef2: Float64Array;
}

/**
 * All per-step constants of the forward process q(x_t | x_{t−1}) = N(√(1 − β_t) x_{t−1}, β_t I)
 * (Eq. 2 of Ho et al. 2020), its marginals q(x_t | x_0) (Eq. 4) and its posteriors
 * q(x_{t−1} | x_t, x_0) = N(μ̃_t, β̃_t I) (Eqs. 6–7), exactly as improved-diffusion's
 * `GaussianDiffusion.__init__`.
 *
 * Requires every β in (0, 1], as the reference asserts, and T ≥ 2: the reference reads
 * `posterior_variance[1]` to clip the log variance, so it cannot build a one-step process either.
 * β = 1 (the 'jsd' schedule's last step) gives ᾱ = 0 and infinite √(1/ᾱ), as NumPy does.
 */
export function diffusionCoefficients(betasIn: ArrayLike<number>): DiffusionCoefficients {
  const T = betasIn.length;
  if (T < 2) {
    throw new RangeError(`diffusionCoefficients: need at least 2 steps, got ${T}`);
  }
  const betas = Float64Array.from(betasIn);
  betas.forEach((b, i) => {
    if (!(b > 0 && b <= 1)) {
      throw new RangeError(`diffusionCoefficients: betas must lie in (0, 1], got betas[${i}] = ${b}`);
    }
  });
  const alphas = betas.map((b) => 1 - b);
  const alphasCumprod = new Float64Array(T);
  let prod = 1;
  for (let i = 0; i < T; i++) {
    prod *= alphas[i]!;
    alphasCumprod[i] = prod;
  }
  const alphasCumprodPrev = new Float64Array(T);
  alphasCumprodPrev[0] = 1;
  alphasCumprodPrev.set(alphasCumprod.subarray(0, T - 1), 1);
  const alphasCumprodNext = new Float64Array(T); // last entry stays 0
  alphasCumprodNext.set(alphasCumprod.subarray(1));

  const perStep = (f: (i: number) => number): Float64Array => Float64Array.from({ length: T }, (_, i) => f(i));
  const ab = (i: number): number => alphasCumprod[i]!;
  const abPrev = (i: number): number => alphasCumprodPrev[i]!;

  const posteriorVariance = perStep((i) => (betas[i]! * (1 - abPrev(i))) / (1 - ab(i)));
  return {
    numTimesteps: T,
    betas,
    alphas,
    alphasCumprod,
    alphasCumprodPrev,
    alphasCumprodNext,
    sqrtAlphasCumprod: perStep((i) => Math.sqrt(ab(i))),
    sqrtOneMinusAlphasCumprod: perStep((i) => Math.sqrt(1 - ab(i))),
    logOneMinusAlphasCumprod: perStep((i) => Math.log(1 - ab(i))),
    sqrtRecipAlphasCumprod: perStep((i) => Math.sqrt(1 / ab(i))),
    sqrtRecipm1AlphasCumprod: perStep((i) => Math.sqrt(1 / ab(i) - 1)),
    posteriorVariance,
    posteriorLogVarianceClipped: perStep((i) => Math.log(posteriorVariance[i === 0 ? 1 : i]!)),
    posteriorMeanCoef1: perStep((i) => (betas[i]! * Math.sqrt(abPrev(i))) / (1 - ab(i))),
    posteriorMeanCoef2: perStep((i) => ((1 - abPrev(i)) * Math.sqrt(alphas[i]!)) / (1 - ab(i))),
  };
}
