/**
 * Noise schedules σ(t) as functions of time, with σ'(t) and σ⁻¹(σ): the "Schedule" row of Table 1 of
 * Karras et al. 2022, which the general deterministic sampler (Algorithm 1) integrates in t. They are
 * `generate.py`'s `ablation_sampler` schedules: 'linear' σ(t) = t (EDM, and iDDPM/DDIM), 've' σ(t) = √t,
 * 'vp' σ(t) = √(e^{½β_d t² + β_min t} − 1).
 */
import { vpSigma, vpSigmaDeriv, vpSigmaInv } from './sigmas.ts';
import { checkInRange } from './numeric.ts';

/** σ(t), dσ/dt and the inverse t = σ⁻¹(σ) of one schedule. */
export interface NoiseSchedule {
  sigma(t: number): number;
  sigmaDeriv(t: number): number;
  sigmaInv(sigma: number): number;
}

/** σ(t) = t (Table 1: EDM's and DDIM's schedule), so t and σ coincide. */
export const linearSchedule: NoiseSchedule = Object.freeze({
  sigma: (t: number) => t,
  sigmaDeriv: () => 1,
  sigmaInv: (sigma: number) => sigma,
});

/** σ(t) = √t (Table 1: the VE schedule of Song et al. 2021), σ'(t) = 1/(2√t), σ⁻¹(σ) = σ². */
export const veSchedule: NoiseSchedule = Object.freeze({
  sigma: (t: number) => Math.sqrt(t),
  sigmaDeriv: (t: number) => 0.5 / Math.sqrt(t),
  sigmaInv: (sigma: number) => sigma * sigma,
});

/** Options of {@link vpSchedule}: the noise range the schedule must span over t ∈ [ε_s, 1]. */
export interface VpScheduleRange {
  /** σ(ε_s); default σ(10⁻³) with β_d = 19.9, β_min = 0.1 (Table 1). */
  sigmaMin?: number;
  /** σ(1); default σ(1) with β_d = 19.9, β_min = 0.1. */
  sigmaMax?: number;
  /** ε_s: 10⁻³ (Table 1). */
  epsilonS?: number;
}

/**
 * The VP schedule σ(t) = √(e^{½β_d t² + β_min t} − 1) of Table 1, with β_d and β_min solved, as
 * `ablation_sampler` does, so that σ(ε_s) = sigmaMin and σ(1) = sigmaMax:
 * β_d = 2(ln(σ_min² + 1)/ε_s − ln(σ_max² + 1))/(ε_s − 1), β_min = ln(σ_max² + 1) − ½β_d.
 * To replay `generate.py --schedule=vp` with another discretization, pass that discretization's range
 * (e.g. 0.002 and 80 for EDM's).
 */
export function vpSchedule({ sigmaMin, sigmaMax, epsilonS = 1e-3 }: VpScheduleRange = {}): NoiseSchedule {
  checkInRange('vpSchedule', 'epsilonS', epsilonS, 0, 1, { loOpen: true, hiOpen: true });
  const lo = sigmaMin ?? vpSigma(epsilonS);
  const hi = sigmaMax ?? vpSigma(1);
  checkInRange('vpSchedule', 'sigmaMin', lo, 0, Infinity, { loOpen: true, hiOpen: true });
  checkInRange('vpSchedule', 'sigmaMax', hi, lo, Infinity, { loOpen: true, hiOpen: true });
  const betaD = (2 * (Math.log(lo ** 2 + 1) / epsilonS - Math.log(hi ** 2 + 1))) / (epsilonS - 1);
  const betaMin = Math.log(hi ** 2 + 1) - 0.5 * betaD;
  const params = { betaD, betaMin };
  return Object.freeze({
    sigma: (t: number) => vpSigma(t, params),
    sigmaDeriv: (t: number) => vpSigmaDeriv(t, params),
    sigmaInv: (sigma: number) => vpSigmaInv(sigma, params),
  });
}
