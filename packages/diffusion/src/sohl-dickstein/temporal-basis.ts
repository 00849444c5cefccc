/**
 * Time dependence in Sohl-Dickstein et al. 2015: every learned quantity that varies with the step t
 * (the reverse kernel's mean and variance coefficients, and the forward schedule's perturbation) is a
 * combination of a few Gaussian bumps over the trajectory, exactly as the reference `model.py` (Sohl-Dickstein/Diffusion-Probabilistic-Models) builds them in
 * `generate_temporal_basis`, `generate_beta_arr` and `temporal_readout`. Steps t are the paper's,
 * 1…T; the reference indexes them from 0 (its index k is our t = k + 1).
 */
import { matmul, tensor, type DType, type Tensor } from '@diffusion-ts/tensor';
import { checkInRange, checkPositiveInteger, linspace } from '../schedules/numeric.ts';

/** The bumps, row-major [nBasis, T] (the reference's `temporal_basis`), plus their sizes. */
export interface TemporalBasis {
  readonly T: number;
  readonly nBasis: number;
  /** Entry j·T + (t − 1) is bump j at step t; for each t the nBasis entries sum to 1. */
  readonly values: Float64Array;
}

/**
 * `generate_temporal_basis(T, nBasis)`: nBasis Gaussian bumps with centres linspace(−1, 1, nBasis) and
 * standard deviation half their spacing, evaluated at the T points linspace(−1, 1, T), then divided by
 * their sum at each step so that the weights of every step form a partition of unity.
 * Needs T ≥ 2 and nBasis ≥ 2 (the reference's width is the spacing of the centres).
 */
export function temporalBasis(T: number, nBasis: number): TemporalBasis {
  checkPositiveInteger('temporalBasis', 'T', T);
  checkPositiveInteger('temporalBasis', 'nBasis', nBasis);
  if (T < 2 || nBasis < 2) throw new RangeError(`temporalBasis: need T >= 2 and nBasis >= 2, got T = ${T}, nBasis = ${nBasis}`);
  const xx = linspace(-1, 1, T);
  const centers = linspace(-1, 1, nBasis);
  const width = (centers[1]! - centers[0]!) / 2;
  const values = new Float64Array(nBasis * T);
  for (let i = 0; i < T; i++) {
    let sum = 0;
    for (let j = 0; j < nBasis; j++) {
      const v = Math.exp(-((xx[i]! - centers[j]!) ** 2) / (2 * width * width));
      values[j * T + i] = v;
      sum += v;
    }
    for (let j = 0; j < nBasis; j++) values[j * T + i]! /= sum;
  }
  return { T, nBasis, values };
}

/** Throw unless every t is an integer step in [lo, T]. */
export function checkSteps(fn: string, t: ArrayLike<number>, lo: number, T: number): void {
  for (let b = 0; b < t.length; b++) {
    const s = t[b]!;
    if (!Number.isInteger(s) || s < lo || s > T) throw new RangeError(`${fn}: step t = ${s} must be an integer in [${lo}, ${T}]`);
  }
}

/**
 * [B, T] rows that pick step t_b: one-hot (`oneHot`, the reference's `get_t_weights` at integer t) or
 * ones at steps 1…t_b (`upTo`, for cumulative sums). Multiplying by them keeps gradients flowing to the
 * per-step arrays they select from.
 */
export function stepSelector(t: ArrayLike<number>, T: number, kind: 'oneHot' | 'upTo', dtype: DType): Tensor {
  checkSteps('stepSelector', t, 1, T);
  const rows = new Float64Array(t.length * T);
  for (let b = 0; b < t.length; b++) {
    const s = t[b]!;
    switch (kind) {
      case 'oneHot': rows[b * T + s - 1] = 1; break;
      case 'upTo': rows.fill(1, b * T, b * T + s); break;
      default: { const never: never = kind; throw new Error(`stepSelector: unknown kind ${String(never)}`); }
    }
  }
  return tensor(rows, { shape: [t.length, T], dtype });
}

/** Weights of the nBasis bumps at step t_b for each sample: [B, nBasis] (`temporal_basis · t_weights`). */
export function temporalWeights(basis: TemporalBasis, t: ArrayLike<number>, dtype: DType): Tensor {
  const B = t.length;
  checkSteps('temporalWeights', t, 1, basis.T);
  const w = new Float64Array(B * basis.nBasis);
  for (let b = 0; b < B; b++) for (let j = 0; j < basis.nBasis; j++) w[b * basis.nBasis + j] = basis.values[j * basis.T + t[b]! - 1]!;
  return tensor(w, { shape: [B, basis.nBasis], dtype });
}

/**
 * `temporal_readout`: the network's output Z holds, for every data dimension, `groups` sets of nBasis
 * coefficients (layout [B, D, groups, nBasis], with D in the order of x's own entries; for images the
 * reference orders Z's pixels as (H, W, C) while x is (C, H, W), for vectors the two agree); each set
 * is read out at step t_b as Σ_j Z[b, i, g, j] · basis_j(t_b). Returns the
 * groups as [B, D] tensors (for the Gaussian kernel: group 0 = mu_coeff, group 1 = beta_coeff).
 * @param Z [B, D·groups·nBasis] (or any shape with those B·D·groups·nBasis entries)
 * @param weights [B, nBasis] from {@link temporalWeights}
 */
export function temporalReadout(Z: Tensor, weights: Tensor, D: number, groups: number): Tensor[] {
  const [B, nBasis] = weights.shape as [number, number];
  if (Z.numel() !== B * D * groups * nBasis) {
    throw new RangeError(`temporalReadout: network output [${Z.shape}] must hold B·D·${groups}·nBasis = ${B}·${D}·${groups}·${nBasis} values`);
  }
  const coeffs = matmul(Z.reshape([B, D * groups, nBasis]), weights.reshape([B, nBasis, 1])).reshape([B, D, groups]);
  return Array.from({ length: groups }, (_, g) => coeffs.narrow(2, g, 1).reshape([B, D]));
}

/** Options of {@link perturbedBetas}. */
export interface PerturbedBetasOptions {
  /** Added to the floor 1e-6 of β_1 (the reference's `step1_beta`, default 0.001). */
  step1Beta?: number;
}

/**
 * The learnable forward schedule of `generate_beta_arr` (Section 2.4.1 of the paper: β_t is learned by
 * gradient ascent on K, through frozen noise):
 *   β_t = minβ_t + σ(Σ_j c_j · basis_j(t) + logit(b_t)) · (1 − minβ_t − 1e−5),
 * with the baseline b_t = 1/linspace(T, 2, T)_t, minβ_t = 1e−6 (+ step1Beta at t = 1). At c = 0 this is
 * {@link sohlDicksteinBetas}. Differentiable in `coefficients` (the reference's
 * `beta_perturb_coefficients`, which it initialises at 0 and leaves untrained with a TODO; here they are
 * a parameter). As in the reference the basis also reaches β_1, whose floor is step1Beta + 1e−6; the
 * paper instead keeps β_1 fixed.
 * @param coefficients [nBasis]; the result [T] has its dtype
 */
export function perturbedBetas(basis: TemporalBasis, coefficients: Tensor, { step1Beta = 0.001 }: PerturbedBetasOptions = {}): Tensor {
  const { T, nBasis } = basis;
  if (coefficients.ndim !== 1 || coefficients.shape[0] !== nBasis) {
    throw new RangeError(`perturbedBetas: coefficients must be [${nBasis}], got [${coefficients.shape}]`);
  }
  checkInRange('perturbedBetas', 'step1Beta', step1Beta, 0, 1, { hiOpen: true });
  const dtype = coefficients.dtype;
  const baseline = linspace(T, 2, T);
  const offset = new Float64Array(T);
  const minBeta = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    const b = 1 / baseline[i]!;
    offset[i] = Math.log(b / (1 - b)); // util.logit_np
    minBeta[i] = i === 0 ? 1e-6 + step1Beta : 1e-6;
  }
  const minBetaT = tensor(minBeta, { dtype });
  const perturb = matmul(coefficients, tensor(basis.values, { shape: [nBasis, T], dtype })); // basisᵀ·c: [T]
  const squashed = perturb.add(tensor(offset, { dtype })).sigmoid();
  return minBetaT.add(squashed.mul(minBetaT.neg().add(1 - 1e-5)));
}
