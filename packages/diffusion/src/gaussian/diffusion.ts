/**
 * Discrete-time Gaussian diffusion (Ho et al. 2020; Nichol & Dhariwal 2021), at the tensor level and
 * exact to openai/improved-diffusion's `GaussianDiffusion` (the same code is in guided-diffusion).
 * Indices are 0-based: timestep t here is the paper's step t + 1 (t = 0 is the decoder step).
 *
 * The model's output kind is resolved once, at construction, into two readers (mean and variance),
 * so `pMeanVariance` and every sampler run the same code for every kind.
 */
import { randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { diffusionCoefficients, type DiffusionCoefficients } from './coefficients.ts';
import { checkTimesteps, gatherPerSample } from './gather.ts';

/**
 * What the network's (first C) output channels predict: ε (Ho et al. 2020, Eq. 11), x₀, the posterior
 * mean μ̃ of x_{t−1} ('xPrev'), or v = √ᾱ ε − √(1 − ᾱ) x₀ (Salimans & Ho 2022, Section 4; not in the
 * OpenAI references, read here as diffusers' 'v_prediction' does: through x₀ = √ᾱ x_t − √(1 − ᾱ) v).
 */
export type ModelMeanType = 'eps' | 'x0' | 'xPrev' | 'v';
/**
 * The reverse-step variance Σ_t: fixed to β̃_t ('fixedSmall') or β_t ('fixedLarge', Section 3.2 of
 * Ho et al. 2020), or read from C extra output channels as a log variance ('learned') or as v ∈ [−1, 1]
 * interpolating ln β̃_t and ln β_t ('learnedRange', Eq. 15 of Nichol & Dhariwal 2021).
 */
export type ModelVarType = 'fixedSmall' | 'fixedLarge' | 'learned' | 'learnedRange';
/**
 * Training objective: the MSE of the mean output ('mse': L_simple, Eq. 14 of Ho et al. 2020, for ε),
 * plus, for a learned variance, one term L_t of the bound on a frozen mean, which makes L_hybrid =
 * L_simple + λ L_vlb (Eq. 16 of Nichol & Dhariwal 2021) with L_vlb estimated as T·L_t and λ = 1/T;
 * 'rescaledMse' scales that term by T/1000, i.e. λ = 0.001 (the paper's value) at any T; 'kl' is the
 * term L_t alone and 'rescaledKl' T·L_t.
 */
export type LossType = 'mse' | 'rescaledMse' | 'kl' | 'rescaledKl';

export interface GaussianDiffusionOptions {
  modelMeanType?: ModelMeanType;
  modelVarType?: ModelVarType;
  lossType?: LossType;
  /** Pass the model float timesteps t · 1000/T, so it always sees the 0..1000 range of the paper. */
  rescaleTimesteps?: boolean;
}

/**
 * A network as the diffusion calls it: x_t [B, C, …] and the float timesteps it is conditioned on [B]
 * (t, or t · 1000/T when rescaled; the original timestep for a respaced process), plus caller-defined
 * conditioning (ADM's class labels { y }). Outputs [B, C, …], or [B, 2C, …] when the variance is learned.
 */
export type DiffusionModel<K = undefined> = (x: Tensor, t: Tensor, kwargs: K) => Tensor;

/** A Gaussian over x, as tensors that broadcast against it. */
export interface GaussianMoments {
  mean: Tensor;
  variance: Tensor;
  logVariance: Tensor;
}

/** The reverse step p(x_{t−1} | x_t) = N(mean, variance) and the x₀ it was derived from. */
export interface PMeanVariance extends GaussianMoments {
  predX0: Tensor;
}

export interface PMeanVarianceOptions<K = undefined> {
  /** Clip the predicted x₀ into [−1, 1] (default true, as the reference). */
  clipDenoised?: boolean;
  /** Applied to the predicted x₀ before clipping. */
  denoisedFn?: (x0: Tensor) => Tensor;
  modelKwargs?: K;
}

/** Reads μ and x₀ from the mean channels; `processX0` applies denoisedFn and the clip. */
type MeanReader = (d: GaussianDiffusion, out: Tensor, xt: Tensor, t: Int32Array, processX0: (x0: Tensor) => Tensor) => { mean: Tensor; predX0: Tensor };
/** Reads the variance from the variance channels (null for fixed variances). */
type VarianceReader = (d: GaussianDiffusion, varValues: Tensor | null, t: Int32Array, x: Tensor) => Omit<GaussianMoments, 'mean'>;

function meanReader(type: ModelMeanType): MeanReader {
  const viaPosterior = (toX0: (d: GaussianDiffusion, out: Tensor, xt: Tensor, t: Int32Array) => Tensor): MeanReader =>
    (d, out, xt, t, processX0) => {
      const predX0 = processX0(toX0(d, out, xt, t));
      return { mean: d.qPosteriorMeanVariance(predX0, xt, t).mean, predX0 };
    };
  switch (type) {
    case 'eps': return viaPosterior((d, eps, xt, t) => d.predictX0FromEps(xt, t, eps));
    case 'x0': return viaPosterior((_d, x0) => x0);
    case 'v': return viaPosterior((d, v, xt, t) => d.predictX0FromV(xt, t, v));
    case 'xPrev': return (d, out, xt, t, processX0) => ({ mean: out, predX0: processX0(d.predictX0FromXPrev(xt, t, out)) });
    default: { const never: never = type; throw new RangeError(`GaussianDiffusion: unknown modelMeanType '${String(never)}'`); }
  }
}

function varianceReader(type: ModelVarType): VarianceReader {
  const fixed = (pick: (d: GaussianDiffusion) => [Float64Array, Float64Array]): VarianceReader => (d, _v, t, x) => {
    const [variance, logVariance] = pick(d);
    return { variance: gatherPerSample(variance, t, x).expand(x.shape), logVariance: gatherPerSample(logVariance, t, x).expand(x.shape) };
  };
  const learned = (toLog: (d: GaussianDiffusion, v: Tensor, t: Int32Array) => Tensor): VarianceReader => (d, v, t) => {
    const logVariance = toLog(d, v!, t);
    return { variance: logVariance.exp(), logVariance };
  };
  switch (type) {
    case 'fixedSmall': return fixed((d) => [d.posteriorVariance, d.posteriorLogVarianceClipped]);
    case 'fixedLarge': return fixed((d) => [d.fixedLargeVariance, d.fixedLargeLogVariance]);
    case 'learned': return learned((_d, v) => v);
    case 'learnedRange': return learned((d, v, t) => {
      // Eq. 15 of Nichol & Dhariwal 2021: Σ = exp(u ln β_t + (1 − u) ln β̃_t), u = (v + 1)/2 ∈ [0, 1].
      const minLog = gatherPerSample(d.posteriorLogVarianceClipped, t, v);
      const maxLog = gatherPerSample(d.logBetas, t, v);
      const frac = v.add(1).mul(0.5);
      return frac.mul(maxLog).add(frac.neg().add(1).mul(minLog));
    });
    default: { const never: never = type; throw new RangeError(`GaussianDiffusion: unknown modelVarType '${String(never)}'`); }
  }
}

/**
 * A Gaussian diffusion process with T steps, built from its betas. Its coefficient arrays
 * (`alphasCumprod`, `posteriorVariance`, …) are those of {@link diffusionCoefficients}, merged into
 * the class's type below and copied onto the instance in the constructor.
 */
export interface GaussianDiffusion extends DiffusionCoefficients {}
export class GaussianDiffusion {
  /** ln β_t, the upper end of the learned range. */
  readonly logBetas: Float64Array;
  /** β_t with the first entry replaced by β̃ at the second step, as the reference's FIXED_LARGE ("to get a better decoder log likelihood"). */
  readonly fixedLargeVariance: Float64Array;
  readonly fixedLargeLogVariance: Float64Array;

  readonly modelMeanType: ModelMeanType;
  readonly modelVarType: ModelVarType;
  readonly lossType: LossType;
  readonly rescaleTimesteps: boolean;
  /** Whether the model outputs 2C channels (mean, then variance). */
  readonly learnsVariance: boolean;
  private readonly readMean: MeanReader;
  private readonly readVariance: VarianceReader;

  constructor(betas: ArrayLike<number>, { modelMeanType = 'eps', modelVarType = 'fixedSmall', lossType = 'mse', rescaleTimesteps = false }: GaussianDiffusionOptions = {}) {
    Object.assign(this, diffusionCoefficients(betas));
    this.logBetas = this.betas.map(Math.log);
    this.fixedLargeVariance = Float64Array.from(this.betas);
    this.fixedLargeVariance[0] = this.posteriorVariance[1]!;
    this.fixedLargeLogVariance = this.fixedLargeVariance.map(Math.log);

    this.modelMeanType = modelMeanType;
    this.modelVarType = modelVarType;
    this.lossType = lossType;
    this.rescaleTimesteps = rescaleTimesteps;
    this.readMean = meanReader(modelMeanType);
    this.readVariance = varianceReader(modelVarType);
    this.learnsVariance = modelVarType === 'learned' || modelVarType === 'learnedRange';
  }

  /** The float timesteps the model is conditioned on: t, or t · 1000/T with `rescaleTimesteps`. */
  modelTimesteps(t: Int32Array): Float64Array {
    const scale = this.rescaleTimesteps ? 1000 / this.numTimesteps : 1;
    return Float64Array.from(t, (step) => step * scale);
  }

  /** Call `model` on x_t at timesteps t, with the timesteps it expects (see {@link modelTimesteps}). */
  callModel<K>(model: DiffusionModel<K>, x: Tensor, t: Int32Array, kwargs?: K): Tensor {
    checkTimesteps('callModel', t, x.shape[0] ?? 0, this.numTimesteps);
    return model(x, tensor(this.modelTimesteps(t), { dtype: x.dtype }), kwargs as K);
  }

  /** q(x_t | x₀) = N(√ᾱ_t x₀, (1 − ᾱ_t) I): Eq. 4 of Ho et al. 2020. */
  qMeanVariance(x0: Tensor, t: Int32Array): GaussianMoments {
    this.check('qMeanVariance', x0, t);
    return {
      mean: gatherPerSample(this.sqrtAlphasCumprod, t, x0).mul(x0),
      variance: gatherPerSample(this.alphasCumprod.map((a) => 1 - a), t, x0).expand(x0.shape),
      logVariance: gatherPerSample(this.logOneMinusAlphasCumprod, t, x0).expand(x0.shape),
    };
  }

  /**
   * Sample x_t ~ q(x_t | x₀): x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε (Eq. 4 of Ho et al. 2020, reparameterized).
   * @param x0 clean data [B, …]   @param t integer timesteps [B]
   * @param noise ε, x0's shape; drawn from the default generator when omitted, as guided-diffusion's `q_sample`
   */
  qSample(x0: Tensor, t: Int32Array, noise?: Tensor): Tensor {
    this.check('qSample', x0, t, noise);
    noise ??= randn(x0.shape, { dtype: x0.dtype }).to(x0.backend);
    return gatherPerSample(this.sqrtAlphasCumprod, t, x0).mul(x0).add(gatherPerSample(this.sqrtOneMinusAlphasCumprod, t, x0).mul(noise));
  }

  /**
   * The forward-process posterior q(x_{t−1} | x_t, x₀) = N(μ̃_t, β̃_t I) with
   * μ̃_t = √ᾱ_{t−1} β_t/(1 − ᾱ_t) x₀ + √α_t (1 − ᾱ_{t−1})/(1 − ᾱ_t) x_t: Eqs. 6–7 of Ho et al. 2020.
   * `logVariance` is the clipped one (ln β̃ at the second step stands in for ln 0 at the first).
   */
  qPosteriorMeanVariance(x0: Tensor, xt: Tensor, t: Int32Array): GaussianMoments {
    this.check('qPosteriorMeanVariance', xt, t, x0);
    return {
      mean: gatherPerSample(this.posteriorMeanCoef1, t, x0).mul(x0).add(gatherPerSample(this.posteriorMeanCoef2, t, xt).mul(xt)),
      variance: gatherPerSample(this.posteriorVariance, t, xt).expand(xt.shape),
      logVariance: gatherPerSample(this.posteriorLogVarianceClipped, t, xt).expand(xt.shape),
    };
  }

  /** x₀ = √(1/ᾱ_t) x_t − √(1/ᾱ_t − 1) ε: Eq. 4 of Ho et al. 2020 solved for x₀. */
  predictX0FromEps(xt: Tensor, t: Int32Array, eps: Tensor): Tensor {
    return gatherPerSample(this.sqrtRecipAlphasCumprod, t, xt).mul(xt).sub(gatherPerSample(this.sqrtRecipm1AlphasCumprod, t, xt).mul(eps));
  }

  /** ε = (√(1/ᾱ_t) x_t − x₀) / √(1/ᾱ_t − 1): the inverse of {@link predictX0FromEps}. */
  predictEpsFromX0(xt: Tensor, t: Int32Array, x0: Tensor): Tensor {
    return gatherPerSample(this.sqrtRecipAlphasCumprod, t, xt).mul(xt).sub(x0).div(gatherPerSample(this.sqrtRecipm1AlphasCumprod, t, xt));
  }

  /** x₀ = (μ̃ − coef2 · x_t) / coef1: Eq. 7 of Ho et al. 2020 solved for x₀ (the 'xPrev' output). */
  predictX0FromXPrev(xt: Tensor, t: Int32Array, xPrev: Tensor): Tensor {
    const recip = this.posteriorMeanCoef1.map((c1) => 1 / c1);
    const ratio = this.posteriorMeanCoef2.map((c2, i) => c2 / this.posteriorMeanCoef1[i]!);
    return gatherPerSample(recip, t, xt).mul(xPrev).sub(gatherPerSample(ratio, t, xt).mul(xt));
  }

  /** v = √ᾱ_t ε − √(1 − ᾱ_t) x₀, the velocity target (Salimans & Ho 2022, Section 4). */
  predictVFromEps(x0: Tensor, t: Int32Array, eps: Tensor): Tensor {
    return gatherPerSample(this.sqrtAlphasCumprod, t, eps).mul(eps).sub(gatherPerSample(this.sqrtOneMinusAlphasCumprod, t, x0).mul(x0));
  }

  /** x₀ = √ᾱ_t x_t − √(1 − ᾱ_t) v (Salimans & Ho 2022, Section 4). */
  predictX0FromV(xt: Tensor, t: Int32Array, v: Tensor): Tensor {
    return gatherPerSample(this.sqrtAlphasCumprod, t, xt).mul(xt).sub(gatherPerSample(this.sqrtOneMinusAlphasCumprod, t, v).mul(v));
  }

  /** ε = √(1 − ᾱ_t) x_t + √ᾱ_t v (Salimans & Ho 2022, Section 4). */
  predictEpsFromV(xt: Tensor, t: Int32Array, v: Tensor): Tensor {
    return gatherPerSample(this.sqrtOneMinusAlphasCumprod, t, xt).mul(xt).add(gatherPerSample(this.sqrtAlphasCumprod, t, v).mul(v));
  }

  /**
   * Split a model output into its mean channels and (for a learned variance) its variance channels,
   * along dim 1. Throws when the channel count is not C (fixed) or 2C (learned).
   */
  splitModelOutput(out: Tensor, x: Tensor): { meanOut: Tensor; varValues: Tensor | null } {
    const C = x.shape[1];
    if (C === undefined) throw new RangeError(`GaussianDiffusion: x must be [B, C, …], got [${x.shape}]`);
    const expected = [x.shape[0]!, this.learnsVariance ? 2 * C : C, ...x.shape.slice(2)];
    if (out.shape.length !== expected.length || out.shape.some((n, k) => n !== expected[k])) {
      throw new RangeError(`GaussianDiffusion: model output [${out.shape}] should be [${expected}] (modelVarType '${this.modelVarType}')`);
    }
    if (!this.learnsVariance) return { meanOut: out, varValues: null };
    const [meanOut, varValues] = out.split(C, 1);
    return { meanOut: meanOut!, varValues: varValues! };
  }

  /**
   * The reverse step from a model output already computed: the mean and x₀ as its mean channels
   * say (μ_θ by Eq. 11 of Ho et al. 2020 for ε, μ̃(x̂₀, x_t) of Eq. 7 for x₀ and v, the output itself
   * for 'xPrev') and the variance as `modelVarType` says. The losses use this with a frozen output.
   */
  pMeanVarianceFromOutput(out: Tensor, x: Tensor, t: Int32Array, { clipDenoised = true, denoisedFn }: Omit<PMeanVarianceOptions, 'modelKwargs'> = {}): PMeanVariance {
    this.check('pMeanVariance', x, t);
    const { meanOut, varValues } = this.splitModelOutput(out, x);
    const processX0 = (x0: Tensor): Tensor => {
      const denoised = denoisedFn ? denoisedFn(x0) : x0;
      return clipDenoised ? denoised.clamp(-1, 1) : denoised;
    };
    const { mean, predX0 } = this.readMean(this, meanOut, x, t, processX0);
    return { mean, ...this.readVariance(this, varValues, t, x), predX0 };
  }

  /**
   * p(x_{t−1} | x_t) = N(μ_θ(x_t, t), Σ_θ(x_t, t)) and the predicted x₀, from one model call
   * (the reference's `p_mean_variance`).
   * @param x x_t [B, C, …]   @param t integer timesteps [B]
   */
  pMeanVariance<K>(model: DiffusionModel<K>, x: Tensor, t: Int32Array, { modelKwargs, ...options }: PMeanVarianceOptions<K> = {}): PMeanVariance {
    return this.pMeanVarianceFromOutput(this.callModel(model, x, t, modelKwargs), x, t, options);
  }

  private check(op: string, x: Tensor, t: Int32Array, other?: Tensor): void {
    checkTimesteps(op, t, x.shape[0] ?? 0, this.numTimesteps);
    if (other && (other.shape.length !== x.shape.length || other.shape.some((n, k) => n !== x.shape[k]))) {
      throw new RangeError(`${op}: shapes [${other.shape}] and [${x.shape}] differ`);
    }
  }
}
