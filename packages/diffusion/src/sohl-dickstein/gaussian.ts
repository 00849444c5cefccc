/**
 * Gaussian diffusion of Sohl-Dickstein et al. 2015 (Section 2; the Gaussian column of Table App.1),
 * exactly as the reference `model.py` (Sohl-Dickstein/Diffusion-Probabilistic-Models) computes it:
 * the forward sample and its posterior (`generate_forward_diffusion_sample`), the reverse kernel read
 * out from a network through the temporal basis (`get_mu_sigma`, `temporal_readout`), and the bound
 * K (Section 2.4 and Appendix B; `get_negL_bound`, `cost_single_t`) in bits per dimension relative
 * to an identity-covariance Gaussian. Steps t are the paper's, 1…T; the reference's index k is t − 1.
 *
 * Where the paper, the reference and this code differ, the choice is named where it is made:
 * the weight of the single-step KL estimate ({@link SohlDicksteinConfig.klWeight}), the posterior
 * under dequantisation noise ({@link SohlDicksteinDiffusion.trainingLoss}), one t per example rather
 * than per minibatch, and the final fixed step of sampling ({@link SohlDicksteinDiffusion.sample}).
 */
import { defaultGenerator, matmul, noGrad, rand, randn, zeros, type DType, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { Module, parameter } from '@diffusion-ts/nn';
import { randnFrom } from '../samplers/noise.ts';
import type { NoiseSource } from '../types.ts';
import { checkInRange, checkPositiveInteger } from '../schedules/numeric.ts';
import { checkSteps, perturbedBetas, stepSelector, temporalBasis, temporalReadout, temporalWeights, type TemporalBasis } from './temporal-basis.ts';
import { normalKl } from '../gaussian/likelihood.ts';

/** A diagonal Gaussian N(mu, sigma²), per element. */
export interface GaussianStep {
  mu: Tensor;
  sigma: Tensor;
}

/** p(x^{t−1} | x^t = x): the reverse kernel at step t (1…T). */
export type ReverseKernel = (x: Tensor, t: number) => GaussianStep;

/** What {@link sampleAncestral} reports after drawing x^{t−1}. */
export interface ReverseStepInfo {
  /** Step index, 0-based, in sampling order. */
  i: number;
  /** The step t whose kernel p(x^{t−1} | x^t) was sampled. */
  t: number;
  /** x^{t−1}. */
  x: Tensor;
  /** The kernel's mean and standard deviation (after any factor r was multiplied in). */
  mean: Tensor;
  std: Tensor;
}

/** The network of the reverse model: x^t [B, …] ↦ Z [B, D·2·nBasis] (D = entries per example). */
export type SohlDicksteinNetwork = (x: Tensor) => Tensor;

const HALF_LOG_2PI_E = 0.5 * (1 + Math.log(2 * Math.PI));

/** A per-example [B] tensor viewed as [B, 1, …, 1], to broadcast against x [B, …]. */
export const perExample = (v: Tensor, like: Tensor): Tensor => v.reshape([like.shape[0]!, ...like.shape.slice(1).map(() => 1)]);

/** logit(u) = ln(u / (1 − u)), the reference's `util.logit`. */
const logit = (u: Tensor): Tensor => u.div(u.neg().add(1)).log();

/** The forward sample at steps t and its analytic posterior, from {@link forwardDiffusionSample}. */
export interface ForwardSample {
  /** x^t = √ᾱ_t · x^0 + √(1 − ᾱ_t) · noise. */
  xt: Tensor;
  /** Mean and standard deviation of q(x^{t−1} | x^t, x^0). */
  muPosterior: Tensor;
  sigmaPosterior: Tensor;
}

/**
 * `generate_forward_diffusion_sample` with its draws passed in: x^t ~ q(x^t | x^0) (the composition of
 * the kernels N(x^t; √(1 − β_t)·x^{t−1}, β_t)), and the posterior q(x^{t−1} | x^t, x^0) as the
 * normalised product of q(x^{t−1} | x^0) = N(√ᾱ_{t−1}·x^0, 1 − ᾱ_{t−1}) with the likelihood of x^t,
 * N(x^t/√α_t, β_t/α_t): precision λ = 1/(1 − ᾱ_{t−1}) + α_t/β_t. ᾱ_t = ∏_{s≤t}(1 − β_s) is taken as
 * exp Σ ln(1 − β_s), and ᾱ_{t−1} as ᾱ_t/α_t, as the reference does. Differentiable in `betas`.
 * @param betas [T]   @param x0 [B, …]   @param t per-example steps in 2…T   @param noise like x0
 */
export function forwardDiffusionSample(betas: Tensor, x0: Tensor, t: ArrayLike<number>, noise: Tensor): ForwardSample {
  const T = betas.shape[0]!;
  checkSteps('forwardDiffusionSample', t, 2, T);
  if (t.length !== x0.shape[0]) throw new RangeError(`forwardDiffusionSample: ${t.length} steps for a batch of ${x0.shape[0]}`);
  const dtype = betas.dtype;
  const betaT = perExample(matmul(stepSelector(t, T, 'oneHot', dtype), betas), x0);
  const alphaT = betaT.neg().add(1);
  const logAlphas = betas.neg().log1p();
  const alphaCum = perExample(matmul(stepSelector(t, T, 'upTo', dtype), logAlphas).exp(), x0);
  const xt = x0.mul(alphaCum.sqrt()).add(noise.mul(alphaCum.neg().add(1).sqrt()));
  const alphaCumPrev = alphaCum.div(alphaT);
  const cov1 = alphaCumPrev.neg().add(1);
  const cov2 = betaT.div(alphaT);
  const lam = cov1.pow(-1).add(cov2.pow(-1));
  const muPosterior = x0.mul(alphaCumPrev.sqrt()).div(cov1).add(xt.div(alphaT.sqrt()).div(cov2)).div(lam);
  return { xt, muPosterior, sigmaPosterior: lam.rsqrt() };
}

/**
 * `get_mu_sigma` after the readout: the reverse kernel as a perturbation of the forward one,
 *   mu = x^t·√(1 − β_t) + muCoeff·√β_t,   sigma² = σ(betaCoeff/√T + logit β_t),
 * the 1/√T "making the impact of beta_coeff scaled appropriately with mu_coeff" as in the reference.
 * With both coefficients 0 this is N(√(1 − β_t)·x^t, β_t): the forward kernel read backwards, which is
 * the exact reverse kernel when the data are N(0, I).
 * @param betaT β_t per example, broadcastable against x
 * @param T the trajectory length
 */
export function reverseMeanStd(xt: Tensor, muCoeff: Tensor, betaCoeff: Tensor, betaT: Tensor, T: number): GaussianStep {
  const betaReverse = betaCoeff.div(Math.sqrt(T)).add(logit(betaT)).sigmoid();
  return { mu: xt.mul(betaT.neg().add(1).sqrt()).add(muCoeff.mul(betaT.sqrt())), sigma: betaReverse.sqrt() };
}

/**
 * KL(N(muPost, sigmaPost²) ‖ N(mu, sigma²)) per element, in nats (`get_negL_bound`'s KL), in the
 * standard-deviation form the bound is written in: {@link normalKl} with log-variances 2 ln σ.
 */
export function gaussianKl(mu: Tensor, sigma: Tensor, muPost: Tensor, sigmaPost: Tensor): Tensor {
  return normalKl(muPost, sigmaPost.log().mul(2), mu, sigma.log().mul(2));
}

/**
 * `get_negL_bound`: −K per dimension (Section 2.4; Appendix B), estimated from KL terms, minus the
 * negative log-likelihood of N(0, I), in bits:
 *   −K = klWeight·KL + H_q(X¹|X⁰) − H_q(X^T|X⁰) + H_p(X^T),
 * with H_q(X¹|X⁰) = ½(1 + ln 2π) + ½ ln β_1, H_q(X^T|X⁰) = ½(1 + ln 2π) + ½ ln(1 − ᾱ_T) and
 * H_p(X^T) = ½(1 + ln 2π), averaged over every element. The entropy terms make this the exact
 * variational bound for data of unit second moment per dimension (E x² = 1, as the reference's
 * Z-scoring gives): in general the cross-entropy of p(x^T) and the fixed last step p(x⁰|x¹) add
 * ½(ᾱ_T + β_1)(E x² − 1) nats per dimension, which the paper's K leaves out.
 * Negative values mean better than the Gaussian. Differentiable in `kl` and `betas`.
 * @param kl KL(q(x^{t−1}|x^t, x⁰) ‖ p(x^{t−1}|x^t)) per element (nats), or a sum of them over t
 * @param betas [T]
 * @param klWeight what `kl` is multiplied by: the number of steps it stands for
 */
export function negLBoundBits(kl: Tensor, betas: Tensor, klWeight: number): Tensor {
  const hStartpoint = betas.narrow(0, 0, 1).log().mul(0.5).add(HALF_LOG_2PI_E);
  const alphaCumT = betas.neg().log1p().sum().exp();
  const hEndpoint = alphaCumT.neg().add(1).log().mul(0.5).add(HALF_LOG_2PI_E);
  const hPrior = HALF_LOG_2PI_E;
  const negLGauss = HALF_LOG_2PI_E;
  const negL = kl.mul(klWeight).add(hStartpoint).sub(hEndpoint).add(hPrior);
  return negL.sub(negLGauss).div(Math.LN2).mean();
}

/** Options of {@link sampleAncestral}. */
export interface AncestralOptions {
  onStep?: (info: ReverseStepInfo) => void;
  /** Change each kernel before it is sampled (posterior sampling multiplies in a factor r). */
  modify?: (step: GaussianStep, t: number) => GaussianStep;
}

/**
 * Ancestral sampling of a Gaussian reverse chain: x^{t−1} ~ kernel(x^t, t) for t = T, …, 1, one draw of
 * N(0, I) per step from `noise` (per-example generators make each example independent of its batch).
 * @param xT the starting state x^T
 */
export function sampleAncestral(kernel: ReverseKernel, xT: Tensor, T: number, noise: NoiseSource = defaultGenerator, { onStep, modify }: AncestralOptions = {}): Tensor {
  return noGrad(() => {
    let x = xT;
    for (let t = T; t >= 1; t--) {
      let step = kernel(x, t);
      if (modify !== undefined) step = modify(step, t);
      x = step.mu.add(step.sigma.mul(randnFrom(noise, x.shape, x.dtype)));
      onStep?.({ i: T - t, t, x, mean: step.mu, std: step.sigma });
    }
    return x;
  });
}

/** Configuration of {@link SohlDicksteinDiffusion}. */
export interface SohlDicksteinConfig {
  /** Trajectory length T (the reference's `trajectory_length`; 40 for the paper's Swiss roll). */
  T: number;
  /** Number of temporal basis functions (`n_temporal_basis`, default 10). */
  nBasis?: number;
  /** Lower bound added to β_1 (`step1_beta`, default 0.001). */
  step1Beta?: number;
  /** Width of the uniform dequantisation noise added to x⁰ in training (`uniform_noise`, default 0). */
  uniformNoise?: number;
  /**
   * How the single-step KL estimate is scaled to stand for the sum over t = 2…T. t is uniform on those
   * T − 1 steps, so 'unbiased' (default) multiplies by T − 1; 'reference' multiplies by T, as
   * `get_negL_bound` does, which overstates the KL sum by T/(T − 1).
   */
  klWeight?: 'unbiased' | 'reference';
  /** dtype of the learnable schedule and of every computation (default float32). */
  dtype?: DType;
}

/** Options of {@link SohlDicksteinDiffusion.trainingLoss}. */
export interface SohlDicksteinLossOptions {
  /** Steps per example, in 2…T; drawn uniformly per example when left out. */
  t?: ArrayLike<number>;
}

/**
 * The Gaussian diffusion probabilistic model with the paper's learnable forward schedule. It is a
 * Module whose one parameter is `betaPerturbCoefficients` [nBasis] (initialised at 0, so β starts at
 * {@link sohlDicksteinBetas}); give `parameters()` to the optimizer along with the network's.
 */
export class SohlDicksteinDiffusion extends Module {
  readonly T: number;
  readonly nBasis: number;
  readonly step1Beta: number;
  readonly uniformNoise: number;
  readonly klWeight: 'unbiased' | 'reference';
  readonly basis: TemporalBasis;
  betaPerturbCoefficients: Tensor;

  constructor({ T, nBasis = 10, step1Beta = 0.001, uniformNoise = 0, klWeight = 'unbiased', dtype = 'float32' }: SohlDicksteinConfig) {
    super();
    checkPositiveInteger('SohlDicksteinDiffusion', 'T', T);
    checkInRange('SohlDicksteinDiffusion', 'uniformNoise', uniformNoise, 0, Infinity, { hiOpen: true });
    this.T = T;
    this.nBasis = nBasis;
    this.step1Beta = step1Beta;
    this.uniformNoise = uniformNoise;
    this.klWeight = klWeight;
    this.basis = temporalBasis(T, nBasis);
    this.betaPerturbCoefficients = parameter(zeros([nBasis], { dtype }));
  }

  get dtype(): DType {
    return this.betaPerturbCoefficients.dtype;
  }

  /** β_1…β_T [T] (`generate_beta_arr`), differentiable in the coefficients. */
  betas(): Tensor {
    return perturbedBetas(this.basis, this.betaPerturbCoefficients, { step1Beta: this.step1Beta });
  }

  /** The factor of the single-step KL in the bound (see {@link SohlDicksteinConfig.klWeight}). */
  get klFactor(): number {
    switch (this.klWeight) {
      case 'unbiased': return this.T - 1;
      case 'reference': return this.T;
      default: { const never: never = this.klWeight; throw new Error(`unknown klWeight ${String(never)}`); }
    }
  }

  /** `get_mu_sigma`: the reverse kernel p(x^{t−1} | x^t) at per-example steps t (2…T) from the network. */
  reverseStep(network: SohlDicksteinNetwork, xt: Tensor, t: ArrayLike<number>, betas: Tensor = this.betas()): GaussianStep {
    const B = xt.shape[0]!;
    const D = xt.numel() / B;
    const [muCoeff, betaCoeff] = temporalReadout(network(xt), temporalWeights(this.basis, t, xt.dtype), D, 2) as [Tensor, Tensor];
    const betaT = perExample(matmul(stepSelector(t, this.T, 'oneHot', xt.dtype), betas), xt);
    return reverseMeanStd(xt, muCoeff.reshape(xt.shape), betaCoeff.reshape(xt.shape), betaT, this.T);
  }

  /** `cost_single_t` with its draws given: the bound in bits/dim at steps t, with noise for x^t. */
  lossAt(network: SohlDicksteinNetwork, x0: Tensor, t: ArrayLike<number>, noise: Tensor): Tensor {
    const betas = this.betas();
    const { xt, muPosterior, sigmaPosterior } = forwardDiffusionSample(betas, x0, t, noise);
    const { mu, sigma } = this.reverseStep(network, xt, t, betas);
    return negLBoundBits(gaussianKl(mu, sigma, muPosterior, sigmaPosterior), betas, this.klFactor);
  }

  /**
   * The training objective (`cost_single_t`): an unbiased single-step estimate of −K in bits/dim
   * relative to N(0, I), differentiable in the network's parameters and the schedule's coefficients.
   * Draws one t per example (the reference draws one per minibatch: the same expectation), the noise,
   * and, with `uniformNoise` u > 0, dequantisation noise x⁰ + u·(U[0, 1) − ½). The posterior is taken
   * around the dequantised x⁰, the variable the bound is about; the reference's posterior mean uses the
   * clean x⁰ while x^t is made from the dequantised one.
   */
  trainingLoss(network: SohlDicksteinNetwork, x0: Tensor, generator: Generator = defaultGenerator, { t }: SohlDicksteinLossOptions = {}): Tensor {
    const B = x0.shape[0]!;
    const steps = t ?? Int32Array.from({ length: B }, () => generator.integer(2, this.T + 1));
    const noise = randn(x0.shape, { dtype: x0.dtype, generator });
    const x = this.uniformNoise > 0 ? x0.add(rand(x0.shape, { dtype: x0.dtype, generator }).sub(0.5).mul(this.uniformNoise)) : x0;
    return this.lossAt(network, x, steps, noise);
  }

  /**
   * −K in bits/dim relative to N(0, I) with the KL summed over every step t = 2…T (each with fresh
   * noise) instead of sampled: a lower-variance evaluation of the bound on the batch x0, without
   * gradients. Dequantisation noise is added as in training.
   */
  boundBits(network: SohlDicksteinNetwork, x0: Tensor, generator: Generator = defaultGenerator): number {
    return noGrad(() => {
      const B = x0.shape[0]!;
      const betas = this.betas();
      const x = this.uniformNoise > 0 ? x0.add(rand(x0.shape, { dtype: x0.dtype, generator }).sub(0.5).mul(this.uniformNoise)) : x0;
      let klSum = zeros(x0.shape, { dtype: x0.dtype });
      for (let s = 2; s <= this.T; s++) {
        const t = new Int32Array(B).fill(s);
        const { xt, muPosterior, sigmaPosterior } = forwardDiffusionSample(betas, x, t, randn(x0.shape, { dtype: x0.dtype, generator }));
        const { mu, sigma } = this.reverseStep(network, xt, t, betas);
        klSum = klSum.add(gaussianKl(mu, sigma, muPosterior, sigmaPosterior));
      }
      return negLBoundBits(klSum, betas, 1).item();
    });
  }

  /**
   * The model's reverse kernels: the network's for t ≥ 2, and for t = 1 the fixed kernel
   * N(√(1 − β_1)·x¹, β_1), the forward step read backwards, which the bound assumes (Appendix B of the paper sets
   * the last reverse step equal to the corresponding forward step, to remove the edge effect at t = 0).
   */
  reverseKernel(network: SohlDicksteinNetwork): ReverseKernel {
    const betas = noGrad(() => this.betas());
    const beta1 = betas.narrow(0, 0, 1);
    return (x, t) => {
      if (t === 1) return { mu: x.mul(beta1.neg().add(1).sqrt()), sigma: beta1.sqrt().expand(x.shape) };
      return this.reverseStep(network, x, new Int32Array(x.shape[0]!).fill(t), betas);
    };
  }

  /**
   * Ancestral samples x⁰ of shape `shape` ([n, …]), from x^T ~ N(0, I) = π through every reverse kernel,
   * the fixed last step included. The reference's sampler stops at x¹ (it skips that step); take the
   * `onStep` report of the step before last to get x¹.
   */
  sample(network: SohlDicksteinNetwork, shape: readonly number[], noise: NoiseSource = defaultGenerator, { onStep }: { onStep?: (info: ReverseStepInfo) => void } = {}): Tensor {
    const xT = randnFrom(noise, shape, this.dtype);
    return sampleAncestral(this.reverseKernel(network), xT, this.T, noise, { onStep });
  }
}
