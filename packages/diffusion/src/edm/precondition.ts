/**
 * Network preconditioning, Eq. 7 of Karras et al. 2022:
 *   D(x; σ) = c_skip(σ) x + c_out(σ) F(c_in(σ) x; c_noise(σ)),
 * with the VP, VE, iDDPM and EDM coefficients of Table 1, as NVlabs/edm `training/networks.py`
 * (VPPrecond, VEPrecond, iDDPMPrecond, EDMPrecond). Coefficients are computed per sample in float64
 * (the reference: float32) and multiplied in x's dtype.
 */
import { Tensor, tensor } from '@diffusion-ts/tensor';
import type { IddpmGridOptions, VpScheduleOptions } from '../schedules/sigmas.ts';
import {
  edmConstants,
  edmPrecondCoefficients,
  iddpmPrecondCoefficients,
  vePrecondCoefficients,
  vpPrecondCoefficients,
  type PrecondCoefficients,
} from './precondition-coefficients.ts';

/**
 * The raw network F_θ: takes the scaled input c_in·x [B, …] and the noise conditioning c_noise [B]
 * (in x's dtype), plus optional class labels, and returns a tensor shaped like x (or, for iDDPM with
 * `learnedVariance`, with twice x's channels in dim 1).
 */
export type RawNetwork = (xIn: Tensor, cNoise: Tensor, classLabels?: Tensor) => Tensor;

/** A preconditioned denoiser with one noise level per sample (σ [B]), for training losses. */
export type BatchDenoiser = (x: Tensor, sigma: Tensor | ArrayLike<number>, classLabels?: Tensor) => Tensor;

/**
 * A preconditioned denoiser: called with one noise level for the whole batch it is a sigma-space
 * `Denoiser` (samplers take it as is); `batch` is the same D with one σ per sample (training).
 */
export interface PreconditionedDenoiser {
  (x: Tensor, sigma: number, classLabels?: Tensor): Tensor;
  readonly batch: BatchDenoiser;
}

/** The coefficients of Eq. 7 as a function of σ (one row of Table 1). */
export type Preconditioning = (sigma: number) => PrecondCoefficients;

/**
 * σ's values from a tensor on a backend that reads synchronously. The coefficients of Table 1 are
 * JavaScript functions of σ, so a tensor on gpu would need a device read inside a synchronous op:
 * pass numbers there (the losses do: they draw σ on the CPU).
 */
function sigmasOf(sigma: Tensor): ArrayLike<number> {
  if (!sigma.backend.synchronous) {
    throw new RangeError(`precondition: σ is a tensor on the '${sigma.backend.name}' backend, whose values reach JavaScript only by \`await t.data()\`; pass σ as numbers (a Float64Array or an array) instead`);
  }
  return sigma.dataSync();
}

/** Per-sample values as a [B, 1, …, 1] tensor that broadcasts against x. */
const perSample = (values: readonly number[], x: Tensor): Tensor =>
  tensor(Float64Array.from(values), { shape: [values.length, ...x.shape.slice(1).map(() => 1)], dtype: x.dtype });

/** Options of {@link precondition}. */
export interface PreconditionOptions {
  /**
   * The network also predicts a variance, outputting 2C channels in dim 1 of which D uses the first C,
   * as `iDDPMPrecond` (`F_x[:, :self.img_channels]`).
   */
  learnedVariance?: boolean;
}

/**
 * Eq. 7 with per-sample noise levels: (x [B, …], σ [B]) ↦ c_skip(σ)·x + c_out(σ)·F(c_in(σ)·x; c_noise(σ)).
 * σ is read on the CPU (a plain array, or a tensor on a synchronous backend: js or wasm). The reference never evaluates the network
 * at σ = 0; here a sample with σ = 0, where c_skip = 1 and c_out = 0 in every row of Table 1, still runs
 * through F (whose output is multiplied by 0), so pass σ > 0 when F cannot take c_noise(0) (EDM: −∞).
 */
export function precondition(network: RawNetwork, coefficients: Preconditioning, { learnedVariance = false }: PreconditionOptions = {}): BatchDenoiser {
  return (x, sigma, classLabels) => {
    const sigmas = sigma instanceof Tensor ? sigmasOf(sigma) : sigma;
    const batch = x.shape[0] ?? 0;
    if (x.ndim < 1 || sigmas.length !== batch) {
      throw new RangeError(`precondition: ${sigmas.length} noise levels for x of shape [${x.shape}]`);
    }
    const c = Array.from(sigmas, (s) => coefficients(s));
    const cNoise = tensor(Float64Array.from(c, (k) => k.cNoise), { shape: [batch], dtype: x.dtype });
    let F = network(x.mul(perSample(c.map((k) => k.cIn), x)), cNoise, classLabels);
    if (learnedVariance) F = F.narrow(1, 0, x.shape[1]!);
    return x.mul(perSample(c.map((k) => k.cSkip), x)).add(F.mul(perSample(c.map((k) => k.cOut), x)));
  };
}

/**
 * Eq. 7 at one noise level for the batch, as a sampler's {@link Denoiser}. At σ = 0 it returns x
 * without calling F: c_skip(0) = 1 and c_out(0) = 0 in every row of Table 1, and EDM's c_noise(0) = ln(0)/4
 * is −∞. (Samplers never evaluate σ = 0; this makes the σ → 0 limit exact.)
 */
function asDenoiser(network: RawNetwork, coefficients: Preconditioning, options: PreconditionOptions) {
  return (x: Tensor, sigma: number, classLabels?: Tensor): Tensor => {
    const { cSkip, cOut, cIn, cNoise } = coefficients(sigma);
    if (sigma === 0) return x;
    const batch = x.shape[0] ?? 0;
    let F = network(x.mul(cIn), tensor(new Float64Array(batch).fill(cNoise), { shape: [batch], dtype: x.dtype }), classLabels);
    if (options.learnedVariance) F = F.narrow(1, 0, x.shape[1]!);
    return x.mul(cSkip).add(F.mul(cOut));
  };
}

/** Options of {@link edmPrecond}. */
export interface EdmPrecondOptions {
  /** σ_data, the data's standard deviation: 0.5 (Table 1). */
  sigmaData?: number;
}

/**
 * EDM preconditioning (Table 1 of Karras et al. 2022; EDMPrecond): c_skip = σ_data²/(σ² + σ_data²),
 * c_out = σ σ_data/√(σ² + σ_data²), c_in = 1/√(σ² + σ_data²), c_noise = ¼ ln σ. Use `.batch` for
 * per-sample σ in training.
 */
export function edmPrecond(network: RawNetwork, { sigmaData = edmConstants.sigmaData }: EdmPrecondOptions = {}): PreconditionedDenoiser {
  return withBatch(network, (sigma) => edmPrecondCoefficients(sigma, { sigmaData }), {});
}

/**
 * VP preconditioning (Table 1; VPPrecond): c_skip = 1, c_out = −σ, c_in = 1/√(σ² + 1),
 * c_noise = (M − 1) σ⁻¹(σ) with β_d = 19.9, β_min = 0.1, M = 1000: F predicts ε.
 */
export function vpPrecond(network: RawNetwork, options: VpScheduleOptions & { M?: number } = {}): PreconditionedDenoiser {
  return withBatch(network, (sigma) => vpPrecondCoefficients(sigma, options), {});
}

/** VE preconditioning (Table 1; VEPrecond): c_skip = 1, c_out = σ, c_in = 1, c_noise = ln(½σ). */
export function vePrecond(network: RawNetwork): PreconditionedDenoiser {
  return withBatch(network, vePrecondCoefficients, {});
}

/**
 * iDDPM preconditioning (Table 1; iDDPMPrecond): c_skip = 1, c_out = −σ, c_in = 1/√(σ² + 1),
 * c_noise = M − 1 − argmin_j |u_j − σ| (the DDPM timestep of the nearest grid level). The reference's
 * network outputs 2C channels (learned variance) and D keeps the first C: pass `learnedVariance: true`
 * for such a network.
 */
export function iddpmPrecond(
  network: RawNetwork,
  { learnedVariance = false, ...grid }: IddpmGridOptions & PreconditionOptions = {},
): PreconditionedDenoiser {
  return withBatch(network, (sigma) => iddpmPrecondCoefficients(sigma, grid), { learnedVariance });
}

function withBatch(network: RawNetwork, coefficients: Preconditioning, options: PreconditionOptions): PreconditionedDenoiser {
  return Object.assign(asDenoiser(network, coefficients, options), { batch: precondition(network, coefficients, options) });
}
