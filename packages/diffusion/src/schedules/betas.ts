/**
 * Discrete-time variance schedules β_1..β_T, as Float64Array indexed from 0 (entry i is the paper's
 * β_{i+1}). Each matches its reference implementation's float64 NumPy arithmetic:
 * - linear, cosine: openai/improved-diffusion `get_named_beta_schedule` / `betas_for_alpha_bar`;
 * - quad, warm-up, const, jsd: hojonathanho/diffusion `get_beta_schedule` (the DDPM repository);
 * - Sohl-Dickstein: Sohl-Dickstein/Diffusion-Probabilistic-Models `generate_beta_arr`.
 */
import { checkInRange, checkPositiveInteger, linspace } from './numeric.ts';

/**
 * The DDPM linear schedule, β from 1e-4 to 0.02 at T = 1000 (Section 4 of Ho et al. 2020), with both
 * ends scaled by 1000/T for other T as improved-diffusion's `get_named_beta_schedule('linear', T)`
 * does (Nichol & Dhariwal 2021), so that the schedule keeps its shape when T changes.
 * Needs T ≥ 20 (below that β_T = 20/T exceeds 1); at T = 20, β_T = 1 and ᾱ_T = 0.
 */
export function linearBetas(T: number): Float64Array {
  checkPositiveInteger('linearBetas', 'T', T);
  if (T < 20) {
    // The reference builds these and then fails GaussianDiffusion's assert betas <= 1.
    throw new RangeError(`linearBetas: T = ${T} would scale the last beta to ${(1000 / T) * 0.02} > 1; need T >= 20`);
  }
  const scale = 1000 / T;
  return linspace(scale * 0.0001, scale * 0.02, T);
}

/** Options of {@link cosineBetas}. */
export interface CosineBetasOptions {
  /** Offset s that keeps β_1 from being too small (0.008 in the paper). */
  s?: number;
  /** Upper clip on every β_t (0.999 in the paper). */
  maxBeta?: number;
}

/**
 * The cosine schedule of Nichol & Dhariwal 2021, Eq. 17: ᾱ_t = f(t)/f(0) with
 * f(t) = cos²(((t/T + s)/(1 + s)) · π/2), turned into β_t = min(1 − ᾱ_t/ᾱ_{t−1}, maxBeta)
 * (Section 3.2), computed as improved-diffusion's `betas_for_alpha_bar` does (the f(0) cancels).
 */
export function cosineBetas(T: number, { s = 0.008, maxBeta = 0.999 }: CosineBetasOptions = {}): Float64Array {
  checkPositiveInteger('cosineBetas', 'T', T);
  checkInRange('cosineBetas', 's', s, 0, Infinity, { hiOpen: true });
  checkInRange('cosineBetas', 'maxBeta', maxBeta, 0, 1, { loOpen: true });
  const f = (t: number): number => Math.cos(((t + s) / (1 + s)) * Math.PI / 2) ** 2;
  const betas = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    betas[i] = Math.min(1 - f((i + 1) / T) / f(i / T), maxBeta);
  }
  return betas;
}

/** Endpoints shared by the DDPM repository's schedules. */
export interface BetaRangeOptions {
  /** β at the first step (the DDPM repository's `beta_start`, 1e-4 in its configs). */
  betaStart?: number;
  /** β at the last step (`beta_end`, 0.02 in its configs). */
  betaEnd?: number;
}

function checkBetaRange(fn: string, betaStart: number, betaEnd: number): void {
  checkInRange(fn, 'betaStart', betaStart, 0, 1, { loOpen: true });
  checkInRange(fn, 'betaEnd', betaEnd, 0, 1, { loOpen: true });
}

/**
 * 'quad' of the DDPM repository's `get_beta_schedule` (Ho et al. 2020):
 * β = linspace(√betaStart, √betaEnd, T)². Not rescaled with T.
 */
export function quadBetas(T: number, { betaStart = 0.0001, betaEnd = 0.02 }: BetaRangeOptions = {}): Float64Array {
  checkPositiveInteger('quadBetas', 'T', T);
  checkBetaRange('quadBetas', betaStart, betaEnd);
  return linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), T).map((b) => b * b);
}

/** Options of {@link warmupBetas}. */
export interface WarmupBetasOptions extends BetaRangeOptions {
  /** Fraction of the steps that ramp linearly from betaStart to betaEnd (0.1 for 'warmup10', 0.5 for 'warmup50'). */
  warmupFrac?: number;
}

/**
 * 'warmup10' / 'warmup50' of the DDPM repository (`_warmup_beta`, Ho et al. 2020): β = betaEnd everywhere,
 * except the first ⌊T · warmupFrac⌋ steps, which are linspace(betaStart, betaEnd, ⌊T · warmupFrac⌋).
 */
export function warmupBetas(
  T: number,
  { betaStart = 0.0001, betaEnd = 0.02, warmupFrac = 0.1 }: WarmupBetasOptions = {},
): Float64Array {
  checkPositiveInteger('warmupBetas', 'T', T);
  checkBetaRange('warmupBetas', betaStart, betaEnd);
  checkInRange('warmupBetas', 'warmupFrac', warmupFrac, 0, 1);
  const betas = new Float64Array(T).fill(betaEnd);
  const warmupTime = Math.trunc(T * warmupFrac); // Python's int()
  betas.set(linspace(betaStart, betaEnd, warmupTime));
  return betas;
}

/** 'const' of the DDPM repository (Ho et al. 2020): β_t = beta (its `beta_end`) at every step. */
export function constBetas(T: number, { beta = 0.02 }: { beta?: number } = {}): Float64Array {
  checkPositiveInteger('constBetas', 'T', T);
  checkInRange('constBetas', 'beta', beta, 0, 1, { loOpen: true });
  return new Float64Array(T).fill(beta);
}

/**
 * 'jsd' of the DDPM repository (Ho et al. 2020): β = 1/linspace(T, 1, T), i.e. β_t = 1/(T − t + 1),
 * so β_T = 1 and ᾱ_T = 0 exactly (the process ends in pure noise). This is the binomial-diffusion rate
 * β_t = (T − t + 1)⁻¹ of Sohl-Dickstein et al. 2015 (Section 2.4.1), which erases a constant
 * fraction 1/T of the original signal per step; their Gaussian schedule is {@link sohlDicksteinBetas}.
 */
export function jsdBetas(T: number): Float64Array {
  checkPositiveInteger('jsdBetas', 'T', T);
  return linspace(T, 1, T).map((v) => 1 / v);
}

/** Options of {@link sohlDicksteinBetas}. */
export interface SohlDicksteinBetasOptions {
  /** Extra lower bound on β_1 (the reference's `step1_beta`, default 0.001). */
  step1Beta?: number;
}

/**
 * The Gaussian forward-diffusion schedule of Sohl-Dickstein et al. 2015 (Section 2.4.1; the Gaussian
 * kernel of Table App.1), at its initialisation, exactly as the reference
 * `generate_beta_arr`: the baseline b_t = 1/linspace(T, 2, T) (each step destroys a fixed fraction
 * of the remaining signal, leaving ~1/T of the variance at the end), squashed into
 * [minBeta_t, 1 − 1e-5] as β_t = minBeta_t + b_t · (1 − minBeta_t − 1e-5), where
 * minBeta_t = 1e-6 for every t plus `step1Beta` (0.001) at the first step.
 * The reference perturbs b_t in logit space by learned temporal-basis coefficients initialised at 0,
 * so sigmoid(logit(b_t) + 0) = b_t is used directly here; it runs in float32 (Theano floatX), this is float64.
 */
export function sohlDicksteinBetas(T: number, { step1Beta = 0.001 }: SohlDicksteinBetasOptions = {}): Float64Array {
  checkPositiveInteger('sohlDicksteinBetas', 'T', T);
  checkInRange('sohlDicksteinBetas', 'step1Beta', step1Beta, 0, 1, { hiOpen: true });
  const baseline = linspace(T, 2, T);
  const betas = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    const minBeta = i === 0 ? 1e-6 + step1Beta : 1e-6;
    betas[i] = minBeta + (1 / baseline[i]!) * (1 - minBeta - 1e-5);
  }
  return betas;
}
