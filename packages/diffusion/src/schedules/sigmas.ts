/**
 * Continuous noise-level (σ) discretizations of Karras et al. 2022 (EDM), Table 1 "Time steps",
 * as NVlabs/edm `generate.py` (`edm_sampler`, `ablation_sampler`) computes them. Each returns a
 * Float64Array of length n + 1: n decreasing noise levels σ_0 > … > σ_{n−1} followed by σ_n = 0.
 *
 * n = 1 is allowed and gives [σ_max, 0]: the reference divides by (n − 1) and yields NaN there; the
 * fraction i/(n − 1) is taken as 0, as k-diffusion's linspace-based schedules do.
 */
import { checkInRange, checkPositiveInteger, roundHalfEven } from './numeric.ts';

/** i/(n − 1), with the single step of n = 1 placed at the start. */
const stepFraction = (i: number, n: number): number => (n === 1 ? 0 : i / (n - 1));

/** Options of {@link karrasSigmas}. */
export interface KarrasSigmasOptions {
  sigmaMin?: number;
  sigmaMax?: number;
  /** Exponent ρ; 7 in the paper. ρ = 1 is uniform in σ, ρ → ∞ uniform in log σ. */
  rho?: number;
}

/**
 * The EDM discretization, Eq. 5 of Karras et al. 2022:
 * σ_{i<N} = (σ_max^{1/ρ} + i/(N−1) · (σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ and σ_N = 0,
 * with σ_min = 0.002, σ_max = 80, ρ = 7 (Table 1), as `edm_sampler` computes it.
 */
export function karrasSigmas(
  n: number,
  { sigmaMin = 0.002, sigmaMax = 80, rho = 7 }: KarrasSigmasOptions = {},
): Float64Array {
  checkPositiveInteger('karrasSigmas', 'n', n);
  checkSigmaRange('karrasSigmas', sigmaMin, sigmaMax);
  checkInRange('karrasSigmas', 'rho', rho, 0, Infinity, { loOpen: true, hiOpen: true });
  const maxInvRho = sigmaMax ** (1 / rho);
  const minInvRho = sigmaMin ** (1 / rho);
  const sigmas = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    sigmas[i] = (maxInvRho + stepFraction(i, n) * (minInvRho - maxInvRho)) ** rho;
  }
  return sigmas;
}

function checkSigmaRange(fn: string, sigmaMin: number, sigmaMax: number): void {
  checkInRange(fn, 'sigmaMin', sigmaMin, 0, Infinity, { loOpen: true, hiOpen: true });
  checkInRange(fn, 'sigmaMax', sigmaMax, sigmaMin, Infinity, { hiOpen: true });
}

/** Parameters of the VP noise schedule σ(t) (Table 1 of Karras et al. 2022). */
export interface VpScheduleOptions {
  /** β_d, the extent of the schedule: 19.9. */
  betaD?: number;
  /** β_min, the initial slope: 0.1. */
  betaMin?: number;
}

/**
 * The VP noise schedule σ(t) = √(e^{½β_d t² + β_min t} − 1) of Karras et al. 2022, Table 1
 * (Song et al.'s VP SDE), with β_d = 19.9 and β_min = 0.1. Uses expm1, which is more accurate for
 * small t than the reference's `exp(·) − 1` (the two agree to ~1e-12 relative at t = 1e-3).
 */
export function vpSigma(t: number, { betaD = 19.9, betaMin = 0.1 }: VpScheduleOptions = {}): number {
  return Math.sqrt(Math.expm1(0.5 * betaD * t * t + betaMin * t));
}

/** dσ/dt of {@link vpSigma}: ½(β_min + β_d t)(σ(t) + 1/σ(t)), as `vp_sigma_deriv` in EDM's generate.py (Table 1, Karras et al. 2022). */
export function vpSigmaDeriv(t: number, options: VpScheduleOptions = {}): number {
  const { betaD = 19.9, betaMin = 0.1 } = options;
  const sigma = vpSigma(t, options);
  return 0.5 * (betaMin + betaD * t) * (sigma + 1 / sigma);
}

/**
 * The inverse of {@link vpSigma}: σ⁻¹(σ) = (√(β_min² + 2β_d ln(1 + σ²)) − β_min)/β_d
 * (Table 1 of Karras et al. 2022; `VPPrecond.sigma_inv` in NVlabs/edm), with log1p for accuracy.
 */
export function vpSigmaInv(sigma: number, { betaD = 19.9, betaMin = 0.1 }: VpScheduleOptions = {}): number {
  return (Math.sqrt(betaMin * betaMin + 2 * betaD * Math.log1p(sigma * sigma)) - betaMin) / betaD;
}

/** Options of {@link vpSigmas}. */
export interface VpSigmasOptions extends VpScheduleOptions {
  /** ε_s, the smallest sampled t: 1e-3 (Table 1). */
  epsS?: number;
  /** Overrides σ(ε_s) as the lowest noise level. */
  sigmaMin?: number;
  /** Overrides σ(1) as the highest noise level. */
  sigmaMax?: number;
}

/**
 * The VP discretization of Karras et al. 2022, Table 1: t_i = 1 + i/(N−1) · (ε_s − 1), σ_i = σ(t_i),
 * σ_N = 0, exactly as `ablation_sampler(discretization='vp')`: the noise range [σ(ε_s), σ(1)] is computed
 * first, then β_d and β_min are re-derived from that range (so `sigmaMin`/`sigmaMax` overrides reshape
 * the schedule) and σ is evaluated with the re-derived values.
 *
 * Reference disagreement: NVlabs/edm generate.py computes the default range with β_d = 19.1
 * (NVlabs/edm issue #5), while Table 1 and `VPPrecond`/`VPLoss` use 19.9. The paper's 19.9 is the default
 * here; pass `betaD: 19.1` to reproduce the released sampler.
 */
export function vpSigmas(
  n: number,
  { betaD = 19.9, betaMin = 0.1, epsS = 1e-3, sigmaMin, sigmaMax }: VpSigmasOptions = {},
): Float64Array {
  checkPositiveInteger('vpSigmas', 'n', n);
  checkInRange('vpSigmas', 'epsS', epsS, 0, 1, { loOpen: true, hiOpen: true });
  const lo = sigmaMin ?? vpSigma(epsS, { betaD, betaMin });
  const hi = sigmaMax ?? vpSigma(1, { betaD, betaMin });
  checkSigmaRange('vpSigmas', lo, hi);
  const vpBetaD = (2 * (Math.log(lo ** 2 + 1) / epsS - Math.log(hi ** 2 + 1))) / (epsS - 1);
  const vpBetaMin = Math.log(hi ** 2 + 1) - 0.5 * vpBetaD;
  const sigmas = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const t = 1 + stepFraction(i, n) * (epsS - 1);
    sigmas[i] = vpSigma(t, { betaD: vpBetaD, betaMin: vpBetaMin });
  }
  return sigmas;
}

/** Options of {@link veSigmas}. */
export interface VeSigmasOptions {
  /** 0.02 (Table 1; `VEPrecond.sigma_min`). */
  sigmaMin?: number;
  /** 100 (Table 1; `VEPrecond.sigma_max`). */
  sigmaMax?: number;
}

/**
 * The VE discretization of Karras et al. 2022, Table 1: t_i = σ_max² (σ_min²/σ_max²)^{i/(N−1)}, σ(t) = √t,
 * i.e. geometric in σ from σ_max to σ_min, then σ_N = 0; as `ablation_sampler(discretization='ve')`.
 */
export function veSigmas(n: number, { sigmaMin = 0.02, sigmaMax = 100 }: VeSigmasOptions = {}): Float64Array {
  checkPositiveInteger('veSigmas', 'n', n);
  checkSigmaRange('veSigmas', sigmaMin, sigmaMax);
  const sigmas = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    sigmas[i] = Math.sqrt(sigmaMax ** 2 * (sigmaMin ** 2 / sigmaMax ** 2) ** stepFraction(i, n));
  }
  return sigmas;
}

/** Parameters of the iDDPM noise-level grid (Table 1 of Karras et al. 2022). */
export interface IddpmGridOptions {
  /** C_1, the clip on ᾱ_{j−1}/ᾱ_j at low noise: 0.001. */
  C1?: number;
  /** C_2, the cosine schedule's offset: 0.008. */
  C2?: number;
  /** M, the original number of DDPM steps: 1000. */
  M?: number;
}

const uGridCache = new Map<string, Float64Array>();

/**
 * The iDDPM noise levels u_0 > u_1 > … > u_M = 0 of Karras et al. 2022, Table 1:
 * u_{j−1} = √((u_j² + 1)/max(ᾱ_{j−1}/ᾱ_j, C_1) − 1) with ᾱ_j = sin²(π/2 · j/(M(C_2 + 1))),
 * the σ's of Nichol & Dhariwal's cosine schedule. Computed in float64; the reference
 * (`iDDPMPrecond.u`, `ablation_sampler`) evaluates ᾱ_j in float32 through torch's type promotion, so its
 * values differ from these by ~1e-7 relative. Cached per parameter set; do not mutate the result.
 */
export function iddpmUGrid({ C1 = 0.001, C2 = 0.008, M = 1000 }: IddpmGridOptions = {}): Float64Array {
  checkPositiveInteger('iddpmUGrid', 'M', M);
  checkInRange('iddpmUGrid', 'C1', C1, 0, 1, { loOpen: true });
  checkInRange('iddpmUGrid', 'C2', C2, 0, Infinity, { hiOpen: true });
  const key = `${C1},${C2},${M}`;
  const cached = uGridCache.get(key);
  if (cached) return cached;
  const alphaBar = (j: number): number => Math.sin(((0.5 * Math.PI * j) / M) / (C2 + 1)) ** 2;
  const u = new Float64Array(M + 1);
  for (let j = M; j > 0; j--) {
    u[j - 1] = Math.sqrt((u[j]! ** 2 + 1) / Math.max(alphaBar(j - 1) / alphaBar(j), C1) - 1);
  }
  uGridCache.set(key, u);
  return u;
}

/** Options of {@link iddpmSigmas}. */
export interface IddpmSigmasOptions extends IddpmGridOptions {
  /** Lowest noise level kept from the grid: 0.002 (generate.py's default for this discretization). */
  sigmaMin?: number;
  /** Highest noise level kept from the grid: 81 (generate.py's default). */
  sigmaMax?: number;
}

/**
 * The iDDPM discretization of Karras et al. 2022 (Table 1), as `ablation_sampler(discretization='iddpm')`:
 * keep the grid values u_j with max(σ_min, u_{M−1}) ≤ u_j ≤ min(σ_max, u_0) (the clamp is iDDPMPrecond's
 * supported range), then take the kept value at index round((K − 1)/(N − 1) · i) (round half to even, as
 * torch.round), and append σ_N = 0. With the defaults, exactly u_0..u_7 exceed 81, so this is Table 1's
 * u_{⌊j_0 + (M−1−j_0)/(N−1)·i + ½⌋} with j_0 = 8, except that exact ties round to even instead of up.
 */
export function iddpmSigmas(
  n: number,
  { C1 = 0.001, C2 = 0.008, M = 1000, sigmaMin = 0.002, sigmaMax = 81 }: IddpmSigmasOptions = {},
): Float64Array {
  checkPositiveInteger('iddpmSigmas', 'n', n);
  checkSigmaRange('iddpmSigmas', sigmaMin, sigmaMax);
  const u = iddpmUGrid({ C1, C2, M });
  const lo = Math.max(sigmaMin, u[M - 1]!);
  const hi = Math.min(sigmaMax, u[0]!);
  const kept = Array.from(u).filter((v) => v >= lo && v <= hi);
  if (kept.length === 0) {
    throw new RangeError(`iddpmSigmas: no grid level lies in [${sigmaMin}, ${sigmaMax}]`);
  }
  const sigmas = new Float64Array(n + 1);
  const scale = n === 1 ? 0 : (kept.length - 1) / (n - 1);
  for (let i = 0; i < n; i++) {
    sigmas[i] = kept[roundHalfEven(scale * i)]!;
  }
  return sigmas;
}
