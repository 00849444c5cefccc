/**
 * Network preconditioning of Karras et al. 2022: D(x; σ) = c_skip(σ) x + c_out(σ) F(c_in(σ) x; c_noise(σ))
 * (Eq. 7), with the coefficients, training noise distributions and loss weights of Table 1, as
 * NVlabs/edm `training/networks.py` (VPPrecond, VEPrecond, iDDPMPrecond, EDMPrecond) and
 * `training/loss.py` (VPLoss, VELoss, EDMLoss) compute them. Scalars in float64; the reference runs these
 * in float32.
 */
import { iddpmUGrid, vpSigma, vpSigmaInv } from '../schedules/sigmas.ts';
import type { IddpmGridOptions, VpScheduleOptions } from '../schedules/sigmas.ts';

/** The four preconditioning coefficients of Eq. 7 at one noise level. */
export interface PrecondCoefficients {
  cSkip: number;
  cOut: number;
  cIn: number;
  cNoise: number;
}

/** EDM's parameters (Table 1 of Karras et al. 2022; EDMPrecond and EDMLoss defaults). */
export const edmConstants = Object.freeze({
  /** σ_data, the expected standard deviation of the training data. */
  sigmaData: 0.5,
  /** P_mean: training draws ln σ ~ N(P_mean, P_std²). */
  pMean: -1.2,
  /** P_std. */
  pStd: 1.2,
  /** Sampling range and ρ of Eq. 5. */
  sigmaMin: 0.002,
  sigmaMax: 80,
  rho: 7,
});

/** VP's parameters (Table 1 of Karras et al. 2022; VPPrecond, VPLoss and ablation_sampler defaults). */
export const vpConstants = Object.freeze({
  betaD: 19.9,
  betaMin: 0.1,
  /** M, the original number of DDPM steps, which scales c_noise. */
  M: 1000,
  /** ε_t: training draws t ~ U(ε_t, 1). */
  epsilonT: 1e-5,
  /** ε_s: sampling ends at t = ε_s. */
  epsilonS: 1e-3,
});

/** VE's parameters (Table 1 of Karras et al. 2022; VEPrecond and VELoss defaults). */
export const veConstants = Object.freeze({
  /** Training draws ln σ ~ U(ln σ_min, ln σ_max). */
  sigmaMin: 0.02,
  sigmaMax: 100,
});

/** iDDPM's parameters (Table 1 of Karras et al. 2022; iDDPMPrecond defaults). */
export const iddpmConstants = Object.freeze({
  C1: 0.001,
  C2: 0.008,
  M: 1000,
  /** j_0, the first grid index used for sampling (Table 1). */
  j0: 8,
});

function checkSigma(fn: string, sigma: number): void {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) {
    throw new RangeError(`${fn}: sigma must be a finite non-negative number, got ${sigma}`);
  }
}

/**
 * EDM preconditioning (Table 1 of Karras et al. 2022, derived in its Section 5; EDMPrecond):
 * c_skip = σ_data²/(σ² + σ_data²), c_out = σ σ_data/√(σ² + σ_data²), c_in = 1/√(σ² + σ_data²),
 * c_noise = ¼ ln σ (−∞ at σ = 0, where c_skip = 1 and c_out = 0, so D(x; 0) = x).
 */
export function edmPrecondCoefficients(
  sigma: number,
  { sigmaData = edmConstants.sigmaData }: { sigmaData?: number } = {},
): PrecondCoefficients {
  checkSigma('edmPrecondCoefficients', sigma);
  const total = sigma ** 2 + sigmaData ** 2;
  return {
    cSkip: sigmaData ** 2 / total,
    cOut: (sigma * sigmaData) / Math.sqrt(total),
    cIn: 1 / Math.sqrt(total),
    cNoise: Math.log(sigma) / 4,
  };
}

/**
 * VP preconditioning (Table 1 of Karras et al. 2022; VPPrecond): c_skip = 1, c_out = −σ,
 * c_in = 1/√(σ² + 1), c_noise = (M − 1) σ⁻¹(σ), with σ⁻¹ the inverse VP schedule.
 */
export function vpPrecondCoefficients(
  sigma: number,
  { betaD = vpConstants.betaD, betaMin = vpConstants.betaMin, M = vpConstants.M }: VpScheduleOptions & { M?: number } = {},
): PrecondCoefficients {
  checkSigma('vpPrecondCoefficients', sigma);
  return {
    cSkip: 1,
    cOut: -sigma,
    cIn: 1 / Math.sqrt(sigma ** 2 + 1),
    cNoise: (M - 1) * vpSigmaInv(sigma, { betaD, betaMin }),
  };
}

/**
 * VE preconditioning (Table 1 of Karras et al. 2022; VEPrecond): c_skip = 1, c_out = σ, c_in = 1,
 * c_noise = ln(½σ).
 */
export function vePrecondCoefficients(sigma: number): PrecondCoefficients {
  checkSigma('vePrecondCoefficients', sigma);
  return { cSkip: 1, cOut: sigma, cIn: 1, cNoise: Math.log(0.5 * sigma) };
}

/**
 * The iDDPM grid level nearest to σ, the arg min_j |u_j − σ| in c_noise of Table 1 (Karras et al. 2022),
 * as `iDDPMPrecond.round_sigma` (the first index on ties) over the grid u_0 > … > u_M = 0 of {@link iddpmUGrid}.
 */
export function iddpmRoundSigma(sigma: number, options: IddpmGridOptions = {}): { index: number; sigma: number } {
  const u = iddpmUGrid(options);
  let index = 0;
  for (let j = 1; j < u.length; j++) {
    if (Math.abs(u[j]! - sigma) < Math.abs(u[index]! - sigma)) index = j;
  }
  return { index, sigma: u[index]! };
}

/**
 * iDDPM preconditioning (Table 1 of Karras et al. 2022; iDDPMPrecond): c_skip = 1, c_out = −σ,
 * c_in = 1/√(σ² + 1), c_noise = M − 1 − argmin_j |u_j − σ|, i.e. the original DDPM timestep of the
 * nearest grid level. The reference finds the nearest level on a float32 grid; this one is float64.
 */
export function iddpmPrecondCoefficients(sigma: number, options: IddpmGridOptions = {}): PrecondCoefficients {
  checkSigma('iddpmPrecondCoefficients', sigma);
  const M = options.M ?? iddpmConstants.M;
  return {
    cSkip: 1,
    cOut: -sigma,
    cIn: 1 / Math.sqrt(sigma ** 2 + 1),
    cNoise: M - 1 - iddpmRoundSigma(sigma, options).index,
  };
}

/** EDM loss weight λ(σ) = (σ² + σ_data²)/(σ σ_data)² (Table 1 of Karras et al. 2022; EDMLoss), so λ c_out² = 1. */
export function edmLossWeight(sigma: number, { sigmaData = edmConstants.sigmaData }: { sigmaData?: number } = {}): number {
  return (sigma ** 2 + sigmaData ** 2) / (sigma * sigmaData) ** 2;
}

/** Loss weight λ(σ) = 1/σ² of VP, VE and iDDPM (Table 1 of Karras et al. 2022; VPLoss, VELoss). */
export function inverseSquareLossWeight(sigma: number): number {
  return 1 / sigma ** 2;
}

/** EDM training noise level from a standard normal draw z: σ = exp(P_mean + P_std z) (Table 1; EDMLoss). */
export function edmTrainingSigma(
  z: number,
  { pMean = edmConstants.pMean, pStd = edmConstants.pStd }: { pMean?: number; pStd?: number } = {},
): number {
  return Math.exp(z * pStd + pMean);
}

/** VP training noise level from a uniform draw r in [0, 1): σ(1 + r(ε_t − 1)), i.e. t ~ U(ε_t, 1) (Table 1; VPLoss). */
export function vpTrainingSigma(
  r: number,
  { betaD = vpConstants.betaD, betaMin = vpConstants.betaMin, epsilonT = vpConstants.epsilonT }: VpScheduleOptions & { epsilonT?: number } = {},
): number {
  return vpSigma(1 + r * (epsilonT - 1), { betaD, betaMin });
}

/** VE training noise level from a uniform draw r in [0, 1): σ_min (σ_max/σ_min)^r, i.e. ln σ ~ U(ln σ_min, ln σ_max) (Table 1; VELoss). */
export function veTrainingSigma(
  r: number,
  { sigmaMin = veConstants.sigmaMin, sigmaMax = veConstants.sigmaMax }: { sigmaMin?: number; sigmaMax?: number } = {},
): number {
  return sigmaMin * (sigmaMax / sigmaMin) ** r;
}

/** iDDPM training noise level from a uniform draw r in [0, 1): u_j with j = ⌊rM⌋ ~ U{0, …, M − 1} (Table 1 of Karras et al. 2022). */
export function iddpmTrainingSigma(r: number, options: IddpmGridOptions = {}): number {
  const M = options.M ?? iddpmConstants.M;
  return iddpmUGrid(options)[Math.min(Math.floor(r * M), M - 1)]!;
}
