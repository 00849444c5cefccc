/**
 * Binomial diffusion for binary data, the second process of Sohl-Dickstein et al. 2015 (the binomial
 * column of Table App.1; its schedule in Section 2.4.1). Each of the D bits flips towards a fair coin:
 *   q(x^t | x^{t−1}) = B(x^t; x^{t−1}(1 − β_t) + ½β_t),   β_t = (T − t + 1)⁻¹,
 * so ᾱ_t = ∏_{s≤t}(1 − β_s) = (T − t)/T (a constant fraction 1/T of the signal is erased per step) and
 * β_T = 1 makes q(x^T | x⁰) = B(½) = π exactly. The reference repository has no binomial code; the
 * reverse model's form is this module's choice, mirroring the Gaussian reference: p(x^{t−1} | x^t) =
 * B(x^{t−1}; σ(ℓ)), with ℓ a perturbation, read out through the temporal basis, of the logit of the
 * forward kernel read backwards. Probabilities below are of the value 1.
 */
import { defaultGenerator, noGrad, tensor, zeros, type DType, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { jsdBetas } from '../schedules/betas.ts';
import type { NoiseSource } from '../types.ts';
import { perExample } from './gaussian.ts';
import { checkSteps, temporalBasis, temporalReadout, temporalWeights, type TemporalBasis } from './temporal-basis.ts';

/** The network of the binomial reverse model: x^t [B, …] ↦ Z [B, D·nBasis]. */
export type BinomialNetwork = (x: Tensor) => Tensor;

/** p(x^{t−1} = 1 | x^t = x) at step t, elementwise. */
export type BinomialKernel = (x: Tensor, t: number) => Tensor;

/** What {@link sampleBinomialChain} reports after drawing x^{t−1}. */
export interface BinomialStepInfo {
  i: number;
  t: number;
  /** x^{t−1} (0/1). */
  x: Tensor;
  /** The probabilities it was drawn with. */
  prob: Tensor;
}

/** U[0, 1) of `shape` = [B, …] from a NoiseSource (per-example generators make each example batch-independent). */
function randFrom(source: NoiseSource, shape: readonly number[], dtype: DType): Tensor {
  const [batch = 0, ...rest] = shape;
  const perSample = rest.reduce((n, d) => n * d, 1);
  const values = new Float64Array(batch * perSample);
  if (Array.isArray(source)) {
    if (source.length !== batch) throw new RangeError(`randFrom: ${source.length} generators for a batch of ${batch}`);
    source.forEach((g: Generator, b) => { for (let i = 0; i < perSample; i++) values[b * perSample + i] = g.random(); });
  } else {
    const g = source as Generator;
    for (let i = 0; i < values.length; i++) values[i] = g.random();
  }
  return tensor(values, { shape, dtype });
}

/** 1 where u < p, else 0: a Bernoulli(p) draw from uniforms u. */
const bernoulli = (p: Tensor, u: Tensor): Tensor => u.lt(p);

/** logit of a probability tensor. */
const logit = (p: Tensor): Tensor => p.div(p.neg().add(1)).log();

/** Binary entropy in nats. */
const binaryEntropy = (p: number): number => (p <= 0 || p >= 1 ? 0 : -p * Math.log(p) - (1 - p) * Math.log(1 - p));

/**
 * KL(B(q) ‖ B(σ(ℓ))) per element, in nats, with the model given by its logit ℓ for stable logs:
 * q(ln q + softplus(−ℓ)) + (1 − q)(ln(1 − q) + softplus(ℓ)). Needs 0 < q < 1.
 */
export function bernoulliKl(q: Tensor, logitP: Tensor): Tensor {
  const oneMinusQ = q.neg().add(1);
  return q.mul(q.log().add(logitP.neg().softplus())).add(oneMinusQ.mul(oneMinusQ.log().add(logitP.softplus())));
}

/**
 * −K per dimension in bits for the binomial process (the bound of Section 2.4 with Table App.1's binomial
 * kernels): klWeight·KL + H_q(X¹|X⁰) − H_q(X^T|X⁰) + H_p(X^T), with H_q(X¹|X⁰) = h(½β_1) (a bit flips with
 * probability ½β_1 whatever x⁰ is), H_q(X^T|X⁰) = h(½(1 − ᾱ_T)) and H_p(X^T) = ln 2, averaged over every
 * element and divided by ln 2. It is the exact variational bound of the model whose last step is fixed to
 * p(x⁰|x¹) = q(x¹|x⁰)π(x⁰)/π(x¹) = q(x¹|x⁰) (π uniform), as the paper's Appendix B sets it. Absolute bits
 * per dimension: ≥ the data's entropy, and 1 for a fair coin at best.
 */
export function binomialBoundBits(kl: Tensor, betas: ArrayLike<number>, klWeight: number): Tensor {
  let alphaCumT = 1;
  for (let i = 0; i < betas.length; i++) alphaCumT *= 1 - betas[i]!;
  const entropies = binaryEntropy(0.5 * betas[0]!) - binaryEntropy(0.5 * (1 - alphaCumT)) + Math.LN2;
  return kl.mul(klWeight).add(entropies).div(Math.LN2).mean();
}

/**
 * Ancestral sampling of a binary reverse chain: x^{t−1} ~ B(kernel(x^t, t)) for t = T, …, 1.
 * @param xT the starting state (0/1)
 */
export function sampleBinomialChain(kernel: BinomialKernel, xT: Tensor, T: number, noise: NoiseSource = defaultGenerator, { onStep }: { onStep?: (info: BinomialStepInfo) => void } = {}): Tensor {
  return noGrad(() => {
    let x = xT;
    for (let t = T; t >= 1; t--) {
      const prob = kernel(x, t);
      x = bernoulli(prob, randFrom(noise, x.shape, x.dtype));
      onStep?.({ i: T - t, t, x, prob });
    }
    return x;
  });
}

/** Configuration of {@link BinomialDiffusion}. */
export interface BinomialConfig {
  /** Trajectory length T (the paper's binary heartbeat used 2000). */
  T: number;
  /** Number of temporal basis functions of the reverse model's readout (default 10). */
  nBasis?: number;
}

/** The binomial diffusion probabilistic model; every β is fixed (Section 2.4.1), so nothing here is learned. */
export class BinomialDiffusion {
  readonly T: number;
  /** β_t = 1/(T − t + 1), entry t − 1 ({@link jsdBetas}). */
  readonly betas: Float64Array;
  /** ᾱ_t = ∏_{s≤t}(1 − β_s), entry t − 1. */
  readonly alphasCumprod: Float64Array;
  readonly basis: TemporalBasis;

  constructor({ T, nBasis = 10 }: BinomialConfig) {
    this.T = T;
    this.betas = jsdBetas(T);
    let p = 1;
    this.alphasCumprod = this.betas.map((b) => (p *= 1 - b));
    this.basis = temporalBasis(T, nBasis);
  }

  /** Per-example values of a per-step array at steps t (1…T; ᾱ_0 = 1 at t = 0), shaped to broadcast against x. */
  private at(values: Float64Array, t: ArrayLike<number>, x: Tensor): Tensor {
    return perExample(tensor(Float64Array.from(t, (s) => (s === 0 ? 1 : values[s - 1]!)), { dtype: x.dtype }), x);
  }

  private steps(fn: string, t: number | ArrayLike<number>, x: Tensor, lo: number): ArrayLike<number> {
    const steps = typeof t === 'number' ? new Int32Array(x.shape[0]!).fill(t) : t;
    checkSteps(fn, steps, lo, this.T);
    if (steps.length !== x.shape[0]) throw new RangeError(`${fn}: ${steps.length} steps for a batch of ${x.shape[0]}`);
    return steps;
  }

  /** q(x^t = 1 | x^{t−1}) = x^{t−1}(1 − β_t) + ½β_t. Linear in x^{t−1}, so it also maps P(x^{t−1} = 1) to P(x^t = 1). */
  stepProb(xPrev: Tensor, t: number | ArrayLike<number>): Tensor {
    const beta = this.at(this.betas, this.steps('stepProb', t, xPrev, 1), xPrev);
    return xPrev.mul(beta.neg().add(1)).add(beta.mul(0.5));
  }

  /** q(x^t = 1 | x⁰) = x⁰ᾱ_t + ½(1 − ᾱ_t), t in 0…T. */
  marginalProb(x0: Tensor, t: number | ArrayLike<number>): Tensor {
    const alphaCum = this.at(this.alphasCumprod, this.steps('marginalProb', t, x0, 0), x0);
    return x0.mul(alphaCum).add(alphaCum.neg().add(1).mul(0.5));
  }

  /**
   * The posterior q(x^{t−1} = 1 | x^t, x⁰) ∝ q(x^t | x^{t−1} = 1) q(x^{t−1} = 1 | x⁰), normalised over
   * x^{t−1} ∈ {0, 1}, for t in 1…T (at t = 1 it is x⁰).
   */
  posteriorProb(x0: Tensor, xt: Tensor, t: number | ArrayLike<number>): Tensor {
    const steps = this.steps('posteriorProb', t, x0, 1);
    const prior = this.marginalProb(x0, Array.from(steps, (s) => s - 1));
    const flip = this.at(this.betas, steps, x0).mul(0.5);                   // q(x^t ≠ x^{t−1})
    const stay = flip.neg().add(1);
    const like1 = xt.mul(stay).add(xt.neg().add(1).mul(flip));                // q(x^t | x^{t−1} = 1)
    const like0 = xt.mul(flip).add(xt.neg().add(1).mul(stay));                // q(x^t | x^{t−1} = 0)
    const joint1 = like1.mul(prior);
    return joint1.div(joint1.add(like0.mul(prior.neg().add(1))));
  }

  /** x^t ~ q(x^t | x⁰) at steps t (0…T), from uniforms drawn from `noise`. */
  qSample(x0: Tensor, t: number | ArrayLike<number>, noise: NoiseSource = defaultGenerator): Tensor {
    return bernoulli(this.marginalProb(x0, t), randFrom(noise, x0.shape, x0.dtype));
  }

  /**
   * The logit ℓ of p(x^{t−1} = 1 | x^t) at steps t in 2…T: the network's readout at t plus
   * logit(x^t(1 − β_t) + ½β_t), so a zero network gives the forward kernel read backwards (exact for
   * fair-coin data).
   */
  reverseLogit(network: BinomialNetwork, xt: Tensor, t: ArrayLike<number>): Tensor {
    const steps = this.steps('reverseLogit', t, xt, 2);
    const B = xt.shape[0]!;
    const [c] = temporalReadout(network(xt), temporalWeights(this.basis, steps, xt.dtype), xt.numel() / B, 1) as [Tensor];
    return c.reshape(xt.shape).add(logit(this.stepProb(xt, steps)));
  }

  /** −K in bits/dim at steps t (2…T) with x^t drawn from the uniforms u (like x⁰): the single-step estimate. */
  lossAt(network: BinomialNetwork, x0: Tensor, t: ArrayLike<number>, u: Tensor): Tensor {
    const xt = bernoulli(this.marginalProb(x0, t), u);
    const kl = bernoulliKl(this.posteriorProb(x0, xt, t), this.reverseLogit(network, xt, t));
    return binomialBoundBits(kl, this.betas, this.T - 1);
  }

  /** The training objective: {@link lossAt} with t uniform on 2…T per example (weight T − 1, unbiased). */
  trainingLoss(network: BinomialNetwork, x0: Tensor, generator: Generator = defaultGenerator): Tensor {
    const t = Int32Array.from({ length: x0.shape[0]! }, () => generator.integer(2, this.T + 1));
    return this.lossAt(network, x0, t, randFrom(generator, x0.shape, x0.dtype));
  }

  /** −K in bits/dim with the KL summed over every step t = 2…T (fresh x^t each), without gradients. */
  boundBits(network: BinomialNetwork, x0: Tensor, generator: Generator = defaultGenerator): number {
    return noGrad(() => {
      let klSum = zeros(x0.shape, { dtype: x0.dtype });
      for (let s = 2; s <= this.T; s++) {
        const t = new Int32Array(x0.shape[0]!).fill(s);
        const xt = this.qSample(x0, t, generator);
        klSum = klSum.add(bernoulliKl(this.posteriorProb(x0, xt, t), this.reverseLogit(network, xt, t)));
      }
      return binomialBoundBits(klSum, this.betas, 1).item();
    });
  }

  /** The model's reverse kernels: the network's for t ≥ 2, and the fixed p(x⁰|x¹) = q(x¹|x⁰) at t = 1. */
  reverseKernel(network: BinomialNetwork): BinomialKernel {
    return (x, t) => (t === 1 ? this.stepProb(x, 1) : this.reverseLogit(network, x, new Int32Array(x.shape[0]!).fill(t)).sigmoid());
  }

  /** Ancestral samples x⁰ (0/1) of shape [n, …], from x^T ~ B(½). */
  sample(network: BinomialNetwork, shape: readonly number[], noise: NoiseSource = defaultGenerator, { onStep }: { onStep?: (info: BinomialStepInfo) => void } = {}): Tensor {
    const xT = bernoulli(tensor(new Float32Array(1).fill(0.5)), randFrom(noise, shape, 'float32'));
    return sampleBinomialChain(this.reverseKernel(network), xT, this.T, noise, { onStep });
  }
}
